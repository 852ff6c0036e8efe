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
    /// Training pairs also evaluated (without jitter) to show memorisation next to generalisation:
    /// all of them when the set has at most this many, else a seeded random sample of this many
    /// spanning the whole set (``TrainingSample``); 0 skips the train metrics.
    public var trainEvaluationPairs: Int
    /// The training-batch L1 (on [0, 1], train mode) below which a run counts as converged; the
    /// first step that reaches it is reported (``Convergence``).
    public var convergenceL1: Double

    public init(title: String = "Ablation", generators: [String], discriminators: [String], objectives: [Objective] = [.l1Cgan],
                seeds: [UInt64] = [1], steps: Int, data: String, validationData: String? = nil,
                base: TrainingOptions = TrainingOptions(), trainEvaluationPairs: Int = 256, convergenceL1: Double = 0.02) {
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
        self.convergenceL1 = convergenceL1
    }

    enum CodingKeys: String, CodingKey {
        case title, generators, discriminators, objectives, seeds, steps, data, validationData, base, trainEvaluationPairs, convergenceL1
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decode(String.self, forKey: .title)
        generators = try c.decode([String].self, forKey: .generators)
        discriminators = try c.decode([String].self, forKey: .discriminators)
        objectives = try c.decode([Objective].self, forKey: .objectives)
        seeds = try c.decode([UInt64].self, forKey: .seeds)
        steps = try c.decode(Int.self, forKey: .steps)
        data = try c.decode(String.self, forKey: .data)
        validationData = try c.decodeIfPresent(String.self, forKey: .validationData)
        base = try c.decode(TrainingOptions.self, forKey: .base)
        trainEvaluationPairs = try c.decode(Int.self, forKey: .trainEvaluationPairs)
        convergenceL1 = try c.decodeIfPresent(Double.self, forKey: .convergenceL1) ?? 0.02
    }

    /// The train-metric sample of this plan (the same pairs for every variant and seed).
    public var trainingSample: TrainingSample { TrainingSample(limit: trainEvaluationPairs) }

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
    /// On the training pairs (no jitter), eval mode: all, or the plan's seeded sample (``TrainingSample``).
    public var training: EvaluationResult?
    /// The last logged losses, smoothed (EMA) over the run's log.
    public var finalLosses: StepLosses
    /// When the training-batch L1 first fell below the plan's threshold (nil for objectives without L1).
    public var convergence: Convergence?
}

/// The first step at which the training-batch L1 (the logged λ·L1 divided by λ and by 2, i.e. on
/// [0, 1]; train mode, dropout on) fell below `threshold`, and the training seconds until then.
/// `step` nil: not within the budget.
public struct Convergence: Codable, Sendable, Equatable {
    public var threshold: Double
    public var step: Int?
    public var seconds: Double?
    /// The lowest training-batch L1 seen, and the last one.
    public var lowestL1: Double
    public var finalL1: Double

    public init(threshold: Double, step: Int?, seconds: Double?, lowestL1: Double, finalL1: Double) {
        self.threshold = threshold
        self.step = step
        self.seconds = seconds
        self.lowestL1 = lowestL1
        self.finalL1 = finalL1
    }

    /// From a run's log; nil when the log is empty or λ is 0 (no L1 term logged).
    public static func from(log: [TrainingLogRecord], lambda: Float, threshold: Double) -> Convergence? {
        guard lambda > 0, let last = log.last else { return nil }
        func l1(_ r: TrainingLogRecord) -> Double { Double(r.losses.gL1) / Double(lambda) / 2 }
        let hit = log.first { l1($0) < threshold }
        return Convergence(threshold: threshold, step: hit?.step, seconds: hit?.seconds,
                           lowestL1: log.map(l1).min() ?? .nan, finalL1: l1(last))
    }
}

/// The baselines of an ablation (the same for every variant: they depend only on the data).
public struct AblationBaselines: Codable, Sendable, Equatable {
    /// On the validation pairs.
    public var validation: Baselines
    /// On the training pairs the train metrics use.
    public var training: Baselines?
    /// Which training pairs those are ("all 120 training pairs", or the sample).
    public var trainingPairs: String
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
    /// Steps and seconds until the training-batch L1 fell below the threshold, over the seeds that got there.
    public var convergedSteps: MeanSD?
    public var convergedSeconds: MeanSD?
    /// Seeds that converged within the budget.
    public var convergedSeeds: Int
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
    /// Identity and mean-colour baselines on the same pairs (nil in results written before they existed).
    public var baselines: AblationBaselines?
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
    /// Set after `run()` when `shouldStop` ended it early (on any rank of ``world``).
    public private(set) var interrupted = false
    /// The ranks of an MPI job (`mpirun -np N pix2pix ablate`): run i of the plan trains on rank
    /// i mod N as a one-process run with that rank's threads. Rank 0 alone writes `plan.json` and,
    /// once every rank has finished, the report, reading the other ranks' results from their run
    /// directories: `directory` must be on a filesystem every rank sees. Default: one process.
    public var world: any Communicator = SingleProcess()

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

