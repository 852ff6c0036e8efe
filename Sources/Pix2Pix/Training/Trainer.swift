import Base
import Checkpoint
import Foundation
import Imaging
import Logging
import NN
import Tensor

/// The shared trainer: every registered G × D combination, the reference's objective and defaults,
/// checkpoints that resume exactly, logs, sample grids, a loss chart and validation metrics.
///
/// ```swift
/// var options = TrainingOptions()
/// options.generator = "unet_64"; options.loadSize = 64; options.cropSize = 64
/// options.applyArchitectureFlags(ngf: 32, ndf: 32)   // or generatorOverrides["ngf"] = .int(32)
/// let trainer = try Trainer(config: TrainingRunConfig(options: options, data: "pairs.h5"),
///                           runDirectory: RunDirectory(path: "runs/demo"))
/// let outcome = try trainer.train()   // .finished or .interrupted
/// ```
///
/// ## Data-parallel training
/// With a ``communicator`` of N ranks (`mpirun -np N pix2pix train …`) every rank runs this trainer
/// on its share of each step's pairs (``PairLoaderShard``: together the pairs one process with
/// batch N·b would take). Rank 0's weights are broadcast at the start, the gradients are averaged
/// before every optimizer step (``GradientAllReduce``), the logged losses are the means over all
/// pairs of the step, and batch norm uses each rank's batch (default) or all of them
/// (``TrainingOptions/syncBatchNorm``). Rank 0 alone writes the run directory; on a resume it
/// reads the checkpoint and sends it to the others, so only rank 0 needs the run directory.
/// Every rank stops at the same step when any of them is asked to (``shouldStop``).
public final class Trainer {
    public let config: TrainingRunConfig
    public var options: TrainingOptions { config.options }
    public let run: RunDirectory
    public let model: Pix2PixModel
    public let stepper: Pix2PixStep
    public let loader: PairLoader
    public let validation: (any PairedDataset)?
    /// The ranks training together (``SingleProcess`` unless launched by `mpirun` / `srun`).
    public let communicator: any Communicator
    /// Averages gradients over the ranks; nil in a single process.
    public let gradientAllReduce: GradientAllReduce?
    public private(set) var step = 0
    public var epoch: Int { loader.epoch }
    private var seconds = 0.0
    public var logger: Logger
    /// Called every `logEvery` steps and at the end.
    public var onProgress: ((TrainingProgress) -> Void)?
    /// Polled at the loop's safe points: before the first step, and after every step once its
    /// checkpoint, samples and log line are written (never during a write). When it returns true
    /// the trainer saves `latest.pzck` and returns `.interrupted`. Set it to read a flag that a
    /// signal handler sets (the command line does); the trainer itself installs no handler.
    public var shouldStop: () -> Bool = { false }
    private var smoothed: StepLosses?
    private var recentStepTimes: [Double] = []

    public enum Mode: Sendable { case new, resume, overwrite }

