import Base
import Checkpoint
import Foundation
import Imaging
import Logging
import NN

/// An ablation: every generator × discriminator × objective, trained with each seed on the same
/// data, crops and step budget, then evaluated on the same validation pairs.
public struct AblationPlan: Codable, Sendable, Equatable {
    public var title: String
    public var generators: [String]
    public var discriminators: [String]
    public var objectives: [Objective]
    public var seeds: [UInt64]
    /// The step budget of every run.
    public var steps: Int
    /// Training data (HDF5 file or aligned folder); its "val" split (or `validationData`) is the test set.
    public var data: String
    public var validationData: String?
    /// Everything else (sizes, widths, learning rate, …); generator, discriminator, objective, seed
    /// and steps are set per run.
    public var base: TrainingOptions
    /// Training pairs also evaluated (without jitter) to show memorisation next to generalisation.
    public var trainEvaluationPairs: Int

    public init(title: String = "Ablation", generators: [String], discriminators: [String], objectives: [Objective] = [.l1Cgan],
                seeds: [UInt64] = [1], steps: Int, data: String, validationData: String? = nil,
                base: TrainingOptions = TrainingOptions(), trainEvaluationPairs: Int = 16) {
        self.title = title
        self.generators = generators
        self.discriminators = discriminators
        self.objectives = objectives
        self.seeds = seeds
        self.steps = steps
        self.data = data
        self.validationData = validationData
        self.base = base
        self.trainEvaluationPairs = trainEvaluationPairs
    }

    /// The combinations, in table order (generators outermost).
    public var variants: [AblationVariant] {
        generators.flatMap { g in
            discriminators.flatMap { d in objectives.map { AblationVariant(generator: g, discriminator: d, objective: $0) } }
        }
    }

    public func validate() throws {
        func bad(_ option: String, _ message: String) -> TrainingError { .invalidOption(option: option, message: message) }
        if generators.isEmpty { throw bad("--generators", "name at least one generator") }
        if discriminators.isEmpty { throw bad("--discriminators", "name at least one discriminator") }
        if objectives.isEmpty { throw bad("--objectives", "name at least one objective") }
        if seeds.isEmpty { throw bad("--seeds", "name at least one seed") }
        if Set(seeds).count != seeds.count { throw bad("--seeds", "seeds repeat: \(seeds)") }
        if steps < 1 { throw bad("--steps", "must be ≥ 1, got \(steps)") }
        for (option, list) in [("--generators", generators), ("--discriminators", discriminators)] where Set(list).count != list.count {
            throw bad(option, "names repeat: \(list.joined(separator: ","))")
        }
    }

    /// The trainer options of one run.
    public func options(for variant: AblationVariant, seed: UInt64) -> TrainingOptions {
        var o = base
        o.generator = variant.generator
        o.discriminator = variant.discriminator
        o.objective = variant.objective
        o.seed = seed
        o.steps = steps
        // Enough epochs that the budget, not the schedule, ends every run; the rate stays constant.
        o.epochs = max(o.epochs, steps)
        o.epochsDecay = 0
        o.checkpointEvery = min(o.checkpointEvery, max(1, steps / 4))
        return o
    }
}

/// One G × D × objective combination.
public struct AblationVariant: Codable, Sendable, Hashable, CustomStringConvertible {
    public var generator: String
    public var discriminator: String
    public var objective: Objective

    public init(generator: String, discriminator: String, objective: Objective) {
        self.generator = generator
        self.discriminator = discriminator
        self.objective = objective
    }

    /// A directory-safe id: `unet_64__patchgan_70__l1+cgan` → `unet_64__patchgan_70__l1_cgan`.
    public var id: String {
        "\(generator)__\(discriminator)__\(objective.rawValue.replacingOccurrences(of: "+", with: "_"))"
    }

    /// A short label for tables and charts; an objective-only ablation shows just the objective.
    public func label(in plan: AblationPlan) -> String {
        var parts: [String] = []
        if plan.generators.count > 1 || (plan.discriminators.count == 1 && plan.objectives.count == 1) { parts.append(generator) }
        if plan.discriminators.count > 1 { parts.append(discriminator) }
        if plan.objectives.count > 1 { parts.append(objective.rawValue) }
        return parts.joined(separator: " + ")
    }

    public var description: String { "\(generator) + \(discriminator) (\(objective.rawValue))" }
}

/// The outcome of one run (one variant, one seed).
public struct AblationRunResult: Codable, Sendable, Equatable {
    public var variant: AblationVariant
    public var seed: UInt64
    public var steps: Int
    public var generatorParameters: Int
    public var discriminatorParameters: Int
    /// Training time (seconds of optimisation steps, across resumes).
    public var trainingSeconds: Double
    public var secondsPerStep: Double
    /// On the validation pairs, eval mode.
    public var validation: EvaluationResult
    /// On the first training pairs (no jitter), eval mode.
    public var training: EvaluationResult?
    /// The last logged losses, smoothed (EMA) over the run's log.
    public var finalLosses: StepLosses
}