    /// Trains what is missing, then writes the report. Returns every run's result (with several
    /// ranks: rank 0 every run's, the other ranks their own, without summaries).
    ///
    /// With several ranks this is collective: the ranks go through the runs in rounds (round k:
    /// run k·N + rank) and agree before each round whether any of them was asked to stop, so that
    /// all stop between runs together; a rank asked to stop during a run saves it first.
    @discardableResult
    public func run() throws -> AblationResults {
        try checkCombinations()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if world.isWriter {
            try FileError.makeDirectories(directory.path, what: "ablation folder")
            if let data = FileManager.default.contents(atPath: planFile.path),
               let previous = try? JSONDecoder().decode(AblationPlan.self, from: data), previous.steps != plan.steps || previous.base != plan.base || previous.data != plan.data {
                throw TrainingError.invalidOption(option: "--out", message: "\(directory.path) holds an ablation with other data, budget or options; choose another --out (or delete it)")
            }
            try AtomicFile.write([UInt8](try encoder.encode(plan)), to: planFile)
        }
        // The other ranks start once rank 0 has accepted the folder (a refusal there ends the job).
        try world.barrier()

        var mine: [Int: AblationRunResult] = [:]
        let jobs = plan.variants.flatMap { v in plan.seeds.map { (v, $0) } }
        func prefix(_ index: Int) -> String { "[\(index + 1)/\(jobs.count)] \(jobs[index].0.label(in: plan)) seed \(jobs[index].1)" }
        let rounds = (jobs.count + world.size - 1) / world.size
        for round in 0..<rounds {
            let slot = round * world.size + world.rank
            var pending: Int?
            var stop = interrupted
            if slot < jobs.count && !interrupted {
                let run = runDirectory(jobs[slot].0, seed: jobs[slot].1)
                if let done = Self.readResult(resultFile(run)) {
                    onMessage?("\(prefix(slot)): done earlier — \(done.validation.summary)")
                    mine[slot] = done
                } else {
                    pending = slot
                    stop = shouldStop()  // a safe point between runs: nothing of this run is written yet
                }
            }
            if try world.anyTrue(stop) {
                if !interrupted, let pending { onMessage?("\(prefix(pending)): not started (interrupted); rerun the same command to continue") }
                interrupted = true
                break
            }
            guard let index = pending else { continue }
            let (variant, seed) = jobs[index]
            let run = runDirectory(variant, seed: seed)
            let prefix = prefix(index)
            let config = TrainingRunConfig(options: plan.options(for: variant, seed: seed), data: plan.data,
                                           validationData: plan.validationData,
                                           command: "pix2pix ablate (\(directory.lastPathComponent))" + (world.isDistributed ? " on rank \(world.rank) of \(world.size)" : ""))
            let mode: Trainer.Mode = FileManager.default.fileExists(atPath: run.latest.path) ? .resume : (run.holdsRun ? .overwrite : .new)
            onMessage?("\(prefix): \(mode == .resume ? "resuming" : "training") \(plan.steps) steps")
            let trainer = try Trainer(config: mode == .resume ? try run.readConfig() : config, runDirectory: run, mode: mode, logger: logger)
            trainer.shouldStop = shouldStop
            trainer.onProgress = { [weak self] p in self?.onProgress?(variant, seed, p) }
            switch try trainer.train() {
            case .interrupted:
                interrupted = true  // the next round's agreement stops every rank
                onMessage?("\(prefix): interrupted at step \(trainer.step); rerun the same command to resume")
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
                    validation: validation, training: training, finalLosses: Self.smoothedLast(log),
                    convergence: variant.objective.usesL1 ? Convergence.from(log: log, lambda: trainer.options.lambdaL1, threshold: plan.convergenceL1) : nil)
                try AtomicFile.write([UInt8](try encoder.encode(result)), to: resultFile(run))
                onMessage?("\(prefix): \(validation.summary)")
                mine[index] = result
            }
        }
        // Every rank has finished or stopped its runs.
        interrupted = try world.anyTrue(interrupted)
        let own = mine.keys.sorted().map { mine[$0]! }
        guard !interrupted, world.isWriter else {
            return AblationResults(plan: plan, runs: own, summaries: [], framework: Pix2PixZooVersion.string, baselines: nil)
        }
        var results: [AblationRunResult] = []
        for (index, (variant, seed)) in jobs.enumerated() {
            if let result = mine[index] { results.append(result); continue }
            // Another rank's run: its result is in its run directory.
            let file = resultFile(runDirectory(variant, seed: seed))
            guard let result = Self.readResult(file) else {
                throw TrainingError.io(path: file.path, message: "rank \(index % world.size) finished this run, but its result is not readable on rank 0; "
                                       + "--out must be on a filesystem every rank sees (shared across hosts)")
            }
            onMessage?("\(prefix(index)): trained on rank \(index % world.size) — \(result.validation.summary)")
            results.append(result)
        }
        let summaries = summarise(results)
        let all = AblationResults(plan: plan, runs: results, summaries: summaries, framework: Pix2PixZooVersion.string,
                                  baselines: try measureBaselines())
        try AblationReport(results: all, runner: self).write()
        return all
    }

    static func readResult(_ file: URL) -> AblationRunResult? {
        FileManager.default.contents(atPath: file.path).flatMap { try? JSONDecoder().decode(AblationRunResult.self, from: $0) }
    }

    func evaluateTraining(_ trainer: Trainer) throws -> EvaluationResult? {
        guard plan.trainEvaluationPairs > 0 else { return nil }
        let sample = plan.trainingSample.subset(of: trainer.loader.dataset)
        let io = trainer.model.generator.channels
        defer { trainer.model.generator.train() }
        return try Evaluator.evaluate(generator: trainer.model.generator, dataset: sample, size: trainer.options.cropSize,
                                      channelsA: io.inputChannels, channelsB: io.outputChannels, mode: .eval,
                                      precision: trainer.options.precision)
    }

    /// Identity and mean-colour baselines on the validation pairs and on the train-metric pairs,
    /// with the output channels of the first variant's generator and the plan's crop size.
    public func measureBaselines() throws -> AblationBaselines {
        let direction = plan.base.direction
        let training = try openPairedDataset(path: plan.data, split: "train", direction: direction)
        let validation: any PairedDataset
        if let path = plan.validationData {
            validation = try openPairedDataset(path: path, split: "val", direction: direction)
        } else {
            validation = try openPairedDataset(path: plan.data, split: "val", direction: direction)
        }
        let variant = plan.variants[0]
        let model = try plan.options(for: variant, seed: plan.seeds[0]).makeModel(channelsA: training.channelsA, channelsB: training.channelsB)
        let channels = model.generator.channels.outputChannels
        let size = plan.base.cropSize
        let colour = try Baselines.meanColour(of: training, size: size, channels: channels)
        func both(_ set: any PairedDataset) throws -> Baselines {
            Baselines(identity: try Baselines.identity(on: set, size: size, channels: channels),
                      meanColour: try Baselines.meanColour(colour, on: set, size: size, channels: channels), colour: colour)
        }
        let sample = plan.trainingSample
        return AblationBaselines(validation: try both(validation),
                                 training: plan.trainEvaluationPairs > 0 ? try both(sample.subset(of: training)) : nil,
                                 trainingPairs: plan.trainEvaluationPairs > 0 ? sample.describe(count: training.count) : "none")
    }

    static func smoothedLast(_ log: [TrainingLogRecord]) -> StepLosses {
        guard var s = log.first?.losses else { return StepLosses() }
        for r in log.dropFirst() { s.smooth(toward: r.losses) }
        return s
    }

    static func converged(_ runs: [AblationRunResult], _ value: (Convergence) -> Double?) -> AblationSummary.MeanSD? {
        let values = runs.compactMap { $0.convergence.flatMap(value) }
        return values.isEmpty ? nil : .init(values)
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
                convergedSteps: Self.converged(runs) { $0.step.map(Double.init) },
                convergedSeconds: Self.converged(runs) { $0.seconds },
                convergedSeeds: runs.filter { $0.convergence?.step != nil }.count,
                secondsPerStep: .init(runs.map(\.secondsPerStep)), trainingSeconds: .init(runs.map(\.trainingSeconds)))
        }
    }
}