    /// Prepares a run: checks options, data and networks against each other before anything is
    /// written; then creates (or, with `.resume`, reopens) the run directory.
    ///
    /// With a `communicator` of several ranks, every rank calls this initializer (it is
    /// collective): only rank 0 looks at and writes the run directory, and it broadcasts its
    /// weights (or, on a resume, the checkpoint it read) to the others.
    public init(config: TrainingRunConfig, runDirectory: RunDirectory, mode: Mode = .new,
                registry: Registry = .shared, logger: Logger = Logger(label: "pix2pix.train"),
                communicator: any Communicator = SingleProcess()) throws {
        self.logger = logger
        self.run = runDirectory
        self.communicator = communicator
        let writer = communicator.isWriter
        var config = config
        if mode == .resume {
            guard !writer || (runDirectory.holdsRun && FileManager.default.fileExists(atPath: runDirectory.latest.path)) else {
                throw TrainingError.notResumable(path: runDirectory.url.path, reason: "no \(RunDirectory.FileName.latest); start a run there first (without --resume)")
            }
        } else if writer && runDirectory.holdsRun && mode == .new {
            throw TrainingError.runExists(path: runDirectory.url.path)
        }
        // A new run records the thread count it computes with (the reductions' order depends on
        // it), the oneDNN kernels' instruction set and the number of ranks; a resumed run keeps
        // what it recorded.
        if mode != .resume {
            if config.options.threads == nil { config.options.threads = Threads.count }
            config.instructionSet = OneDNNInfo.instructionSet
            config.worldSize = communicator.size
        }
        let options = config.options
        try options.validate()

        // Data.
        let dataset: any PairedDataset
        do { dataset = try openPairedDataset(path: config.data, split: config.split, direction: options.direction) } catch {
            throw TrainingError.io(path: config.data, message: "cannot open the training data: \(error)")
        }
        guard dataset.count > 0 else { throw TrainingError.emptyDataset(path: config.data, split: config.split) }
        guard dataset.count >= communicator.size else {
            throw TrainingError.incompatible(message: "\(communicator.size) ranks need at least \(communicator.size) training pairs (one each per step), but \(config.data) has \(dataset.count)",
                                             hint: "start fewer ranks (mpirun -np), or train on more data")
        }
        // Samples and validation metrics are rank 0's work.
        validation = writer ? try Self.openValidation(&config) : nil
        self.config = config

        // Networks, with the data's channels unless the options fix them.
        do {
            model = try options.makeModel(channelsA: dataset.channelsA, channelsB: dataset.channelsB, registry: registry)
        } catch let error as RegistryError {
            switch error {
            case .channelMismatch(let message):
                throw TrainingError.incompatible(message: message, hint: "pick a discriminator built for the generator's channels (the data has \(dataset.channelsA)-channel A and \(dataset.channelsB)-channel B), or convert the data")
            default: throw error
            }
        }
        try Self.checkSizes(model, cropSize: options.cropSize, batch: options.batchSize)

        let io = model.generator.channels
        let loaderOptions = PairLoaderOptions(batchSize: options.batchSize, loadSize: options.loadSize, cropSize: options.cropSize,
                                              flip: options.flip, shuffle: true, dropLast: false, seed: options.seed,
                                              channelsA: io.inputChannels, channelsB: io.outputChannels)
        loader = try PairLoader(dataset: dataset, options: loaderOptions,
                                shard: PairLoaderShard(rank: communicator.rank, of: communicator.size))
        stepper = try Pix2PixStep(model: model, learningRate: options.learningRate, beta1: options.beta1,
                                  lambdaL1: options.lambdaL1, l1Reduction: options.l1Reduction, ganMode: options.ganMode,
                                  objective: options.objective)
        if communicator.isDistributed {
            if options.syncBatchNorm {
                model.generator.synchronizeBatchStatistics(over: communicator)
                model.discriminator.synchronizeBatchStatistics(over: communicator)
            }
            gradientAllReduce = GradientAllReduce(communicator: communicator, precision: options.allReducePrecision)
            stepper.gradientAllReduce = gradientAllReduce
            // Each rank draws its own dropout masks (rank 0 keeps the single-process stream).
            if communicator.rank > 0 { model.randomSource.generator = Self.dropoutStream(seed: options.seed, rank: communicator.rank) }
        } else {
            gradientAllReduce = nil
        }

        if mode == .resume {
            try restore()
            if writer, let recorded = config.instructionSet, recorded != OneDNNInfo.instructionSet {
                logger.warning("\(runDirectory.url.path) was trained with oneDNN kernels for \(recorded); this machine uses \(OneDNNInfo.instructionSet), so the resumed steps will not be bit-identical to an uninterrupted run")
            }
        } else {
            if writer {
                do {
                    if mode == .overwrite { try runDirectory.removeRunFiles() }
                    try FileError.makeDirectories(runDirectory.url.path, what: "run directory")
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    try AtomicFile.write([UInt8](try encoder.encode(config)), to: runDirectory.config)
                } catch {
                    throw TrainingError.io(path: runDirectory.url.path, message: "cannot prepare the run directory: \(error)")
                }
            }
            // Every rank built the same networks from the same seed; rank 0's weights make sure.
            try model.generator.broadcastState(over: communicator)
            try model.discriminator.broadcastState(over: communicator)
        }
        stepper.setLearningRate(options.schedule.learningRate(base: options.learningRate, epoch: min(loader.epoch, options.totalEpochs - 1)))
    }

