import Foundation
import Imaging
import NN
import Tensor

/// The GAN loss (reference `--gan_mode`).
public enum GANMode: String, Codable, Sendable, CaseIterable {
    /// Binary cross-entropy on logits (the paper's objective).
    case vanilla
    /// Least squares (Mao et al.): MSE against 1 / 0.
    case lsgan
}

/// Which terms the generator is trained with — the rows of the paper's loss table (Table 1).
public enum Objective: String, Codable, Sendable, CaseIterable {
    /// λ·L1 only; no discriminator is trained.
    case l1
    /// An unconditional GAN: D sees B (real) or G(A) (fake) alone.
    case gan
    /// A conditional GAN: D sees (A, B) or (A, G(A)).
    case cgan
    case l1Gan = "l1+gan"
    /// The pix2pix objective: cGAN + λ·L1.
    case l1Cgan = "l1+cgan"

    public var usesL1: Bool { self == .l1 || self == .l1Gan || self == .l1Cgan }
    public var usesGAN: Bool { self != .l1 }
    /// Whether D sees A next to B.
    public var conditional: Bool { self == .cgan || self == .l1Cgan || self == .l1 }
}

/// How the L1 term reduces |G(A) − B| to one number, before λ multiplies it.
public enum L1Reduction: String, Codable, Sendable, CaseIterable {
    /// The mean over every element: the paper's and the PyTorch reference's `nn.L1Loss()`.
    case mean
    /// Summed over the channels, averaged over the batch and the pixels: the seed Keras code's
    /// `l1_loss`, `K.sum(K.abs(y_pred − y_true), axis=-1)` (Keras then averages what is left).
    /// It is C × the mean for C output channels (3 × for RGB), so λ = 10 on it weighs the L1 term
    /// as λ = 30 does on the mean.
    case channelSum = "channel-sum"
}

/// The learning-rate policy (reference `--lr_policy`); the schedule is stepped once per epoch.
public enum LRPolicy: String, Codable, Sendable, CaseIterable {
    case linear, step, cosine
}

