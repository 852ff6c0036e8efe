import ArgumentParser
import Base
import Dispatch
import Foundation
import Imaging
import Logging
import NN
import Pix2Pix

/// `pix2pix train`: the shared trainer for every registered G × D combination.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a pix2pix model (any registered generator × discriminator) into a run directory.",
        discussion: """
        Defaults are the PyTorch reference's: unet_256 + patchgan_70, batch 1, Adam lr 2e-4 β1 0.5, λ_L1 100, \
        vanilla GAN loss, 100 + 100 epochs (constant, then linear decay to zero), load 286 / crop 256, flips.

        The run directory receives config.json, latest.pzck (every --checkpoint-every steps and at each \
        epoch end), log.jsonl, samples/, loss.svg and, with validation data, metrics.json. Ctrl-C finishes \
        the current step, saves latest.pzck and exits with status 130; `pix2pix train --resume DIR` \
        continues exactly where it stopped.
        """
    )

    enum DirectionChoice: String, ExpressibleByArgument, CaseIterable {
        case AtoB, BtoA
        var direction: PairDirection { self == .AtoB ? .aToB : .bToA }
    }

    @Option(help: "Generator preset (see `pix2pix models`).") var generator: String?
    @Option(help: "Discriminator preset.") var discriminator: String?
    @Option(help: ArgumentHelp("Training data: an HDF5 file or an aligned A|B folder.", valueName: "path")) var data: String?
    @Option(help: "Split of --data to train on.") var split: String = "train"
    @Option(name: .customLong("val-data"), help: ArgumentHelp("Validation data (default: the val split of --data).", valueName: "path"))
    var valData: String?
    @Option(help: ArgumentHelp("The run directory.", valueName: "dir")) var out: String?
    @Option(help: ArgumentHelp("Continue the run in this directory from its latest.pzck.", valueName: "dir")) var resume: String?
    @Flag(help: "Replace the outputs of an existing run in --out.") var overwrite = false

    @Option(name: .customLong("lambda-l1"), help: "Weight of the L1 term.") var lambdaL1: Float?
    @Option(name: .customLong("gan-mode"), help: "vanilla (BCE) or lsgan (MSE).") var ganMode: String?
    @Option(help: "l1, gan, cgan, l1+gan or l1+cgan (the paper's loss table).") var objective: String?
    @Option(help: "batch, instance or none.") var norm: String?
    @Option(help: "Generator filters in the last conv layer.") var ngf: Int?
    @Option(help: "Discriminator filters in the first conv layer.") var ndf: Int?
    @Flag(name: .customLong("no-dropout"), help: "No dropout in the generator.") var noDropout = false
    @Option(name: .customLong("g"), help: ArgumentHelp("Set a key of the generator's config, e.g. --g ngf=32 (repeatable; keys: `pix2pix models`).", valueName: "key=value"))
    var generatorOverrides: [ConfigAssignment] = []
    @Option(name: .customLong("d"), help: ArgumentHelp("Set a key of the discriminator's config, e.g. --d norm=instance (repeatable).", valueName: "key=value"))
    var discriminatorOverrides: [ConfigAssignment] = []
    @Option(name: .customLong("batch-size")) var batchSize: Int?
    @Option(help: "Epochs at the initial learning rate.") var epochs: Int?
    @Option(name: .customLong("epochs-decay"), help: "Epochs of linear decay to zero.") var epochsDecay: Int?
    @Option(name: .customLong("lr-policy"), help: "linear, step or cosine.") var lrPolicy: String?
    @Option(help: "Initial learning rate.") var lr: Float?
    @Option(help: "Adam β1.") var beta1: Float?
    @Option(name: .customLong("load-size"), help: "Resize to this before cropping.") var loadSize: Int?
    @Option(name: .customLong("crop-size"), help: "Random crop size (the network's input size).") var cropSize: Int?
    @Flag(name: .customLong("no-flip"), help: "No random horizontal flips.") var noFlip = false
    @Option(help: "AtoB or BtoA.") var direction: DirectionChoice?
    @Option(help: "Seed for weights, data order, crops and dropout.") var seed: UInt64?
    @Option(help: "Worker threads (default: all cores; fixed thread count makes runs reproducible).") var threads: Int?
    @Option(help: "Stop after this many optimizer steps (a budget for ablations).") var steps: Int?
    @Option(name: .customLong("checkpoint-every")) var checkpointEvery: Int?
    @Option(name: .customLong("sample-every")) var sampleEvery: Int?
    @Option(name: .customLong("log-every")) var logEvery: Int?
    @Flag(name: .customLong("epoch-snapshots"), help: "Keep epoch_<n>.pzck at every epoch end.") var epochSnapshots = false
    @Flag(help: "Plain log lines instead of a progress bar.") var plain = false
    @Flag(help: "Only warnings and errors.") var quiet = false

    func validate() throws {
        if resume == nil && (data == nil || out == nil) {
            throw ValidationError("give --data and --out for a new run, or --resume DIR to continue one")
        }
        if resume != nil && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
    }

    /// The options from the command line on top of `base` (the defaults, or a resumed run's config).
    func options(base: TrainingOptions) throws -> TrainingOptions {
        var o = base
        if let generator { o.generator = generator }
        if let discriminator { o.discriminator = discriminator }
        if let lambdaL1 { o.lambdaL1 = lambdaL1 }
        if let ganMode {
            guard let m = GANMode(rawValue: ganMode) else { throw TrainingError.invalidOption(option: "--gan-mode", message: "\"\(ganMode)\" is not one of vanilla, lsgan") }
            o.ganMode = m
        }
        if let objective {
            guard let m = Objective(rawValue: objective) else {
                throw TrainingError.invalidOption(option: "--objective", message: "\"\(objective)\" is not one of \(Objective.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            o.objective = m
        }
        let normKind = try norm.map { norm in
            guard let n = NormKind(rawValue: norm) else {
                throw TrainingError.invalidOption(option: "--norm", message: "\"\(norm)\" is not one of \(NormKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return n
        }
        o.applyArchitectureFlags(ngf: ngf, ndf: ndf, norm: normKind, dropout: noDropout ? false : nil)
        o.generatorOverrides.apply(generatorOverrides)
        o.discriminatorOverrides.apply(discriminatorOverrides)
        if let batchSize { o.batchSize = batchSize }
        if let epochs { o.epochs = epochs }
        if let epochsDecay { o.epochsDecay = epochsDecay }
        if let lrPolicy {
            guard let p = LRPolicy(rawValue: lrPolicy) else { throw TrainingError.invalidOption(option: "--lr-policy", message: "\"\(lrPolicy)\" is not one of linear, step, cosine") }
            o.lrPolicy = p
        }
        if let lr { o.learningRate = lr }
        if let beta1 { o.beta1 = beta1 }
        if let loadSize { o.loadSize = loadSize }
        if let cropSize {
            o.cropSize = cropSize
            if loadSize == nil && base.loadSize == TrainingOptions().loadSize { o.loadSize = max(cropSize, cropSize * 286 / 256) }
        }
        if noFlip { o.flip = false }
        if let direction { o.direction = direction.direction }
        if let seed { o.seed = seed }
        if let steps { o.steps = steps }
        if let checkpointEvery { o.checkpointEvery = checkpointEvery }
        if let sampleEvery { o.sampleEvery = sampleEvery }
        if let logEvery { o.logEvery = logEvery }
        if epochSnapshots { o.epochSnapshots = true }
        return o
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        LoggingSetup.bootstrap(quiet: quiet)
        let logger = Logger(label: "pix2pix.train")
        let trainer: Trainer
        if let resume {
            let dir = RunDirectory(path: resume)
            var config = try dir.readConfig()
            // Only the budget may change on resume; anything else would break the run's continuity.
            let changed = try options(base: config.options)
            var allowed = config.options
            allowed.steps = changed.steps
            allowed.checkpointEvery = changed.checkpointEvery
            allowed.sampleEvery = changed.sampleEvery
            allowed.logEvery = changed.logEvery
            if changed != allowed {
                throw TrainingError.invalidOption(option: "--resume", message: "only --steps, --checkpoint-every, --sample-every and --log-every may change when resuming; the run's other options are in \(dir.config.path)")
            }
            config.options = allowed
            trainer = try Trainer(config: config, runDirectory: dir, mode: .resume, logger: logger)
        } else {
            let config = TrainingRunConfig(options: try options(base: TrainingOptions()), data: data!, split: split,
                                           validationData: valData, command: CommandLine.arguments.joined(separator: " "))
            trainer = try Trainer(config: config, runDirectory: RunDirectory(path: out!), mode: overwrite ? .overwrite : .new,
                                  logger: logger)
        }
        let o = trainer.options
        let a = trainer.model.architecture
        if !quiet {
            print("training \(a.generator.name) (\(a.generator.parameters.formatted) params) + \(a.discriminator?.name ?? "-") (\(a.discriminator?.parameters.formatted ?? "0") params), objective \(o.objective.rawValue), \(o.cropSize)², batch \(o.batchSize), \(trainer.loader.dataset.count) pairs; \(trainer.totalSteps) steps → \(trainer.run.url.path)")
            fflush(nil)
        }
        let interrupt = InterruptFlag.install()
        trainer.shouldStop = { interrupt.isSet }
        let bar = ProgressBar(enabled: !plain && !quiet && isatty(STDERR_FILENO) == 1)
        if !quiet {
            trainer.onProgress = { p in
                let l = p.smoothed
                let text = "epoch \(p.epoch + 1)/\(p.totalEpochs) step \(p.step)/\(p.totalSteps) \(String(format: "%.2f", p.stepsPerSecond)) it/s ETA \(ProgressBar.duration(p.stepsPerSecond > 0 ? Double(p.totalSteps - p.step) / p.stepsPerSecond : 0)) G_GAN \(String(format: "%.3f", l.gGAN)) G_L1 \(String(format: "%.3f", l.gL1)) D_real \(String(format: "%.3f", l.dReal)) D_fake \(String(format: "%.3f", l.dFake))"
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
            FileHandle.standardError.write(Data("\ninterrupted at step \(step); saved \(checkpoint)\nresume with: pix2pix train --resume \(trainer.run.url.path)\n".utf8))
            throw ExitCode(130)
        }
    }
}

/// Set by SIGINT: the first Ctrl-C asks the trainer to stop after the current step, a second one exits at once.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.withLock { set } }

    /// The process's flag; the handler is installed on first use.
    static func install() -> InterruptFlag { shared }

    private static let shared: InterruptFlag = {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            let already = flag.lock.withLock { () -> Bool in
                defer { flag.set = true }
                return flag.set
            }
            if already { exit(130) }
            FileHandle.standardError.write(Data("\nstopping after this step (Ctrl-C again to abort without saving)…\n".utf8))
        }
        source.resume()
        flag.source = source
        return flag
    }()
}

/// A one-line progress bar on a terminal (stderr); plain lines otherwise.
final class ProgressBar {
    let enabled: Bool
    private var drew = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(fraction: Double, text: String) {
        if enabled {
            let width = 24, filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(String(format: "%3.0f%%", fraction * 100)) \(text)".utf8))
            drew = true
        } else {
            print(text)
            fflush(nil)
        }
    }

    func finish() {
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
        drew = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}

/// swift-log to stderr, once per process.
enum LoggingSetup {
    nonisolated(unsafe) private static var done = false
    static func bootstrap(quiet: Bool) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = quiet ? .warning : .info
            return handler
        }
    }
}

extension Int {
    var formatted: String {
        let s = String(self)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