    /// Opens the validation set: the configured one, else the data's "val" (or "test") split when present.
    static func openValidation(_ config: inout TrainingRunConfig) throws -> (any PairedDataset)? {
        if let path = config.validationData {
            let split = config.validationSplit ?? "val"
            do {
                let set = try openPairedDataset(path: path, split: split, direction: config.options.direction)
                return set.count > 0 ? set : nil
            } catch {
                throw TrainingError.io(path: path, message: "cannot open the validation data (split \(split)): \(error)")
            }
        }
        for split in ["val", "test"] where split != config.split {
            if let set = try? openPairedDataset(path: config.data, split: split, direction: config.options.direction), set.count > 0 {
                config.validationData = config.data
                config.validationSplit = split
                return set
            }
        }
        return nil
    }

    /// The dropout stream of rank `rank` > 0 of a data-parallel run (rank 0 draws from the model's
    /// own stream, as a single process does).
    static func dropoutStream(seed: UInt64, rank: Int) -> RandomGenerator {
        RandomGenerator(seed: seed &+ 0x5EED, stream: [0x7261_6E6B, UInt64(rank)])  // "rank"
    }

    /// Fails before training when the crop size does not suit G or D.
    static func checkSizes(_ model: Pix2PixModel, cropSize: Int, batch: Int) throws {
        let io = model.generator.channels
        do {
            try model.generator.checkInput(shape: [batch, cropSize, cropSize, io.inputChannels])
            try model.discriminator.checkInput(shape: [batch, cropSize, cropSize, model.discriminator.inputChannels])
        } catch let RegistryError.badInput(network, _, message) {
            throw TrainingError.incompatible(message: "--crop-size \(cropSize) does not suit \(network): \(message)",
                                             hint: "choose a crop size the networks take (e.g. \(model.generator.sizeMultiple * max(1, cropSize / model.generator.sizeMultiple)) for the generator), or other presets")
        }
    }

    /// The step the run stops at: the budget, else every epoch.
    public var totalSteps: Int {
        let all = options.totalEpochs * loader.batchesPerEpoch
        return options.steps.map { min($0, all) } ?? all
    }

    // MARK: Checkpoints

    /// The trainer's position for the checkpoint: the step, the data order's global position, the
    /// world size and (several ranks) every rank's dropout stream, which `rankDropoutStreams` holds.
    func progressJSON(rankDropoutStreams: [JSONValue]? = nil) throws -> JSONValue {
        var progress: [String: JSONValue] = [
            "step": .int(step),
            "epoch": .int(loader.epoch),
            "loader": try JSONValue(encoding: loader.state),
            "seconds": .double(seconds),
            "options": try JSONValue(encoding: options),
            "world_size": .int(communicator.size),
        ]
        if let rankDropoutStreams { progress["rank_dropout_rng"] = .array(rankDropoutStreams) }
        return .object(progress)
    }

    /// Saves `latest.pzck` (atomically) and, at an epoch end with snapshots on, `epoch_<n>.pzck`.
    /// Collective with several ranks: every rank calls it at the same step; rank 0 writes.
    public func saveCheckpoint(snapshotEpoch: Int? = nil) throws {
        var streams: [JSONValue]?
        if communicator.isDistributed {
            let mine = try JSONEncoder().encode(model.randomSource.generator)
            streams = try communicator.allGather([UInt8](mine)).map { try JSONDecoder().decode(JSONValue.self, from: Data($0)) }
        }
        guard communicator.isWriter else { return }
        let metadata: [String: JSONValue] = ["framework": .string(Pix2PixZooVersion.string),
                                             "data": .string(config.data), "crop_size": .int(options.cropSize)]
        try ModelCheckpoint.saveTraining(model, generatorOptimizer: stepper.generatorOptimizer,
                                         discriminatorOptimizer: stepper.discriminatorOptimizer,
                                         progress: try progressJSON(rankDropoutStreams: streams), to: run.latest,
                                         compressionLevel: options.checkpointCompression, metadata: metadata)
        if let snapshotEpoch, options.epochSnapshots {
            let target = run.snapshot(epoch: snapshotEpoch)
            try AtomicFile.copy(run.latest, to: target)
        }
    }