/// Mean ± standard deviation over seeds for one variant.
public struct AblationSummary: Codable, Sendable, Equatable {
    public var variant: AblationVariant
    public var label: String
    public var seeds: Int
    public var generatorParameters: Int
    public var discriminatorParameters: Int
    public var l1: MeanSD
    public var psnr: MeanSD
    public var ssim: MeanSD
    public var trainL1: MeanSD?
    public var secondsPerStep: MeanSD
    public var trainingSeconds: MeanSD

    public struct MeanSD: Codable, Sendable, Equatable {
        public var mean: Double
        public var sd: Double
        init(_ values: [Double]) {
            let finite = values.filter(\.isFinite)
            let m = finite.isEmpty ? Double.nan : finite.reduce(0, +) / Double(finite.count)
            mean = m
            sd = finite.count > 1 ? (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finite.count - 1)).squareRoot() : 0
        }
    }
}

/// Everything an ablation produced.
public struct AblationResults: Codable, Sendable {
    public var plan: AblationPlan
    public var runs: [AblationRunResult]
    public var summaries: [AblationSummary]
    public var framework: String
}

/// Runs an ``AblationPlan`` into a directory: `runs/<variant>__seed<k>/` per run (ordinary trainer
/// run directories), then the report (`report.md`, `results.csv`, `results.json`, SVG charts,
/// `samples.png` and a self-contained `report.html`).
///
/// Rerunning skips finished runs (they hold `ablation_result.json`) and resumes interrupted ones
/// from their `latest.pzck`.
public final class AblationRunner {
    public let plan: AblationPlan
    public let directory: URL
    public var logger: Logger
    /// Progress lines ("[3/8] unet_64 + patchgan_70 seed 2: …") and per-step trainer progress.
    public var onMessage: ((String) -> Void)?
    public var onProgress: ((AblationVariant, UInt64, TrainingProgress) -> Void)?
    /// Polled between runs and at every trainer safe point (``Trainer/shouldStop``): stop after
    /// saving the current run's checkpoint.
    public var shouldStop: () -> Bool = { false }
    /// Set after `run()` when `shouldStop` ended it early.
    public private(set) var interrupted = false

    public init(plan: AblationPlan, directory: URL, logger: Logger = Logger(label: "pix2pix.ablate")) throws {
        try plan.validate()
        self.plan = plan
        self.directory = directory
        self.logger = logger
    }

    public var planFile: URL { directory.appendingPathComponent("plan.json") }
    public func runDirectory(_ variant: AblationVariant, seed: UInt64) -> RunDirectory {
        RunDirectory(directory.appendingPathComponent("runs").appendingPathComponent("\(variant.id)__seed\(seed)"))
    }
    func resultFile(_ run: RunDirectory) -> URL { run.url.appendingPathComponent("ablation_result.json") }

    /// Checks every combination against the data before any training starts (channels, sizes).
    public func checkCombinations() throws {
        let dataset: any PairedDataset
        do { dataset = try openPairedDataset(path: plan.data, split: "train", direction: plan.base.direction) } catch {
            throw TrainingError.io(path: plan.data, message: "cannot open the training data: \(error)")
        }
        guard dataset.count > 0 else { throw TrainingError.emptyDataset(path: plan.data, split: "train") }
        var problems: [String] = []
        for variant in plan.variants {
            let o = plan.options(for: variant, seed: plan.seeds[0])
            do {
                try o.validate()
                let model = try o.makeModel(channelsA: dataset.channelsA, channelsB: dataset.channelsB)
                try Trainer.checkSizes(model, cropSize: o.cropSize, batch: o.batchSize)
            } catch {
                problems.append("\(variant): \(error)")
            }
        }
        if !problems.isEmpty {
            throw TrainingError.incompatible(message: "\(problems.count) combination(s) cannot run on \(plan.data):\n  " + problems.joined(separator: "\n  "),
                                             hint: "drop them, or change --crop-size (imagegan_286 needs ≥ 128²)")
        }
    }

