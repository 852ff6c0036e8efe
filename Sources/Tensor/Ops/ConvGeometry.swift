/// The shapes of one (transposed) convolution, validated once and shared by the oneDNN kernels,
/// the reference kernels and the backward rules.
///
/// Activations are NHWC. Weights are PyTorch's layouts: OIHW `[outC, inC, kh, kw]` for a
/// convolution, IOHW `[inC, outC, kh, kw]` for a transposed convolution. Output extents:
/// convolution `⌊(in + 2p − k) / s⌋ + 1`, transposed `(in − 1)·s − 2p + k`.
struct ConvGeometry: CustomStringConvertible {
    let transposed: Bool
    let batch: Int
    let inC: Int, inH: Int, inW: Int
    let outC: Int, outH: Int, outW: Int
    let kh: Int, kw: Int
    let stride: Int, padding: Int

    var inputShape: [Int] { [batch, inH, inW, inC] }
    var outputShape: [Int] { [batch, outH, outW, outC] }
    /// The weight tensor's shape in PyTorch's layout.
    var weightShape: [Int] { transposed ? [inC, outC, kh, kw] : [outC, inC, kh, kw] }
    var opName: String { transposed ? "convTranspose2d" : "conv2d" }

    /// Multiply-adds × 2 of one pass (forward, backward-data and backward-weights cost the same).
    var flops: Double {
        transposed ? 2 * Double(batch * inH * inW) * Double(inC * outC * kh * kw)
                   : 2 * Double(batch * outH * outW) * Double(inC * outC * kh * kw)
    }

    /// A cache key naming every parameter the primitives depend on.
    var key: String {
        "\(transposed ? "deconv" : "conv")|\(batch),\(inC),\(inH),\(inW)|\(outC),\(outH),\(outW)|\(kh)x\(kw)|s\(stride)|p\(padding)"
    }

    var description: String {
        "\(opName)(input \(inputShape), weight \(weightShape), stride \(stride), padding \(padding)) → \(outputShape)"
    }

    /// Validates an op's arguments; every error names the op and the shapes involved.
    init(transposed: Bool, op: String, input: [Int], weight: [Int], bias: [Int]?, stride: Int, padding: Int) throws {
        let layout = transposed ? "IOHW [inC, outC, kh, kw]" : "OIHW [outC, inC, kh, kw]"
        guard input.count == 4 else {
            throw TensorError.invalidArgument(op: op, message: "input must be NHWC [N, H, W, C], got shape \(input)")
        }
        guard weight.count == 4 else {
            throw TensorError.invalidArgument(op: op, message: "weight must be \(layout), got shape \(weight)")
        }
        guard input.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, message: "input shape \(input) has an empty axis")
        }
        guard weight.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, message: "weight shape \(weight) has an empty axis")
        }
        guard stride >= 1 else {
            throw TensorError.invalidArgument(op: op, message: "stride must be ≥ 1, got \(stride) (input \(input), weight \(weight))")
        }
        guard padding >= 0 else {
            throw TensorError.invalidArgument(op: op, message: "padding must be ≥ 0, got \(padding) (input \(input), weight \(weight))")
        }
        let inC = input[3]
        let weightInC = transposed ? weight[0] : weight[1]
        let outC = transposed ? weight[1] : weight[0]
        guard inC == weightInC else {
            throw TensorError.shapeMismatch(
                op: op, expected: transposed ? [inC, outC, weight[2], weight[3]] : [outC, inC, weight[2], weight[3]],
                got: weight,
                hint: "input \(input) has \(inC) channels but weight \(weight) (\(layout)) expects \(weightInC)")
        }
        if let bias, bias != [outC] {
            throw TensorError.shapeMismatch(op: op, expected: [outC], got: bias,
                                            hint: "bias must have one value per output channel of weight \(weight)")
        }
        let kh = weight[2], kw = weight[3]
        let outH: Int, outW: Int
        if transposed {
            outH = (input[1] - 1) * stride - 2 * padding + kh
            outW = (input[2] - 1) * stride - 2 * padding + kw
        } else {
            let spanH = input[1] + 2 * padding - kh, spanW = input[2] + 2 * padding - kw
            outH = spanH >= 0 ? spanH / stride + 1 : 0
            outW = spanW >= 0 ? spanW / stride + 1 : 0
        }
        guard outH > 0, outW > 0 else {
            throw TensorError.invalidArgument(
                op: op, message: "input \(input) with kernel \(kh)×\(kw), stride \(stride), padding \(padding) gives an "
                    + "empty output (\(outH)×\(outW)); use a larger input or a smaller kernel / padding")
        }
        self.transposed = transposed
        batch = input[0]
        self.inC = inC; inH = input[1]; inW = input[2]
        self.outC = outC; self.outH = outH; self.outW = outW
        self.kh = kh; self.kw = kw
        self.stride = stride; self.padding = padding
    }

    /// Checks a gradient (or any tensor) against the output shape.
    func checkOutput(_ shape: [Int], op: String, what: String) throws {
        guard shape == outputShape else {
            throw TensorError.shapeMismatch(op: op, expected: outputShape, got: shape,
                                            hint: "\(what) must have the output shape of \(self)")
        }
    }

    func checkInput(_ shape: [Int], op: String, what: String) throws {
        guard shape == inputShape else {
            throw TensorError.shapeMismatch(op: op, expected: inputShape, got: shape,
                                            hint: "\(what) must have the input shape of \(self)")
        }
    }
}