    /// Restores everything from `latest.pzck` and trims the log to the checkpoint's step. With
    /// several ranks, rank 0 reads the file and broadcasts its bytes; each rank then restores its
    /// own dropout stream (a new rank, when the world grew, starts its stream afresh).
    func restore() throws {
        let file: CheckpointFile
        if communicator.isDistributed {
            var bytes: [UInt8] = []
            if communicator.isWriter {
                do { bytes = [UInt8](try Data(contentsOf: run.latest)) } catch {
                    throw TrainingError.notResumable(path: run.url.path, reason: "\(RunDirectory.FileName.latest) cannot be read: \(error.localizedDescription)")
                }
            }
            file = try CheckpointFile(bytes: try communicator.broadcast(bytes), name: run.latest.path)
        } else {
            file = try CheckpointFile(contentsOf: run.latest)
        }
        let progress = try ModelCheckpoint.loadTraining(from: file, into: model,
                                                        generatorOptimizer: stepper.generatorOptimizer,
                                                        discriminatorOptimizer: stepper.discriminatorOptimizer)
        guard let savedStep = progress["step"]?.intValue, let loaderJSON = progress["loader"] else {
            throw TrainingError.notResumable(path: run.url.path, reason: "\(RunDirectory.FileName.latest) has no step / loader state")
        }
        do {
            try loader.restore(try loaderJSON.decode(PairLoaderState.self))
        } catch {
            throw TrainingError.notResumable(path: run.url.path, reason: "the data changed since the checkpoint (\(TrainingError.describe(error))); train on the data the run started with, or start a new run")
        }
        step = savedStep
        seconds = progress["seconds"]?.doubleValue ?? 0
        let recordedWorld = progress["world_size"]?.intValue ?? 1
        if communicator.rank > 0 {
            let streams = progress["rank_dropout_rng"]?.arrayValue ?? []
            if communicator.rank < streams.count {
                do { model.randomSource.generator = try streams[communicator.rank].decode(RandomGenerator.self) } catch {
                    throw TrainingError.notResumable(path: run.url.path, reason: "the dropout stream of rank \(communicator.rank) in \(RunDirectory.FileName.latest) does not decode: \(error)")
                }
            } else {
                model.randomSource.generator = Self.dropoutStream(seed: options.seed, rank: communicator.rank)
            }
        }
        guard communicator.isWriter else { return }
        // Drop log lines written after the checkpoint (they will be produced again).
        let kept = try run.readLog().filter { $0.step <= step }
        try writeLog(kept)
        if recordedWorld != communicator.size {
            logger.warning("\(run.url.path) was saved by \(recordedWorld) rank(s) and resumes on \(communicator.size): it continues from the same place in the data (epoch \(loader.epoch + 1), pair \(loader.position) of its order), but a step now takes \(loader.globalBatchSize) pairs instead of \(recordedWorld * options.batchSize), so the steps per epoch, the --steps budget's meaning and the training itself differ from an uninterrupted run\(options.syncBatchNorm ? "" : ", and batch norm sees batches of \(options.batchSize) per rank as before"); resume with \(recordedWorld) rank(s) to continue it exactly")
        }
        logger.info("resumed \(run.url.path) at step \(step), epoch \(loader.epoch)")
    }

