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
    /// Overrides of the presets (ngf, ndf, norm, dropout); `conditional` is set from the objective.
    public var ngf: Int?
    public var ndf: Int?
    public var norm: NormKind?
    /// false = the reference's `--no_dropout`.
    public var dropout = true
    public var lambdaL1: Float = 100
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
    /// Save `latest.pzck` every this many steps (and at each epoch end).
    public var checkpointEvery = 500
    /// Also keep `epoch_<n>.pzck` at each epoch end.
    public var epochSnapshots = false
    /// Write a sample grid every this many steps (0: only at the end).
    public var sampleEvery = 500
    /// A log line (and progress callback) every this many steps.
    public var logEvery = 10
    /// zstd level for training checkpoints.
    public var checkpointCompression = 1
    /// The arithmetic of the convolutions in every step, sample and evaluation (``Precision``);
    /// configs written before it existed read as fp32.
    @DecodedIfMissing<Precision.FP32> public var precision: Precision

    public init() {}

    /// Reads A and B as the data's channels unless set (e.g. 1-channel gray A).
    public var inputChannels: Int?
    public var outputChannels: Int?

    var modelOptions: ModelOptions {
        ModelOptions(ngf: ngf, ndf: ndf, norm: norm, dropout: dropout, inputChannels: inputChannels,
                     outputChannels: outputChannels, conditional: objective.conditional)
    }

    /// The schedule of the reference's `get_scheduler` for these options.
    public var schedule: LRSchedule {
        switch lrPolicy {
        case .linear: return .linear(nEpochs: epochs, nEpochsDecay: epochsDecay)
        case .step: return .step(stepSize: max(1, lrDecayEpochs), gamma: 0.1)
        case .cosine: return .cosine(tMax: max(1, epochs + epochsDecay))
        }
    }

    /// Total epochs (base + decay).
    public var totalEpochs: Int { epochs + epochsDecay }

    /// Checks every number before anything is built; names the option at fault.
    public func validate() throws {
        func bad(_ option: String, _ message: String) -> TrainingError { .invalidOption(option: option, message: message) }
        if batchSize < 1 { throw bad("--batch-size", "must be ≥ 1, got \(batchSize)") }
        if epochs < 0 || epochsDecay < 0 || epochs + epochsDecay < 1 {
            throw bad("--epochs/--epochs-decay", "need ≥ 0 each and at least one epoch in all, got \(epochs) + \(epochsDecay)")
        }
        if let steps, steps < 1 { throw bad("--steps", "must be ≥ 1, got \(steps)") }
        if !(lambdaL1.isFinite && lambdaL1 >= 0) { throw bad("--lambda-l1", "must be finite and ≥ 0, got \(lambdaL1)") }
        if !(learningRate.isFinite && learningRate > 0) { throw bad("--lr", "must be > 0, got \(learningRate)") }
        if !(beta1 >= 0 && beta1 < 1) { throw bad("--beta1", "must be in [0, 1), got \(beta1)") }
        if cropSize < 1 { throw bad("--crop-size", "must be ≥ 1, got \(cropSize)") }
        if loadSize < cropSize { throw bad("--load-size", "must be ≥ --crop-size (\(cropSize)), got \(loadSize)") }
        if checkpointEvery < 1 { throw bad("--checkpoint-every", "must be ≥ 1, got \(checkpointEvery)") }
        if sampleEvery < 0 { throw bad("--sample-every", "must be ≥ 0, got \(sampleEvery)") }
        if logEvery < 1 { throw bad("--log-every", "must be ≥ 1, got \(logEvery)") }
        if let ngf, ngf < 1 { throw bad("--ngf", "must be ≥ 1, got \(ngf)") }
        if let ndf, ndf < 1 { throw bad("--ndf", "must be ≥ 1, got \(ndf)") }
        if lrPolicy == .step && lrDecayEpochs < 1 { throw bad("--lr-decay-epochs", "must be ≥ 1, got \(lrDecayEpochs)") }
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
}
