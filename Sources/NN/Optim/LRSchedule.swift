import Foundation

/// A learning-rate schedule: the learning rate for an epoch, given the base rate — the PyTorch
/// reference's `--lr_policy` (`get_scheduler` in `models/networks.py`).
///
/// `epoch` counts the scheduler steps taken so far, as PyTorch's `last_epoch`: 0 before the first
/// step. The trainer decides when it steps (the reference steps once per epoch).
///
/// Codable with snake_case keys, e.g. `{"policy": "linear", "n_epochs": 100, "n_epochs_decay": 100,
/// "epoch_count": 1}`; optional fields take the reference defaults.
public enum LRSchedule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The base rate throughout.
    case constant
    /// The reference's `linear` policy (`lambda_rule`): the rate stays at base for `nEpochs`, then
    /// falls linearly towards 0 over `nEpochsDecay` epochs:
    /// factor = 1 − max(0, epoch + epochCount − nEpochs) / (nEpochsDecay + 1).
    /// `epochCount` is the reference's starting epoch (1 for a fresh run).
    case linear(nEpochs: Int, nEpochsDecay: Int, epochCount: Int = 1)
    /// `StepLR`: the rate is multiplied by `gamma` every `stepSize` epochs.
    case step(stepSize: Int, gamma: Double = 0.1)
    /// `CosineAnnealingLR` (closed form): etaMin + (base − etaMin)·(1 + cos(π·epoch / tMax)) / 2.
    case cosine(tMax: Int, etaMin: Double = 0)

    /// The policy's name in configs and logs.
    public var policy: String {
        switch self {
        case .constant: return "constant"
        case .linear: return "linear"
        case .step: return "step"
        case .cosine: return "cosine"
        }
    }

    /// The learning rate at `epoch` (≥ 0) for base rate `base`.
    ///
    /// A schedule with out-of-range numbers (see ``validate()``) is a caller bug and stops here;
    /// decoded schedules are validated when decoded.
    public func learningRate(base: Float, epoch: Int) -> Float {
        precondition(epoch >= 0, "LRSchedule.learningRate: epoch must be ≥ 0, got \(epoch)")
        do { try validate() } catch { preconditionFailure("\(error)") }
        let b = Double(base)
        switch self {
        case .constant:
            return base
        case let .linear(nEpochs, nEpochsDecay, epochCount):
            let factor = 1.0 - Double(max(0, epoch + epochCount - nEpochs)) / Double(nEpochsDecay + 1)
            return Float(b * factor)
        case let .step(stepSize, gamma):
            return Float(b * Foundation.pow(gamma, Double(epoch / stepSize)))
        case let .cosine(tMax, etaMin):
            return Float(etaMin + (b - etaMin) * (1 + Foundation.cos(Double.pi * Double(epoch) / Double(tMax))) / 2)
        }
    }

    /// Throws when a field is out of range: n_epochs ≥ 0, n_epochs_decay ≥ 0, epoch_count ≥ 1,
    /// step_size ≥ 1, gamma finite and > 0, t_max ≥ 1, eta_min finite and ≥ 0.
    public func validate() throws {
        func fail(_ message: String) -> NNError { .invalidArgument(what: "LRSchedule.\(policy)", message: message) }
        switch self {
        case .constant:
            return
        case let .linear(nEpochs, nEpochsDecay, epochCount):
            guard nEpochs >= 0 else { throw fail("n_epochs must be ≥ 0, got \(nEpochs)") }
            guard nEpochsDecay >= 0 else { throw fail("n_epochs_decay must be ≥ 0, got \(nEpochsDecay)") }
            guard epochCount >= 1 else { throw fail("epoch_count must be ≥ 1 (the first epoch), got \(epochCount)") }
        case let .step(stepSize, gamma):
            guard stepSize >= 1 else { throw fail("step_size must be ≥ 1, got \(stepSize)") }
            guard gamma.isFinite, gamma > 0 else { throw fail("gamma must be finite and > 0, got \(gamma)") }
        case let .cosine(tMax, etaMin):
            guard tMax >= 1 else { throw fail("t_max must be ≥ 1, got \(tMax)") }
            guard etaMin.isFinite, etaMin >= 0 else { throw fail("eta_min must be finite and ≥ 0, got \(etaMin)") }
        }
    }

    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .linear(n, d, c): return "linear(n_epochs \(n), n_epochs_decay \(d), epoch_count \(c))"
        case let .step(s, g): return "step(step_size \(s), gamma \(g))"
        case let .cosine(t, e): return "cosine(t_max \(t), eta_min \(e))"
        }
    }

    enum CodingKeys: String, CodingKey {
        case policy, nEpochs = "n_epochs", nEpochsDecay = "n_epochs_decay", epochCount = "epoch_count"
        case stepSize = "step_size", gamma, tMax = "t_max", etaMin = "eta_min"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let policy = try c.decode(String.self, forKey: .policy)
        switch policy {
        case "constant":
            self = .constant
        case "linear":
            self = .linear(nEpochs: try c.decode(Int.self, forKey: .nEpochs),
                           nEpochsDecay: try c.decode(Int.self, forKey: .nEpochsDecay),
                           epochCount: try c.decodeIfPresent(Int.self, forKey: .epochCount) ?? 1)
        case "step":
            self = .step(stepSize: try c.decode(Int.self, forKey: .stepSize),
                         gamma: try c.decodeIfPresent(Double.self, forKey: .gamma) ?? 0.1)
        case "cosine":
            self = .cosine(tMax: try c.decode(Int.self, forKey: .tMax),
                           etaMin: try c.decodeIfPresent(Double.self, forKey: .etaMin) ?? 0)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .policy, in: c, debugDescription: "unknown lr policy \"\(policy)\"; known: constant, linear, step, cosine")
        }
        do { try validate() } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(policy, forKey: .policy)
        switch self {
        case .constant:
            break
        case let .linear(n, d, e):
            try c.encode(n, forKey: .nEpochs)
            try c.encode(d, forKey: .nEpochsDecay)
            try c.encode(e, forKey: .epochCount)
        case let .step(s, g):
            try c.encode(s, forKey: .stepSize)
            try c.encode(g, forKey: .gamma)
        case let .cosine(t, e):
            try c.encode(t, forKey: .tMax)
            try c.encode(e, forKey: .etaMin)
        }
    }
}
