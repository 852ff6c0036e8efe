import ArgumentParser
import Base
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

        Example: pix2pix ablate --generators unet_64,encoder_decoder_64 --discriminators patchgan_70 \
        --data gray64.h5 --crop-size 64 --ngf 32 --ndf 32 --steps 1500 --seeds 1,2 --out runs/ablation-generator
        """
    )

    @Option(help: "Comma-separated generator presets.") var generators: String
    @Option(help: "Comma-separated discriminator presets.") var discriminators: String = "patchgan_70"
    @Option(help: "Comma-separated objectives (l1, gan, cgan, l1+gan, l1+cgan).") var objectives: String = "l1+cgan"
    @Option(help: ArgumentHelp("Training data (its val split is the test set).", valueName: "path")) var data: String
    @Option(name: .customLong("val-data"), help: ArgumentHelp("Validation data instead of the val split.", valueName: "path"))
    var valData: String?
    @Option(help: "Optimizer steps per run.") var steps: Int
    @Option(help: "Comma-separated seeds.") var seeds: String = "1"
    @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String
    @Option(help: "Report title.") var title: String?
    @Option(help: "Generator width.") var ngf: Int?
    @Option(help: "Discriminator width.") var ndf: Int?
    @Option(name: .customLong("g"), help: ArgumentHelp("Set a key of every generator's config (repeatable; keys: `pix2pix models`).", valueName: "key=value"))
    var generatorOverrides: [ConfigAssignment] = []
    @Option(name: .customLong("d"), help: ArgumentHelp("Set a key of every discriminator's config (repeatable).", valueName: "key=value"))
    var discriminatorOverrides: [ConfigAssignment] = []
    @Option(name: .customLong("crop-size")) var cropSize: Int = 256
    @Option(name: .customLong("load-size"), help: "Default: crop size × 286/256.") var loadSize: Int?
    @Option(name: .customLong("batch-size")) var batchSize: Int = 1
    @Option(help: "Learning rate (constant over the budget).") var lr: Float = 2e-4
    @Option(name: .customLong("lambda-l1")) var lambdaL1: Float = 100
    @Flag(name: .customLong("no-flip")) var noFlip = false
    @Option(help: "Worker threads.") var threads: Int?
    @Flag(help: "Plain progress lines.") var plain = false

    func plan() throws -> AblationPlan {
        func list(_ text: String) -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let objectiveList = try list(objectives).map { name -> Objective in
            guard let o = Objective(rawValue: name) else {
                throw TrainingError.invalidOption(option: "--objectives", message: "\"\(name)\" is not one of \(Objective.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return o
        }
        let seedList = try list(seeds).map { text -> UInt64 in
            guard let s = UInt64(text) else { throw TrainingError.invalidOption(option: "--seeds", message: "\"\(text)\" is not a seed (a non-negative integer)") }
            return s
        }
        var base = TrainingOptions()
        base.applyArchitectureFlags(ngf: ngf, ndf: ndf)
        base.generatorOverrides.apply(generatorOverrides)
        base.discriminatorOverrides.apply(discriminatorOverrides)
        base.cropSize = cropSize
        base.loadSize = loadSize ?? max(cropSize, cropSize * 286 / 256)
        base.batchSize = batchSize
        base.learningRate = lr
        base.lambdaL1 = lambdaL1
        base.flip = !noFlip
        base.sampleEvery = 0
        return AblationPlan(title: title ?? "Ablation: \(list(generators).joined(separator: " vs ")) × \(list(discriminators).joined(separator: ", "))",
                            generators: list(generators), discriminators: list(discriminators), objectives: objectiveList,
                            seeds: seedList, steps: steps, data: data, validationData: valData, base: base)
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        LoggingSetup.bootstrap(quiet: true)
        let runner = try AblationRunner(plan: try plan(), directory: URL(fileURLWithPath: out))
        try AblationCLI.run(runner, plain: plain)
    }
}

/// `pix2pix experiment NAME`: the seed project's experiments, one command each.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run one of the seed project's experiments (data, training, report) in one command.",
        discussion: "Experiments:\n" + Experiment.catalog.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
            + "\n\nEach builds its data from the default photo set, runs an ablation per part under OUT/NAME/PART/ and writes report.html there. Rerunning resumes."
    )

    @Argument(help: "Experiment name (see below), or `list`.") var name: String
    @Option(help: ArgumentHelp("Output root.", valueName: "dir")) var out: String = "runs/experiments"
    @Option(name: .customLong("steps-scale"), help: "Multiply every step budget (e.g. 0.1 for a quick look).") var stepsScale: Double = 1
    @Option(help: "Only this part (e.g. gray).") var part: String?
    @Option(help: "Worker threads.") var threads: Int?
    @Flag(help: "Plain progress lines.") var plain = false

    func run() throws {
        if let threads { Threads.set(threads) }
        LoggingSetup.bootstrap(quiet: true)
        if name == "list" {
            for e in Experiment.catalog {
                print("\(e.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e.summary)")
                print(String(repeating: " ", count: 17) + e.question)
            }
            return
        }
        guard let experiment = Experiment.named(name) else {
            throw ValidationError("unknown experiment \"\(name)\"; known: \(Experiment.catalog.map(\.name).joined(separator: ", "))")
        }
        guard stepsScale > 0 else { throw ValidationError("--steps-scale must be > 0") }
        let parts = experiment.parts.filter { part == nil || $0.name == part }
        guard !parts.isEmpty else {
            throw ValidationError("experiment \(name) has no part \"\(part!)\"; parts: \(experiment.parts.map(\.name).joined(separator: ", "))")
        }
        var reports: [String] = []
        for p in parts {
            let root = URL(fileURLWithPath: out).appendingPathComponent(experiment.name).appendingPathComponent(p.name)
            let dataPath = root.appendingPathComponent("data.h5").path
            print("\(experiment.name) / \(p.name): building data (\(p.transform.name), \(p.size)²) → \(dataPath)")
            fflush(nil)
            try Experiment.buildData(for: p, at: dataPath)
            let runner = try AblationRunner(plan: experiment.plan(for: p, data: dataPath, stepsScale: stepsScale), directory: root)
            try AblationCLI.run(runner, plain: plain)
            if runner.interrupted { throw ExitCode(130) }
            reports.append(root.appendingPathComponent("report.html").path)
        }
        print("reports:\n" + reports.map { "  \($0)" }.joined(separator: "\n"))
    }
}

enum AblationCLI {
    @discardableResult
    static func run(_ runner: AblationRunner, plain: Bool) throws -> AblationResults {
        let interrupt = InterruptFlag.install()
        runner.shouldStop = { interrupt.isSet }
        let bar = ProgressBar(enabled: !plain && isatty(STDERR_FILENO) == 1)
        runner.onMessage = { line in
            bar.finish()
            print(line)
            fflush(nil)
        }
        runner.onProgress = { _, _, p in
            let text = "step \(p.step)/\(p.totalSteps) \(String(format: "%.1f", p.stepsPerSecond)) it/s ETA \(ProgressBar.duration(p.stepsPerSecond > 0 ? Double(p.totalSteps - p.step) / p.stepsPerSecond : 0)) G_L1 \(String(format: "%.2f", p.smoothed.gL1)) G_GAN \(String(format: "%.3f", p.smoothed.gGAN))"
            if bar.enabled || p.step % 250 == 0 || p.step == p.totalSteps {
                bar.update(fraction: Double(p.step) / Double(max(1, p.totalSteps)), text: text)
            }
        }
        let results = try runner.run()
        bar.finish()
        if runner.interrupted {
            FileHandle.standardError.write(Data("interrupted; rerun the same command to resume\n".utf8))
            throw ExitCode(130)
        }
        for s in results.summaries {
            print("  \(s.label.padding(toLength: 36, withPad: " ", startingAt: 0)) L1 \(String(format: "%.4f", s.l1.mean)) PSNR \(String(format: "%.2f", s.psnr.mean)) SSIM \(String(format: "%.4f", s.ssim.mean))")
        }
        print("report: \(runner.directory.appendingPathComponent("report.html").path)")
        return results
    }
}
