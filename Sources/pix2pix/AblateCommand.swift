import ArgumentParser
import Distributed
import Foundation
import Logging
import Pix2Pix

/// `pix2pix ablate`: every G × D × objective on the same data, seeds and budget, then a report.
struct AblateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate",
        abstract: "Train every generator × discriminator × objective combination on the same data, seeds and budget; write a report.",
        discussion: """
        Each run is an ordinary training run under OUT/runs/. The same seed gives every variant the same data \
        order, crops and (for the same generator) initial weights. Afterwards OUT holds report.md, results.csv, \
        results.json, metric and loss SVG charts, samples.png (the same validation inputs through every variant) \
        and a self-contained report.html. Rerunning the same command skips finished runs and resumes an \
        interrupted one; Ctrl-C stops after the current step with the run saved.

        Under mpirun -np N (or srun), run i trains on rank i mod N as a one-process run with the rank's \
        threads; rank 0 writes the report when all have finished (OUT on a filesystem every rank sees).

        Example: pix2pix ablate --generators unet_64,encoder_decoder_64 --discriminators patchgan_70 \
        --data gray64.h5 --crop-size 64 --ngf 32 --ndf 32 --steps 1500 --seeds 1,2 --out runs/ablation-generator
        """
    )

    @Option(help: "Generator presets, comma-separated (repeatable).", transform: ArgumentList.names) var generators: [[String]]
    @Option(help: "Discriminator presets, comma-separated (repeatable; default: patchgan_70).", transform: ArgumentList.names)
    var discriminators: [[String]] = []
    @Option(help: "Objectives, comma-separated (repeatable; l1, gan, cgan, l1+gan, l1+cgan; default: l1+cgan).",
            transform: ArgumentList.values) var objectives: [[Objective]] = []
    @Option(help: "Seeds, comma-separated (repeatable; default: 1).", transform: ArgumentList.seeds) var seeds: [[UInt64]] = []
    @Option(help: ArgumentHelp("Training data (its val split is the test set).", valueName: "path")) var data: String
    @Option(name: .customLong("val-data"), help: ArgumentHelp("Validation data instead of the val split.", valueName: "path"))
    var valData: String?
    @Option(help: Bounds.steps.help("Optimizer steps per run.")) var steps: Int
    @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String
    @Option(help: "Report title.") var title: String?

    @OptionGroup(title: "Networks (every variant)") var architecture: ArchitectureOptions
    @OptionGroup(title: "Loss, optimiser and data (every variant; the learning rate stays constant)") var optimization: OptimizationOptions
    @OptionGroup(title: "Execution") var precision: PrecisionOption
    @OptionGroup(title: "Execution") var threads: ThreadsOption
    @OptionGroup(title: "Execution") var progress: ProgressOption

    func validate() throws {
        try Bounds.steps.check(steps, "--steps")
        if architecture.generator != nil || architecture.discriminator != nil {
            throw ValidationError("ablate trains every --generators × --discriminators combination; name the networks there, not with --generator / --discriminator")
        }
    }

    func plan() -> AblationPlan {
        let generatorList = generators.flatMap { $0 }
        let discriminatorList = discriminators.isEmpty ? ["patchgan_70"] : discriminators.flatMap { $0 }
        var base = TrainingOptions()
        architecture.apply(to: &base)
        optimization.apply(to: &base)
        base.precision = precision.precision ?? .fp32  // availability: TrainingOptions.validate, before each run
        base.sampleEvery = 0
        return AblationPlan(title: title ?? "Ablation: \(generatorList.joined(separator: " vs ")) × \(discriminatorList.joined(separator: ", "))",
                            generators: generatorList, discriminators: discriminatorList,
                            objectives: objectives.isEmpty ? [.l1Cgan] : objectives.flatMap { $0 },
                            seeds: seeds.isEmpty ? [1] : seeds.flatMap { $0 }, steps: steps, data: data, validationData: valData, base: base)
    }

    func run() throws {
        // Under mpirun / srun the runs are spread over the ranks; the stop signals are received by a
        // thread of their own, set up before MPI starts its threads.
        _ = InterruptFlag.install(ownThread: MPIRuntime.isLaunched())
        let world = try DistributedLaunch.start(threads: threads)
        try DistributedLaunch.run(world) {
            threads.apply()
            LoggingSetup.bootstrap(quiet: true)
            let runner = try AblationRunner(plan: plan(), directory: URL(fileURLWithPath: out))
            try AblationCLI.run(runner, plain: progress.plain, world: world)
        }
    }
}
