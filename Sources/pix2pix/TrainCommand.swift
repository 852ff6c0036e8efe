import ArgumentParser
import Base
import Distributed
import Foundation
import Logging
import Pix2Pix

/// `pix2pix train`: the shared trainer for every registered G × D combination.
struct TrainCommand: ParsableCommand {
    private typealias F = RunDirectory.FileName

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a pix2pix model (any registered generator × discriminator) into a run directory.",
        discussion: """
        Defaults are the PyTorch reference's: unet_256 + patchgan_70, batch 1, Adam lr 2e-4 β1 0.5, λ_L1 100, \
        vanilla GAN loss, 100 + 100 epochs (constant, then linear decay to zero), load 286 / crop 256, flips. \
        --preset paper names these optimisation settings; --preset seed-keras is the seed Keras code's (batch 5, \
        Adam lr 1e-3 β1 0.9, λ_L1 10 on the channel-summed L1, constant rate); flags given with a preset override it.

        The run directory receives \(F.config), \(F.latest) (every --checkpoint-every steps, and at each \
        epoch end with --epoch-snapshots), \(F.log), \(F.samples)/, \(F.lossChart) and, with validation data, \(F.metrics). Ctrl-C \
        (or SIGTERM) finishes the current step and its writes, saves \(F.latest) and exits with status 130 \
        (143 for SIGTERM); another Ctrl-C does not abort a save (kill -9 does, leaving the previous \
        checkpoint intact). `pix2pix train --resume DIR` continues exactly where it stopped, with the \
        thread count the run recorded; only \(TrainingOptions.optionsChangeableOnResume.joined(separator: ", ")) \
        may change then.

        --precision bf16 runs the convolutions of every step, sample and evaluation in bfloat16 (fp32 \
        accumulation; weights, norms, losses and Adam stay fp32); \(F.config) records it.

        Data-parallel: `mpirun -np N pix2pix train …` (or srun) trains one model on N ranks, each taking \
        --batch-size pairs of every step (N ranks × batch b see the pairs of one process with batch N·b) \
        and averaging gradients over all of them; --sync-batchnorm shares batch-norm statistics across \
        ranks. Rank 0 alone writes the run directory. Each rank computes with the threads of its CPU set \
        unless --threads is given. To stop such a run with a checkpoint, send SIGUSR1 to mpirun (it forwards \
        it to every rank; Ctrl-C makes mpirun kill the ranks a second later). See the "Distributed training" article.
        """
    )

    @Option(help: ArgumentHelp("Training data: an HDF5 file or an aligned A|B folder.", valueName: "path")) var data: String?
    @Option(help: "Split of --data to train on.") var split: String = "train"
    @Option(name: .customLong("val-data"), help: ArgumentHelp("Validation data (default: the val split of --data).", valueName: "path"))
    var valData: String?
    @Option(help: ArgumentHelp("The run directory.", valueName: "dir")) var out: String?
    @Option(help: ArgumentHelp("Continue the run in this directory from its \(RunDirectory.FileName.latest).", valueName: "dir"))
    var resume: String?
    @Flag(help: "Replace the outputs of an existing run in --out.") var overwrite = false

    @OptionGroup(title: "Networks") var architecture: ArchitectureOptions
    @OptionGroup(title: "Loss, optimiser and data") var optimization: OptimizationOptions
    @OptionGroup(title: "Schedule") var schedule: ScheduleOptions
    @OptionGroup(title: "Checkpoints, samples and logs") var runControl: RunControlOptions
    @OptionGroup(title: "Execution") var precision: PrecisionOption
    @OptionGroup(title: "Execution") var threads: ThreadsOption
    @OptionGroup(title: "Execution") var progress: ProgressOption
    @OptionGroup(title: "Data-parallel training (under mpirun or srun)") var distributed: DistributedOptions
    @Flag(help: "Only warnings and errors.") var quiet = false

    func validate() throws {
        if resume == nil && (data == nil || out == nil) {
            throw ValidationError("give --data and --out for a new run, or --resume DIR to continue one")
        }
        if resume != nil && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
    }

    /// The options from the command line on top of `base` (the defaults, or a resumed run's config,
    /// whose recorded values a `--preset` does not replace).
    func options(base: TrainingOptions, resuming: Bool = false) -> TrainingOptions {
        var o = base
        architecture.apply(to: &o)
        optimization.apply(to: &o, preset: !resuming)
        schedule.apply(to: &o)
        runControl.apply(to: &o)
        if let precision = precision.precision { o.precision = precision }  // availability: TrainingOptions.validate
        if let threads = threads.threads { o.threads = threads }
        distributed.apply(to: &o)
        return o
    }

    func run() throws {
        // First: a Ctrl-C from here on is a request to stop at the next safe point. Under mpirun /
        // srun the signals are received by a thread of their own, set up before MPI starts its threads.
        let interrupt = InterruptFlag.install(ownThread: MPIRuntime.isLaunched())
        let world = try DistributedLaunch.start(threads: threads)
        try DistributedLaunch.run(world) { try train(world: world, interrupt: interrupt) }
    }

    private func train(world: any Communicator, interrupt: InterruptFlag) throws {
        threads.apply()
        // Ranks other than 0 print only warnings and errors.
        let quiet = self.quiet || !world.isWriter
        LoggingSetup.bootstrap(quiet: quiet)
        let logger = Logger(label: "pix2pix.train")
        let trainer: Trainer
        if let resume {
            let dir = RunDirectory(path: resume)
            var config = try Self.readConfig(dir, world: world)
            if let preset = optimization.preset, preset != config.options.preset {
                throw TrainingError.invalidOption(
                    option: "--preset",
                    message: "\(resume) started with \(config.options.preset.map { "--preset \($0.rawValue)" } ?? "no preset"), and a resume keeps the settings recorded in \(dir.config.path); drop --preset")
            }
            config.options = try config.options.resumed(with: options(base: config.options, resuming: true), configPath: dir.config.path)
            trainer = try Trainer(config: config, runDirectory: dir, mode: .resume, logger: logger, communicator: world)
        } else {
            let config = TrainingRunConfig(options: options(base: TrainingOptions()), data: data!, split: split,
                                           validationData: valData, command: CommandLine.arguments.joined(separator: " "))
            trainer = try Trainer(config: config, runDirectory: RunDirectory(path: out!), mode: overwrite ? .overwrite : .new,
                                  logger: logger, communicator: world)
        }
        let o = trainer.options
        let a = trainer.model.architecture
        if !quiet {
            let batch = world.isDistributed
                ? "\(world.size) ranks × batch \(o.batchSize)\(o.syncBatchNorm ? " (synchronised batch norm)" : "")\(o.allReducePrecision == .fp32 ? "" : ", \(o.allReducePrecision.rawValue) all-reduce"), \(o.threads.map { "\($0)" } ?? "\(Threads.count)") threads per rank"
                : "batch \(o.batchSize), \(o.threads.map { "\($0) threads" } ?? "\(Threads.count) threads")"
            print("training \(a.generator.name) (\(Format.grouped(a.generator.parameters)) params) + \(a.discriminator?.name ?? "-") (\(Format.grouped(a.discriminator?.parameters ?? 0)) params), objective \(o.objective.rawValue), \(o.cropSize)², \(o.precision.rawValue), \(batch), \(trainer.loader.dataset.count) pairs; \(trainer.totalSteps) steps → \(trainer.run.url.path)")
            fflush(nil)
        }
        trainer.shouldStop = { interrupt.isSet }
        let bar = ProgressBar(enabled: !progress.plain && !quiet && isatty(STDERR_FILENO) == 1)
        if !quiet {
            trainer.onProgress = { p in
                let l = p.smoothed
                let text = "epoch \(p.epoch + 1)/\(p.totalEpochs) step \(p.step)/\(p.totalSteps) \(String(format: "%.2f", p.stepsPerSecond)) it/s ETA \(Format.duration(p.stepsPerSecond > 0 ? Double(p.totalSteps - p.step) / p.stepsPerSecond : 0)) G_GAN \(String(format: "%.3f", l.gGAN)) G_L1 \(String(format: "%.3f", l.gL1)) D_real \(String(format: "%.3f", l.dReal)) D_fake \(String(format: "%.3f", l.dFake))"
                bar.update(fraction: Double(p.step) / Double(max(1, p.totalSteps)), text: text)
            }
        }
        let outcome = try trainer.train()
        bar.finish()
        switch outcome {
        case let .finished(step, metrics):
            if !quiet {
                print("finished at step \(step); checkpoint \(trainer.run.latest.path)")
                if let m = metrics { print("validation (\(m.count) pairs, eval mode): \(m.summary)") }
            }
        case let .interrupted(step, checkpoint):
            if world.isWriter {
                let relaunch = world.isDistributed ? "mpirun -np \(world.size) " : ""
                FileHandle.standardError.write(Data("\ninterrupted at step \(step); saved \(checkpoint)\nresume with: \(relaunch)pix2pix train --resume \(trainer.run.url.path)\n".utf8))
            }
            throw ExitCode(try interrupt.exitCode(agreedOver: world))
        }
    }

    /// The run's config: read by rank 0 and sent to the other ranks, which need no access to the
    /// run directory.
    static func readConfig(_ dir: RunDirectory, world: any Communicator) throws -> TrainingRunConfig {
        guard world.isDistributed else { return try dir.readConfig() }
        var bytes: [UInt8] = []
        if world.isWriter { bytes = [UInt8](try JSONEncoder().encode(try dir.readConfig())) }
        return try JSONDecoder().decode(TrainingRunConfig.self, from: Data(try world.broadcast(bytes)))
    }
}