/// Every option of a training run, with the reference's defaults (`train_options.py`,
/// `base_options.py`, pix2pix `modify_commandline_options`). Saved as `config.json` in the run
/// directory and in every checkpoint, so a run can be resumed and reproduced.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var generator = "unet_256"
    public var discriminator = "patchgan_70"
    /// Overrides of the generator preset's config (`--g key=value`; `ngf`, `norm`, `dropout`, …).
    /// G reads and writes the data's channels unless these set `input_channels` / `output_channels`.
    public var generatorOverrides: ConfigOverrides = [:]
    /// Overrides of the discriminator preset's config (`--d key=value`); its `input_channels` is
    /// derived from G's channels and the objective (conditional or not).
    public var discriminatorOverrides: ConfigOverrides = [:]
    public var lambdaL1: Float = 100
    /// How the L1 term is reduced (the paper: the mean; the seed's Keras code: the channel sum).
    public var l1Reduction: L1Reduction = .mean
    public var ganMode: GANMode = .vanilla
    public var objective: Objective = .l1Cgan
    public var batchSize = 1
    /// Epochs at the base rate, then epochs of linear decay (reference `--n_epochs 100 --n_epochs_decay 100`).
    public var epochs = 100
    public var epochsDecay = 100
    public var lrPolicy: LRPolicy = .linear
    /// `step` policy: multiply by 0.1 every this many epochs (reference `--lr_decay_iters 50`).
    public var lrDecayEpochs = 50
    public var learningRate: Float = 2e-4
    public var beta1: Float = 0.5
    public var loadSize = 286
    public var cropSize = 256
    public var flip = true
    public var direction: PairDirection = .aToB
    public var seed: UInt64 = 0
    /// A budget in optimizer steps (for ablations); nil = run every epoch.
    public var steps: Int?
    /// Save `latest.pzck` every this many steps (and on a stop and at the end).
    public var checkpointEvery = 500
    /// Also save at each epoch end and keep `epoch_<n>.pzck` (off by default: an epoch of one
    /// pair is one step, and a checkpoint per step would cost more than the step).
    public var epochSnapshots = false
    /// Write a sample grid every this many steps (0: only at the end).
    public var sampleEvery = 500
    /// A log line (and progress callback) every this many steps.
    public var logEvery = 10
    /// zstd level for training checkpoints.
    public var checkpointCompression = 1
    /// The arithmetic of the convolutions in every step, sample and evaluation (`Precision`);
    /// configs written before it existed read as fp32.
    public var precision: Precision = .fp32
    /// The worker threads the run computes with: the order of its parallel reductions, so its
    /// exact losses, depend on it. A new run records the count in effect (`--threads`, else
    /// `PIX2PIX_THREADS`, else all cores); the trainer applies it while it runs, so a resume computes
    /// as the run started (a different `--threads` on resume is refused). Nil in configs written
    /// before it was recorded: such runs use the count in effect.
    public var threads: Int?
    /// Data-parallel runs (`mpirun -np N`): batch norm normalises with the statistics of all ranks'
    /// batches together (`--sync-batchnorm`), so N ranks × batch b train as one process with batch
    /// N·b. Off (the default, the paper's behaviour): each rank uses its own batch's statistics.
    /// No effect in a single process.
    public var syncBatchNorm = false
    /// Data-parallel runs: the arithmetic of the gradient all-reduce (`--allreduce-precision`):
    /// fp32 (default), or bf16 on the wire (half the bytes; see `AllReducePrecision`).
    public var allReducePrecision: AllReducePrecision = .fp32
    /// The named settings the run started from (`--preset`), recorded for the reader: the fields
    /// themselves hold the values (a flag given with the preset overrides its value). Nil when
    /// none was named.
    public var preset: Preset?

    public init() {}

    /// The command line's architecture flags as overrides: `--ngf` sets G's `ngf`, `--ndf` D's
    /// `ndf`, `--norm` the `norm` of both networks, `--no-dropout` G's `dropout` to false. A nil
    /// argument leaves its overrides as they are.
    public mutating func applyArchitectureFlags(ngf: Int? = nil, ndf: Int? = nil, norm: NormKind? = nil, dropout: Bool? = nil) {
        if let ngf { generatorOverrides["ngf"] = .int(ngf) }
        if let ndf { discriminatorOverrides["ndf"] = .int(ndf) }
        if let norm {
            generatorOverrides["norm"] = .string(norm.rawValue)
            discriminatorOverrides["norm"] = .string(norm.rawValue)
        }
        if let dropout { generatorOverrides["dropout"] = .bool(dropout) }
    }

    /// The model these options name, for data of `channelsA` → `channelsB` channels: G reads and
    /// writes the data's channels unless ``generatorOverrides`` fix them, D is conditional as the
    /// objective says, and the weights come from ``seed``.
    public func makeModel(channelsA: Int, channelsB: Int, registry: Registry = .shared) throws -> Pix2PixModel {
        let dataChannels: ConfigOverrides = [ConfigOverrides.inputChannelsKey: .int(channelsA),
                                             ConfigOverrides.outputChannelsKey: .int(channelsB)]
        return try Pix2PixModel(generator: generator, discriminator: discriminator,
                                generatorOverrides: generatorOverrides.filling(dataChannels),
                                discriminatorOverrides: discriminatorOverrides,
                                conditional: objective.conditional, seed: seed, registry: registry)
    }

    /// The schedule of the reference's `get_scheduler` for these options.
    public var schedule: LRSchedule {
        switch lrPolicy {
        case .linear: return .linear(nEpochs: epochs, nEpochsDecay: epochsDecay)
        case .step: return .step(stepSize: max(1, lrDecayEpochs), gamma: 0.1)
        case .cosine: return .cosine(tMax: max(1, epochs + epochsDecay))
        }
    }

    /// The most worker threads a run may record (OpenMP and the dispatch pool refuse far more).
    public static let maximumThreads = 1024

    /// Total epochs (base + decay).
    public var totalEpochs: Int { epochs + epochsDecay }

    /// Checks every number before anything is built; names the option at fault.
    public func validate() throws {
        func bad(_ option: String, _ message: String) -> TrainingError { .invalidOption(option: option, message: message) }
        if batchSize < 1 { throw bad("--batch-size", "must be ≥ 1, got \(batchSize)") }
        if let reason = precision.unavailableReason { throw bad("--precision", "\(precision.rawValue) is not available: \(reason)") }
        if epochs < 0 || epochsDecay < 0 || epochs + epochsDecay < 1 {
            throw bad("--epochs/--epochs-decay", "need ≥ 0 each and at least one epoch in all, got \(epochs) + \(epochsDecay)")
        }
        if let steps, steps < 1 { throw bad("--steps", "must be ≥ 1, got \(steps)") }
        if let threads, !(1...Self.maximumThreads).contains(threads) {
            throw bad("--threads", "must be in 1…\(Self.maximumThreads), got \(threads)")
        }
        if !(lambdaL1.isFinite && lambdaL1 >= 0) { throw bad("--lambda-l1", "must be finite and ≥ 0, got \(lambdaL1)") }
        if !(learningRate.isFinite && learningRate > 0) { throw bad("--lr", "must be > 0, got \(learningRate)") }
        if !(beta1 >= 0 && beta1 < 1) { throw bad("--beta1", "must be in [0, 1), got \(beta1)") }
        if cropSize < 1 { throw bad("--crop-size", "must be ≥ 1, got \(cropSize)") }
        if loadSize < cropSize { throw bad("--load-size", "must be ≥ --crop-size (\(cropSize)), got \(loadSize)") }
        if checkpointEvery < 1 { throw bad("--checkpoint-every", "must be ≥ 1, got \(checkpointEvery)") }
        if sampleEvery < 0 { throw bad("--sample-every", "must be ≥ 0, got \(sampleEvery)") }
        if logEvery < 1 { throw bad("--log-every", "must be ≥ 1, got \(logEvery)") }
        if case .int(let ngf)? = generatorOverrides["ngf"], ngf < 1 { throw bad("--ngf", "must be ≥ 1, got \(ngf)") }
        if case .int(let ndf)? = discriminatorOverrides["ndf"], ndf < 1 { throw bad("--ndf", "must be ≥ 1, got \(ndf)") }
        if lrPolicy == .step && lrDecayEpochs < 1 { throw bad("--lr-decay-epochs", "must be ≥ 1, got \(lrDecayEpochs)") }
    }
}