    /// Trains what is missing, then writes the report. Returns every run's result.
    @discardableResult
    public func run() throws -> AblationResults {
        try checkCombinations()
        try FileError.makeDirectories(directory.path, what: "ablation folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = FileManager.default.contents(atPath: planFile.path),
           let previous = try? JSONDecoder().decode(AblationPlan.self, from: data), previous.steps != plan.steps || previous.base != plan.base || previous.data != plan.data {
            throw TrainingError.invalidOption(option: "--out", message: "\(directory.path) holds an ablation with other data, budget or options; choose another --out (or delete it)")
        }
        try AtomicFile.write([UInt8](try encoder.encode(plan)), to: planFile)

        var results: [AblationRunResult] = []
        let jobs = plan.variants.flatMap { v in plan.seeds.map { (v, $0) } }
        for (index, (variant, seed)) in jobs.enumerated() {
            let run = runDirectory(variant, seed: seed)
            let prefix = "[\(index + 1)/\(jobs.count)] \(variant.label(in: plan)) seed \(seed)"
            if let data = FileManager.default.contents(atPath: resultFile(run).path),
               let done = try? JSONDecoder().decode(AblationRunResult.self, from: data) {
                onMessage?("\(prefix): done earlier — \(done.validation.summary)")
                results.append(done)
                continue
            }
            let config = TrainingRunConfig(options: plan.options(for: variant, seed: seed), data: plan.data,
                                           validationData: plan.validationData,
                                           command: "pix2pix ablate (\(directory.lastPathComponent))")
            if shouldStop() {  // a safe point between runs: nothing of this run is written yet
                interrupted = true
                onMessage?("\(prefix): not started (interrupted); rerun the same command to continue")
                return AblationResults(plan: plan, runs: results, summaries: [], framework: Pix2PixZooVersion.string)
            }
            let mode: Trainer.Mode = FileManager.default.fileExists(atPath: run.latest.path) ? .resume : (run.holdsRun ? .overwrite : .new)
            onMessage?("\(prefix): \(mode == .resume ? "resuming" : "training") \(plan.steps) steps")
            let trainer = try Trainer(config: mode == .resume ? try run.readConfig() : config, runDirectory: run, mode: mode, logger: logger)
            trainer.shouldStop = shouldStop
            trainer.onProgress = { [weak self] p in self?.onProgress?(variant, seed, p) }
            switch try trainer.train() {
            case .interrupted:
                interrupted = true
                onMessage?("\(prefix): interrupted at step \(trainer.step); rerun the same command to resume")
                return AblationResults(plan: plan, runs: results, summaries: [], framework: Pix2PixZooVersion.string)
            case let .finished(steps, metrics):
                guard let validation = metrics else {
                    throw TrainingError.invalidOption(option: "--data", message: "\(plan.data) has no val split; an ablation needs validation pairs (or --val-data)")
                }
                let training = try evaluateTraining(trainer)
                let log = try run.readLog()
                let result = AblationRunResult(
                    variant: variant, seed: seed, steps: steps,
                    generatorParameters: trainer.model.generator.parameterCount,
                    discriminatorParameters: variant.objective.usesGAN ? trainer.model.discriminator.parameterCount : 0,
                    trainingSeconds: log.last?.seconds ?? 0, secondsPerStep: (log.last?.seconds ?? 0) / Double(max(1, steps)),
                    validation: validation, training: training, finalLosses: Self.smoothedLast(log))
                try AtomicFile.write([UInt8](try encoder.encode(result)), to: resultFile(run))
                onMessage?("\(prefix): \(validation.summary)")
                results.append(result)
            }
        }
        let summaries = summarise(results)
        let all = AblationResults(plan: plan, runs: results, summaries: summaries, framework: Pix2PixZooVersion.string)
        try AblationReport(results: all, runner: self).write()
        return all
    }

    func evaluateTraining(_ trainer: Trainer) throws -> EvaluationResult? {
        guard plan.trainEvaluationPairs > 0 else { return nil }
        let set = trainer.loader.dataset
        let prefix = PrefixDataset(base: set, count: min(plan.trainEvaluationPairs, set.count))
        let io = trainer.model.generator.channels
        defer { trainer.model.generator.train() }
        return try Evaluator.evaluate(generator: trainer.model.generator, dataset: prefix, size: trainer.options.cropSize,
                                      channelsA: io.inputChannels, channelsB: io.outputChannels, mode: .eval,
                                      precision: trainer.options.precision)
    }

    static func smoothedLast(_ log: [TrainingLogRecord]) -> StepLosses {
        guard var s = log.first?.losses else { return StepLosses() }
        for r in log.dropFirst() { s.smooth(toward: r.losses) }
        return s
    }

    func summarise(_ results: [AblationRunResult]) -> [AblationSummary] {
        plan.variants.compactMap { variant in
            let runs = results.filter { $0.variant == variant }
            guard let first = runs.first else { return nil }
            return AblationSummary(
                variant: variant, label: variant.label(in: plan), seeds: runs.count,
                generatorParameters: first.generatorParameters, discriminatorParameters: first.discriminatorParameters,
                l1: .init(runs.map(\.validation.l1)), psnr: .init(runs.map(\.validation.psnr)), ssim: .init(runs.map(\.validation.ssim)),
                trainL1: runs.allSatisfy { $0.training != nil } ? .init(runs.compactMap { $0.training?.l1 }) : nil,
                secondsPerStep: .init(runs.map(\.secondsPerStep)), trainingSeconds: .init(runs.map(\.trainingSeconds)))
        }
    }
}

/// The first `count` pairs of a dataset.
final class PrefixDataset: PairedDataset, @unchecked Sendable {
    let base: any PairedDataset
    let count: Int
    init(base: any PairedDataset, count: Int) {
        self.base = base
        self.count = count
    }
    var name: String { "\(base.name) (first \(count))" }
    var width: Int { base.width }
    var height: Int { base.height }
    var channelsA: Int { base.channelsA }
    var channelsB: Int { base.channelsB }
    func pair(at index: Int) throws -> (a: Image, b: Image) { try base.pair(at: index) }
}