    func writeLog(_ records: [TrainingLogRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes: [UInt8] = []
        for r in records {
            bytes += try encoder.encode(r)
            bytes.append(0x0A)
        }
        try AtomicFile.write(bytes, to: run.log)
    }

    // MARK: The loop

    /// Trains until the step budget or the last epoch, or until `shouldStop()`. Every step, the
    /// samples and the validation metrics run under `options.precision`.
    public func train() throws -> TrainingOutcome {
        try withRecordedThreads { try Precision.with(options.precision) { try trainingLoop() } }
    }

    /// Runs `body` with the run's recorded thread count (``TrainingOptions/threads``) in effect for
    /// this task (`Threads.with`): a resumed run computes as it started, whatever `--threads` or
    /// `PIX2PIX_THREADS` say now.
    func withRecordedThreads<R>(_ body: () throws -> R) rethrows -> R {
        guard let threads = options.threads else { return try body() }
        return try Threads.with(threads) { try body() }
    }

    /// Saves `latest.pzck` and the loss chart and reports the stop.
    private func stop() throws -> TrainingOutcome {
        try saveCheckpoint()
        guard communicator.isWriter else { return .interrupted(step: step, checkpoint: run.latest.path) }
        try? writeLossChart()
        logger.notice("interrupted at step \(step); saved \(run.latest.path)")
        return .interrupted(step: step, checkpoint: run.latest.path)
    }

    /// Whether any rank was asked to stop (collective: every rank gets the same answer).
    private func anyRankStops() throws -> Bool {
        try communicator.anyTrue(shouldStop())
    }

    private func trainingLoop() throws -> TrainingOutcome {
        let writer = communicator.isWriter
        let logHandle = writer ? try openLog() : nil
        defer { try? logHandle?.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let schedule = options.schedule
        let total = totalSteps
        model.generator.train()
        model.discriminator.train()

        while step < total, loader.epoch < options.totalEpochs {
            // The safe point: the previous step's writes are complete, the next has not begun.
            if try anyRankStops() { return try stop() }
            guard let batch = try loader.nextBatch() else {
                try endEpoch(schedule)
                continue
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let a = try Tensor(shape: batch.shapeA, values: batch.a)
            let b = try Tensor(shape: batch.shapeB, values: batch.b)
            var losses: StepLosses
            if communicator.isDistributed {
                // Every rank's gradients weigh its pairs as the whole step's batch would.
                // (1 exactly when the ranks' shares are equal.)
                let lossScale = Float(batch.count * communicator.size) / Float(batch.globalCount)
                losses = try stepper.run(a: a, b: b, lossScale: lossScale)
                losses = try meanOverRanks(losses, weight: Float(batch.count) / Float(batch.globalCount))
                if !options.syncBatchNorm {
                    try model.generator.averageBuffers(over: communicator)
                    try model.discriminator.averageBuffers(over: communicator)
                }
            } else {
                losses = try stepper.run(a: a, b: b)
            }
            guard losses.isFinite else {
                throw TrainingError.diverged(step: step + 1, losses: "\(losses)")
            }
            step += 1
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            seconds += elapsed
            recentStepTimes.append(elapsed)
            if recentStepTimes.count > 20 { recentStepTimes.removeFirst() }
            smooth(losses)

            let record = TrainingLogRecord(step: step, epoch: loader.epoch, losses: losses,
                                           lr: stepper.generatorOptimizer.learningRate, seconds: seconds)
            logHandle?.write(try encoder.encode(record) + Data([0x0A]))

            if loader.isEpochFinished { try endEpoch(schedule) }
            if step % options.checkpointEvery == 0 { try saveCheckpoint() }
            if writer, options.sampleEvery > 0, step % options.sampleEvery == 0 { try writeSamples() }
            if writer, step % options.logEvery == 0 || step == total { report(losses, epoch: record.epoch, total: total) }
        }
        if try anyRankStops() { return try stop() }
        try saveCheckpoint()
        guard writer else { return .finished(step: step, metrics: nil) }
        try writeSamples()
        try writeLossChart()
        var metrics: EvaluationResult?
        if let validation {
            metrics = try Evaluator.evaluate(generator: model.generator, dataset: validation, size: options.cropSize,
                                             channelsA: model.generator.channels.inputChannels,
                                             channelsB: model.generator.channels.outputChannels, mode: .eval,
                                             precision: options.precision)
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write([UInt8](try encoder.encode(metrics)), to: run.metrics)
            model.generator.train()
        }
        return .finished(step: step, metrics: metrics)
    }

    /// The step's losses over every rank's pairs: each rank's mean weighted by its share of the pairs.
    private func meanOverRanks(_ losses: StepLosses, weight: Float) throws -> StepLosses {
        var values = [losses.gGAN, losses.gL1, losses.dReal, losses.dFake].map { $0 * weight }
        try communicator.allReduce(&values, .sum)
        return StepLosses(gGAN: values[0], gL1: values[1], dReal: values[2], dFake: values[3])
    }

    private func endEpoch(_ schedule: LRSchedule) throws {
        let finished = loader.epoch
        loader.startNextEpoch()
        stepper.setLearningRate(schedule.learningRate(base: options.learningRate, epoch: min(loader.epoch, options.totalEpochs - 1)))
        if options.epochSnapshots { try saveCheckpoint(snapshotEpoch: finished + 1) }
    }

    private func openLog() throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: run.log.path) {
            try AtomicFile.write([], to: run.log)
        }
        let handle = try FileHandle(forWritingTo: run.log)
        try handle.seekToEnd()
        return handle
    }

    private func smooth(_ losses: StepLosses) {
        if smoothed == nil { smoothed = losses } else { smoothed!.smooth(toward: losses) }
    }

    private func report(_ losses: StepLosses, epoch: Int, total: Int) {
        let mean = recentStepTimes.isEmpty ? 0 : recentStepTimes.reduce(0, +) / Double(recentStepTimes.count)
        let progress = TrainingProgress(step: step, totalSteps: total, epoch: epoch, totalEpochs: options.totalEpochs,
                                        losses: losses, smoothed: smoothed ?? losses,
                                        learningRate: stepper.generatorOptimizer.learningRate, seconds: seconds,
                                        stepsPerSecond: mean > 0 ? 1 / mean : 0)
        if let onProgress { onProgress(progress) } else {
            logger.info("step \(step)/\(total) epoch \(epoch + 1) G_GAN \(losses.gGAN) G_L1 \(losses.gL1) D_real \(losses.dReal) D_fake \(losses.dFake)")
        }
    }

    // MARK: Samples and charts

    /// Writes `samples/step_<n>.png`: rows of input | output | target for the first training pairs
    /// (and the first validation pairs), generated in eval mode without touching any training state.
    public func writeSamples() throws {
        try withRecordedThreads { try Precision.with(options.precision) { try writeSampleGrid() } }
    }

    private func writeSampleGrid() throws {
        var rows: [Image] = []
        let size = options.cropSize
        let ca = model.generator.channels.inputChannels, cb = model.generator.channels.outputChannels
        var sources: [(any PairedDataset, Int)] = [(loader.dataset, min(2, loader.dataset.count))]
        if let validation { sources.append((validation, min(2, validation.count))) }
        for (set, n) in sources {
            let evalLoader = try PairLoader(dataset: set, options: .evaluation(size: size, batchSize: n).with(channelsA: ca, channelsB: cb))
            guard let batch = try evalLoader.nextBatch() else { continue }
            let output = try Evaluator.translate(model.generator, batch: batch, mode: .eval)
            for i in 0..<batch.count {
                rows += try [
                    batch.imageA(i).converted(toChannels: 3),
                    Evaluator.image(output, index: i).converted(toChannels: 3),
                    batch.imageB(i).converted(toChannels: 3),
                ]
            }
        }
        model.generator.train()
        guard !rows.isEmpty else { return }
        let grid = try Image.grid(rows, columns: 3)
        try FileError.makeDirectories(run.samples.path, what: "samples folder")
        let url = run.sample(step: step)
        try AtomicFile.write(try grid.pngData(), to: url)
    }

    /// Writes `loss.svg` from `log.jsonl`.
    public func writeLossChart() throws {
        try TrainingCharts.writeLossChart(records: run.readLog(), objective: options.objective, to: run.lossChart)
    }
}