extension TrainingOptions {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case generator, discriminator, generatorOverrides, discriminatorOverrides, lambdaL1, l1Reduction, ganMode, objective
        case batchSize, epochs, epochsDecay, lrPolicy, lrDecayEpochs, learningRate, beta1, loadSize, cropSize, flip
        case direction, seed, steps, checkpointEvery, epochSnapshots, sampleEvery, logEvery, checkpointCompression
        case precision, threads, preset, syncBatchNorm, allReducePrecision
    }

    /// The model fields of `config.json` files written before overrides existed.
    enum LegacyKeys: String, CodingKey {
        case ngf, ndf, norm, dropout, inputChannels, outputChannels
    }

    /// Reads `config.json` (and a model card's options). A missing key keeps its default, so older
    /// files load; the legacy model fields become overrides: `ngf` → G `ngf`, `ndf` → D `ndf`,
    /// `norm` → both, `dropout: false` → G `dropout` (true was every built-in preset's value),
    /// `inputChannels` / `outputChannels` → G `input_channels` / `output_channels`.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.generator, &generator)
        try read(.discriminator, &discriminator)
        try read(.generatorOverrides, &generatorOverrides)
        try read(.discriminatorOverrides, &discriminatorOverrides)
        try read(.lambdaL1, &lambdaL1)
        try read(.l1Reduction, &l1Reduction)
        try read(.ganMode, &ganMode)
        try read(.objective, &objective)
        try read(.batchSize, &batchSize)
        try read(.epochs, &epochs)
        try read(.epochsDecay, &epochsDecay)
        try read(.lrPolicy, &lrPolicy)
        try read(.lrDecayEpochs, &lrDecayEpochs)
        try read(.learningRate, &learningRate)
        try read(.beta1, &beta1)
        try read(.loadSize, &loadSize)
        try read(.cropSize, &cropSize)
        try read(.flip, &flip)
        try read(.direction, &direction)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        try read(.seed, &seed)
        try read(.checkpointEvery, &checkpointEvery)
        try read(.epochSnapshots, &epochSnapshots)
        try read(.sampleEvery, &sampleEvery)
        try read(.logEvery, &logEvery)
        try read(.checkpointCompression, &checkpointCompression)
        try read(.precision, &precision)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        preset = try c.decodeIfPresent(Preset.self, forKey: .preset)
        try read(.syncBatchNorm, &syncBatchNorm)
        try read(.allReducePrecision, &allReducePrecision)

        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        var g = ConfigOverrides(), d = ConfigOverrides()
        if let ngf = try legacy.decodeIfPresent(Int.self, forKey: .ngf) { g["ngf"] = .int(ngf) }
        if let ndf = try legacy.decodeIfPresent(Int.self, forKey: .ndf) { d["ndf"] = .int(ndf) }
        if let norm = try legacy.decodeIfPresent(NormKind.self, forKey: .norm) {
            g["norm"] = .string(norm.rawValue)
            d["norm"] = .string(norm.rawValue)
        }
        if try legacy.decodeIfPresent(Bool.self, forKey: .dropout) == false { g["dropout"] = .bool(false) }
        if let n = try legacy.decodeIfPresent(Int.self, forKey: .inputChannels) { g[ConfigOverrides.inputChannelsKey] = .int(n) }
        if let n = try legacy.decodeIfPresent(Int.self, forKey: .outputChannels) { g[ConfigOverrides.outputChannelsKey] = .int(n) }
        generatorOverrides = generatorOverrides.filling(g)
        discriminatorOverrides = discriminatorOverrides.filling(d)
    }
}

