import Base
import Tensor

extension Tensor {
    /// `input · weightᵀ + bias` on a batch of feature vectors (PyTorch's `F.linear`).
    ///
    /// - `input`: `[batch, inputFeatures]`; `weight`: `[outputFeatures, inputFeatures]`;
    ///   `bias`: `[outputFeatures]` or nil.
    /// - Output: `[batch, outputFeatures]`.
    ///
    /// Plain loops (double accumulators), meant for small heads such as a classifier's last
    /// layer, not for large matrix products.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard input.rank == 2, weight.rank == 2, input.shape[1] == weight.shape[1] else {
            throw NNError.badInput(layer: "Linear", shape: input.shape,
                                   message: "expected [batch, \(weight.shape.count == 2 ? String(weight.shape[1]) : "?")] for a weight of shape \(weight.shape)")
        }
        let (n, features, outputs) = (input.shape[0], input.shape[1], weight.shape[0])
        if let bias, bias.shape != [outputs] {
            throw NNError.badInput(layer: "Linear", shape: bias.shape, message: "the bias must have shape [\(outputs)]")
        }
        let out = Tensor.empty([n, outputs])
        let x = input.pointer, w = weight.pointer, b = bias?.pointer, y = out.pointer
        parallelFor(n * outputs) { (_, index) throws(Never) in
            let (row, o) = index.quotientAndRemainder(dividingBy: outputs)
            y[index] = Float(dot(x + row * features, w + o * features, features) + Double(b?[o] ?? 0))
        }
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return Tensor.record(out, op: "linear", inputs: inputs, readsOutput: false) { g, _ in
            let gy = g.pointer
            var gradInput: Tensor?
            if input.requiresGrad {
                let gx = Tensor.empty(input.shape)
                let gxp = gx.pointer
                parallelFor(n) { (_, row) throws(Never) in
                    for i in 0..<features {
                        var sum = 0.0
                        for o in 0..<outputs { sum += Double(gy[row * outputs + o]) * Double(w[o * features + i]) }
                        gxp[row * features + i] = Float(sum)
                    }
                }
                gradInput = gx
            }
            var gradWeight: Tensor?
            if weight.requiresGrad {
                let gw = Tensor.empty(weight.shape)
                let gwp = gw.pointer
                parallelFor(outputs) { (_, o) throws(Never) in
                    for i in 0..<features {
                        var sum = 0.0
                        for row in 0..<n { sum += Double(gy[row * outputs + o]) * Double(x[row * features + i]) }
                        gwp[o * features + i] = Float(sum)
                    }
                }
                gradWeight = gw
            }
            var grads: [Tensor?] = [gradInput, gradWeight]
            if bias != nil {
                let gb = Tensor.empty([outputs])
                for o in 0..<outputs {
                    var sum = 0.0
                    for row in 0..<n { sum += Double(gy[row * outputs + o]) }
                    gb.pointer[o] = Float(sum)
                }
                grads.append(gb)
            }
            return grads
        }
    }
}

/// Σ a[k]·b[k] in double precision, four accumulators.
private func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var k = 0
    while k + 4 <= count {
        s0 += Double(a[k]) * Double(b[k])
        s1 += Double(a[k + 1]) * Double(b[k + 1])
        s2 += Double(a[k + 2]) * Double(b[k + 2])
        s3 += Double(a[k + 3]) * Double(b[k + 3])
        k += 4
    }
    while k < count {
        s0 += Double(a[k]) * Double(b[k])
        k += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// A fully connected layer, PyTorch's `nn.Linear` (Keras' `Dense` without its activation).
///
/// - Input: `[batch, inputFeatures]` (flatten an NHWC map first with ``Flatten``).
/// - Output: `[batch, outputFeatures]`.
/// - Parameters (keys): `weight` `[outputFeatures, inputFeatures]` (PyTorch's layout; Keras
///   stores the transpose) and, when `bias` is true, `bias` `[outputFeatures]`.
///
/// Weights start at zero; ``Module/initialize(_:using:)`` treats the weight as the reference's
/// `init_weights` treats a `Linear` (the scheme's kind and gain, bias 0). Plain loops: meant for
/// small heads (a classifier's last layer), not large matrix products.
public final class Linear: Module, UnaryLayer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// `[outputFeatures, inputFeatures]`.
    public let weight: Tensor
    /// `[outputFeatures]`, or nil without bias.
    public let bias: Tensor?

    /// - Parameters:
    ///   - inputFeatures: length of each input vector.
    ///   - outputFeatures: length of each output vector.
    ///   - bias: whether to add a learned bias (default true, as PyTorch and Keras).
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) throws {
        guard inputFeatures >= 1, outputFeatures >= 1 else {
            throw NNError.invalidArgument(what: "Linear", message: "inputFeatures and outputFeatures must be ≥ 1, got \(inputFeatures), \(outputFeatures)")
        }
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = Tensor.zeros([outputFeatures, inputFeatures])
        self.bias = bias ? Tensor.zeros([outputFeatures]) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard input.rank == 2, input.shape[1] == inputFeatures else {
            throw NNError.badInput(layer: layerDescription, shape: input.shape,
                                   message: "expected [batch, \(inputFeatures)] (flatten images first)")
        }
        return try Tensor.linear(input, weight: weight, bias: bias)
    }

    public override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        try scheme.initializeWeight(weight, using: &rng)
        if let bias { Initializers.constant(bias, 0) }
    }

    public override var layerDescription: String {
        "Linear(\(inputFeatures) → \(outputFeatures)\(bias == nil ? ", no bias" : ""))"
    }
}

/// Flattens every axis but the first: `[batch, d1, d2, …]` → `[batch, d1·d2·…]`, in storage
/// order (for NHWC images: height, then width, then channels, as Keras' `Flatten` on
/// channels-last data). No parameters; shares storage.
public final class Flatten: Module, UnaryLayer {
    public override init() { super.init() }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard input.rank >= 1, let batch = input.shape.first else {
            throw NNError.badInput(layer: "Flatten", shape: input.shape, message: "expected a batch [batch, …]")
        }
        return try input.reshaped([batch, input.count / max(1, batch)])
    }
}
