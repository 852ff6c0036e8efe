import Base
import CKernels
import Tensor

/// Adam, matching `torch.optim.Adam` (no AMSGrad): per-parameter first and second moments,
/// bias correction, and L2 weight decay added to the gradient as torch does (not AdamW).
///
/// For parameter p with gradient g at its step t:
/// ```
/// g ← g + weight_decay · p
/// m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
/// p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// As in torch, the state of a parameter (its step count and moments) is created the first time
/// it has a gradient, and a parameter without a gradient is skipped. A step is one fused, vectorised
/// pass over all parameters (`ck_adam_auto`), split across threads.
///
/// Parameters are held by key, so the state can be saved with ``exportState()`` and restored with
/// the checked ``importState(_:tensors:)``.
public final class Adam {
    /// Adam's settings. Codable with snake_case keys (`lr`, `beta1`, `beta2`, `eps`,
    /// `weight_decay`); missing keys take torch's defaults.
    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var learningRate: Float
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float
        public var weightDecay: Float

        /// torch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.
        /// pix2pix trains with lr 2e-4 and β1 0.5.
        public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                    epsilon: Float = 1e-8, weightDecay: Float = 0) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }

        enum CodingKeys: String, CodingKey {
            case learningRate = "lr", beta1, beta2, epsilon = "eps", weightDecay = "weight_decay"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Hyperparameters()
            self.init(learningRate: try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate,
                      beta1: try c.decodeIfPresent(Float.self, forKey: .beta1) ?? d.beta1,
                      beta2: try c.decodeIfPresent(Float.self, forKey: .beta2) ?? d.beta2,
                      epsilon: try c.decodeIfPresent(Float.self, forKey: .epsilon) ?? d.epsilon,
                      weightDecay: try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay)
            do { try validate() } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
            }
        }

        /// The checks torch makes: lr ≥ 0, eps ≥ 0, 0 ≤ β < 1, weight decay ≥ 0.
        public func validate() throws {
            func fail(_ message: String) -> NNError { .invalidArgument(what: "Adam", message: message) }
            guard learningRate.isFinite, learningRate >= 0 else { throw fail("lr must be finite and ≥ 0, got \(learningRate)") }
            guard epsilon.isFinite, epsilon >= 0 else { throw fail("eps must be finite and ≥ 0, got \(epsilon)") }
            guard beta1 >= 0, beta1 < 1 else { throw fail("beta1 must be in [0, 1), got \(beta1) (pix2pix uses 0.5)") }
            guard beta2 >= 0, beta2 < 1 else { throw fail("beta2 must be in [0, 1), got \(beta2) (torch uses 0.999)") }
            guard weightDecay.isFinite, weightDecay >= 0 else { throw fail("weight_decay must be finite and ≥ 0, got \(weightDecay)") }
        }
    }

    /// One parameter's moments, created at its first step with a gradient.
    final class Slot {
        var step = 0
        let m: Tensor
        let v: Tensor
        init(shape: [Int]) {
            m = Tensor.zeros(shape)
            v = Tensor.zeros(shape)
        }
    }

    /// The current settings. Change ``learningRate`` between steps to follow a schedule.
    public internal(set) var hyperparameters: Hyperparameters
    /// The parameters in order, by key.
    public let parameters: [(key: String, tensor: Tensor)]
    /// How many times ``step()`` has run.
    public internal(set) var stepCount = 0
    var slots: [Slot?]

    /// The learning rate used by the next ``step()``.
    public var learningRate: Float {
        get { hyperparameters.learningRate }
        set {
            precondition(newValue.isFinite && newValue >= 0, "Adam.learningRate must be finite and ≥ 0, got \(newValue)")
            hyperparameters.learningRate = newValue
        }
    }

    /// An optimizer over `parameters` (keys must be unique, each tensor listed once).
    public init(parameters: [(key: String, tensor: Tensor)], _ hyperparameters: Hyperparameters = .init()) throws {
        try hyperparameters.validate()
        var seenKeys = Set<String>(), seenTensors = Set<ObjectIdentifier>()
        for (key, t) in parameters {
            guard seenKeys.insert(key).inserted else {
                throw NNError.invalidArgument(what: "Adam", message: "parameter key \"\(key)\" appears twice; keys must be unique")
            }
            guard seenTensors.insert(ObjectIdentifier(t)).inserted else {
                throw NNError.invalidArgument(what: "Adam", message: "the tensor under \"\(key)\" (shape \(t.shape)) is listed twice")
            }
        }
        self.parameters = parameters
        self.hyperparameters = hyperparameters
        slots = Array(repeating: nil, count: parameters.count)
    }

    /// An optimizer over every parameter of `module`, keyed by their state-dict paths.
    public convenience init(module: Module, _ hyperparameters: Hyperparameters = .init()) throws {
        try self.init(parameters: module.namedParameters(), hyperparameters)
    }

    /// One parameter's share of a step: its buffers and bias corrections.
    struct Segment {
        let p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
        let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
        let count: Int
        let bc1: Float, bc2: Float
    }

    /// Applies one update to every parameter that has a gradient. Gradients are left in place;
    /// clear them with ``zeroGrad()`` (or the module's) before the next backward pass.
    ///
    /// All parameters are updated in one pass split evenly across the threads (each thread takes
    /// a contiguous run of the parameters laid end to end, so small tensors do not run alone), by
    /// the vectorised `ck_adam_auto` kernel. Each updated parameter's version is bumped, so that
    /// convolutions rebuild their reordered copies of it.
    public func step() {
        stepCount += 1
        let h = hyperparameters
        var segments: [Segment] = []
        segments.reserveCapacity(parameters.count)
        var total = 0
        for index in parameters.indices {
            let p = parameters[index].tensor
            guard let g = p.grad else { continue }
            precondition(g.shape == p.shape, "Adam: the gradient of \"\(parameters[index].key)\" has shape \(g.shape), the parameter \(p.shape)")
            let slot: Slot
            if let existing = slots[index] { slot = existing } else { slot = Slot(shape: p.shape); slots[index] = slot }
            slot.step += 1
            // Bias corrections in double precision, as torch computes them in Python floats.
            let bc1 = Float(1 - Double.pow(Double(h.beta1), slot.step))
            let bc2 = Float(1 - Double.pow(Double(h.beta2), slot.step))
            segments.append(Segment(p: p.pointer, g: g.pointer, m: slot.m.pointer, v: slot.v.pointer, count: p.count,
                                    bc1: bc1, bc2: bc2))
            total += p.count
        }
        // One profile row ("optimizer") for `pix2pix bench train --profile`.
        Profiler.measure("optimizer|adam") {
            segments.withUnsafeBufferPointer { list in
                parallelRanges(total, grain: 1 << 15) { start, end in
                    // Walk the segments overlapping [start, end) of the parameters laid end to end.
                    var offset = 0
                    for s in list {
                        let lo = max(start, offset), hi = min(end, offset + s.count)
                        if lo < hi {
                            let k = lo - offset
                            ck_adam_auto(s.p + k, s.g + k, s.m + k, s.v + k, hi - lo,
                                         h.learningRate, h.beta1, h.beta2, h.epsilon, s.bc1, s.bc2, h.weightDecay)
                        }
                        offset += s.count
                        if offset >= end { break }
                    }
                }
            }
        }
        for index in parameters.indices where parameters[index].tensor.grad != nil {
            parameters[index].tensor.markModified()
        }
    }

    /// Clears the gradient of every parameter.
    public func zeroGrad() {
        for (_, t) in parameters { t.grad = nil }
    }
}

extension Double {
    @inline(__always) static func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0, b = base, e = exponent
        while e > 0 {
            if e & 1 == 1 { result *= b }
            b *= b
            e >>= 1
        }
        return result
    }
}