/// Errors raised before or during training, each naming the option, file or run at fault.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOption(option: String, message: String)
    /// The data and the networks do not fit together (channels, sizes).
    case incompatible(message: String, hint: String)
    /// The run directory already holds a run and neither --resume nor --overwrite was given.
    case runExists(path: String)
    /// --resume on a directory without a resumable run.
    case notResumable(path: String, reason: String)
    case emptyDataset(path: String, split: String)
    /// A loss became NaN or infinite.
    case diverged(step: Int, losses: String)
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case let .invalidOption(option, message):
            return "invalid option \(option): \(message)"
        case let .incompatible(message, hint):
            return "\(message). Hint: \(hint)"
        case let .runExists(path):
            return "\(path) already holds a run. Hint: pass --resume to continue it, --overwrite to replace it, or choose another --out."
        case let .notResumable(path, reason):
            return "cannot resume \(path): \(reason)"
        case let .emptyDataset(path, split):
            return "\(path) has no pairs in split \"\(split)\". Hint: check the file with `pix2pix data inspect \(path)`."
        case let .diverged(step, losses):
            return "training diverged at step \(step): \(losses). Hint: lower --lr or check the data range."
        case let .io(path, message):
            return "\(path): \(message)"
        }
    }

    /// A decoding error as a sentence ("missing field \"step\" at loader", "not valid JSON"), never
    /// Swift's or Foundation's raw dump; other errors as they describe themselves.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field \"\(key.stringValue)\"\(at(context))"
        case let .typeMismatch(type, context): return "expected \(type)\(at(context))"
        case let .valueNotFound(type, context): return "missing \(type) value\(at(context))"
        case let .dataCorrupted(context):
            return (context.codingPath.isEmpty ? "not valid JSON" : context.debugDescription) + at(context)
        @unknown default: return "\(error)"
        }
    }
}
