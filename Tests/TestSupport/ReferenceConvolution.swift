import Tensor

/// Portable, plain-Swift convolution kernels: the test oracle for the oneDNN kernels.
///
/// Written straight from the definitions (direct loops, Double accumulation), slow on purpose
/// and independent of oneDNN and of the library's own shape arithmetic (``Geometry`` restates
/// PyTorch's output-size formulas). Layouts match the ops: activations NHWC, convolution weights
/// OIHW `[outC, inC, kh, kw]`, transposed-convolution weights IOHW `[inC, outC, kh, kw]`. None of
/// these record gradients. Shapes the ops would reject throw ``TensorError``, so that a test cannot
/// compare against a result computed from mismatched shapes.
public enum Reference {
    // MARK: convolution

    /// out[n, y, x, o] = bias[o] + Σ_{i, ky, kx} input[n, y·s − p + ky, x·s − p + kx, i] · weight[o, i, ky, kx]
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
        let g = try Geometry(transposed: false, op: "Reference.conv2d", input: input.shape, weight: weight.shape,
                             bias: bias?.shape, stride: stride, padding: padding)
        let out = Tensor.empty(g.outputShape)
        let x = input.pointer, w = weight.pointer, y = out.pointer, b = bias?.pointer
        for n in 0..<g.batch {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    for o in 0..<g.outC {
                        var acc = Double(b?[o] ?? 0)
                        for ky in 0..<g.kh {
                            let iy = oy * g.stride - g.padding + ky
                            if iy < 0 || iy >= g.inH { continue }
                            for kx in 0..<g.kw {
                                let ix = ox * g.stride - g.padding + kx
                                if ix < 0 || ix >= g.inW { continue }
                                let xRow = x + ((n * g.inH + iy) * g.inW + ix) * g.inC
                                for i in 0..<g.inC {
                                    acc += Double(xRow[i]) * Double(w[((o * g.inC + i) * g.kh + ky) * g.kw + kx])
                                }
                            }
                        }
                        y[((n * g.outH + oy) * g.outW + ox) * g.outC + o] = Float(acc)
                    }
                }
            }
        }
        return out
    }

    /// dL/dinput of ``conv2d(_:weight:bias:stride:padding:)``: every output gradient scattered back
    /// through the weights to the input positions it read.
    public static func conv2dBackwardData(_ gradOutput: Tensor, weight: Tensor, inputShape: [Int],
                                          stride: Int, padding: Int) throws -> Tensor {
        let op = "Reference.conv2dBackwardData"
        let g = try Geometry(transposed: false, op: op, input: inputShape, weight: weight.shape, bias: nil,
                             stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        var acc = [Double](repeating: 0, count: inputShape.reduce(1, *))
        let gy = gradOutput.pointer, w = weight.pointer
        acc.withUnsafeMutableBufferPointer { dx in
            for n in 0..<g.batch {
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        for o in 0..<g.outC {
                            let go = Double(gy[((n * g.outH + oy) * g.outW + ox) * g.outC + o])
                            for ky in 0..<g.kh {
                                let iy = oy * g.stride - g.padding + ky
                                if iy < 0 || iy >= g.inH { continue }
                                for kx in 0..<g.kw {
                                    let ix = ox * g.stride - g.padding + kx
                                    if ix < 0 || ix >= g.inW { continue }
                                    let base = ((n * g.inH + iy) * g.inW + ix) * g.inC
                                    for i in 0..<g.inC {
                                        dx[base + i] += go * Double(w[((o * g.inC + i) * g.kh + ky) * g.kw + kx])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return tensor(inputShape, acc)
    }

    /// dL/dweight (OIHW) and, when `bias`, dL/dbias of ``conv2d(_:weight:bias:stride:padding:)``.
    public static func conv2dBackwardWeights(_ input: Tensor, gradOutput: Tensor, weightShape: [Int], bias: Bool,
                                             stride: Int, padding: Int) throws -> (weight: Tensor, bias: Tensor?) {
        let op = "Reference.conv2dBackwardWeights"
        let g = try Geometry(transposed: false, op: op, input: input.shape, weight: weightShape, bias: nil,
                             stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        var dw = [Double](repeating: 0, count: weightShape.reduce(1, *))
        var db = [Double](repeating: 0, count: g.outC)
        let x = input.pointer, gy = gradOutput.pointer
        dw.withUnsafeMutableBufferPointer { dw in
            db.withUnsafeMutableBufferPointer { db in
                for n in 0..<g.batch {
                    for oy in 0..<g.outH {
                        for ox in 0..<g.outW {
                            for o in 0..<g.outC {
                                let go = Double(gy[((n * g.outH + oy) * g.outW + ox) * g.outC + o])
                                db[o] += go
                                for ky in 0..<g.kh {
                                    let iy = oy * g.stride - g.padding + ky
                                    if iy < 0 || iy >= g.inH { continue }
                                    for kx in 0..<g.kw {
                                        let ix = ox * g.stride - g.padding + kx
                                        if ix < 0 || ix >= g.inW { continue }
                                        let xRow = x + ((n * g.inH + iy) * g.inW + ix) * g.inC
                                        for i in 0..<g.inC {
                                            dw[((o * g.inC + i) * g.kh + ky) * g.kw + kx] += go * Double(xRow[i])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (tensor(weightShape, dw), bias ? tensor([g.outC], db) : nil)
    }

    // MARK: transposed convolution

    /// out[n, y·s − p + ky, x·s − p + kx, o] += input[n, y, x, i] · weight[i, o, ky, kx], plus bias[o].
    public static func convTranspose2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
        let g = try Geometry(transposed: true, op: "Reference.convTranspose2d", input: input.shape,
                             weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
        var acc = [Double](repeating: 0, count: g.outputShape.reduce(1, *))
        let x = input.pointer, w = weight.pointer
        acc.withUnsafeMutableBufferPointer { y in
            for n in 0..<g.batch {
                for iy in 0..<g.inH {
                    for ix in 0..<g.inW {
                        let xRow = x + ((n * g.inH + iy) * g.inW + ix) * g.inC
                        for ky in 0..<g.kh {
                            let oy = iy * g.stride - g.padding + ky
                            if oy < 0 || oy >= g.outH { continue }
                            for kx in 0..<g.kw {
                                let ox = ix * g.stride - g.padding + kx
                                if ox < 0 || ox >= g.outW { continue }
                                let base = ((n * g.outH + oy) * g.outW + ox) * g.outC
                                for i in 0..<g.inC {
                                    let xi = Double(xRow[i])
                                    for o in 0..<g.outC {
                                        y[base + o] += xi * Double(w[((i * g.outC + o) * g.kh + ky) * g.kw + kx])
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let b = bias?.pointer {
                for p in 0..<(g.batch * g.outH * g.outW) {
                    for o in 0..<g.outC { y[p * g.outC + o] += Double(b[o]) }
                }
            }
        }
        return tensor(g.outputShape, acc)
    }

    /// dL/dinput of ``convTranspose2d(_:weight:bias:stride:padding:)``: each input position gathers the
    /// output gradients it was scattered to.
    public static func convTranspose2dBackwardData(_ gradOutput: Tensor, weight: Tensor, inputShape: [Int],
                                                   stride: Int, padding: Int) throws -> Tensor {
        let op = "Reference.convTranspose2dBackwardData"
        let g = try Geometry(transposed: true, op: op, input: inputShape, weight: weight.shape, bias: nil,
                             stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        let out = Tensor.empty(inputShape)
        let gy = gradOutput.pointer, w = weight.pointer, dx = out.pointer
        for n in 0..<g.batch {
            for iy in 0..<g.inH {
                for ix in 0..<g.inW {
                    for i in 0..<g.inC {
                        var acc = 0.0
                        for ky in 0..<g.kh {
                            let oy = iy * g.stride - g.padding + ky
                            if oy < 0 || oy >= g.outH { continue }
                            for kx in 0..<g.kw {
                                let ox = ix * g.stride - g.padding + kx
                                if ox < 0 || ox >= g.outW { continue }
                                let gRow = gy + ((n * g.outH + oy) * g.outW + ox) * g.outC
                                for o in 0..<g.outC {
                                    acc += Double(gRow[o]) * Double(w[((i * g.outC + o) * g.kh + ky) * g.kw + kx])
                                }
                            }
                        }
                        dx[((n * g.inH + iy) * g.inW + ix) * g.inC + i] = Float(acc)
                    }
                }
            }
        }
        return out
    }

    /// dL/dweight (IOHW) and, when `bias`, dL/dbias of ``convTranspose2d(_:weight:bias:stride:padding:)``.
    public static func convTranspose2dBackwardWeights(_ input: Tensor, gradOutput: Tensor, weightShape: [Int], bias: Bool,
                                                      stride: Int, padding: Int) throws -> (weight: Tensor, bias: Tensor?) {
        let op = "Reference.convTranspose2dBackwardWeights"
        let g = try Geometry(transposed: true, op: op, input: input.shape, weight: weightShape, bias: nil,
                             stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        var dw = [Double](repeating: 0, count: weightShape.reduce(1, *))
        var db = [Double](repeating: 0, count: g.outC)
        let x = input.pointer, gy = gradOutput.pointer
        dw.withUnsafeMutableBufferPointer { dw in
            for n in 0..<g.batch {
                for iy in 0..<g.inH {
                    for ix in 0..<g.inW {
                        let xRow = x + ((n * g.inH + iy) * g.inW + ix) * g.inC
                        for ky in 0..<g.kh {
                            let oy = iy * g.stride - g.padding + ky
                            if oy < 0 || oy >= g.outH { continue }
                            for kx in 0..<g.kw {
                                let ox = ix * g.stride - g.padding + kx
                                if ox < 0 || ox >= g.outW { continue }
                                let gRow = gy + ((n * g.outH + oy) * g.outW + ox) * g.outC
                                for i in 0..<g.inC {
                                    let xi = Double(xRow[i])
                                    for o in 0..<g.outC {
                                        dw[((i * g.outC + o) * g.kh + ky) * g.kw + kx] += xi * Double(gRow[o])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if bias {
            db.withUnsafeMutableBufferPointer { db in
                for p in 0..<(g.batch * g.outH * g.outW) {
                    for o in 0..<g.outC { db[o] += Double(gy[p * g.outC + o]) }
                }
            }
        }
        return (tensor(weightShape, dw), bias ? tensor([g.outC], db) : nil)
    }

    /// The shapes of one convolution, validated: PyTorch's `Conv2d` / `ConvTranspose2d` output
    /// sizes (no dilation, no output padding), written out here rather than taken from the library.
    struct Geometry {
        let batch: Int, inH: Int, inW: Int, inC: Int
        let outH: Int, outW: Int, outC: Int
        let kh: Int, kw: Int, stride: Int, padding: Int
        var outputShape: [Int] { [batch, outH, outW, outC] }

        init(transposed: Bool, op: String, input: [Int], weight: [Int], bias: [Int]?, stride: Int, padding: Int) throws {
            guard input.count == 4, weight.count == 4, (input + weight).allSatisfy({ $0 > 0 }) else {
                throw TensorError.invalidArgument(op: op, message: "input \(input) must be NHWC and weight \(weight) "
                                                  + (transposed ? "IOHW" : "OIHW") + ", all axes non-empty")
            }
            guard stride >= 1, padding >= 0 else {
                throw TensorError.invalidArgument(op: op, message: "stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
            }
            // OIHW: weight[1] input channels, weight[0] output channels; IOHW the other way round.
            let (wIn, wOut) = transposed ? (weight[0], weight[1]) : (weight[1], weight[0])
            guard input[3] == wIn else {
                throw TensorError.shapeMismatch(op: op, expected: [wIn], got: [input[3]],
                                                hint: "input \(input) channels against weight \(weight)")
            }
            if let bias, bias != [wOut] {
                throw TensorError.shapeMismatch(op: op, expected: [wOut], got: bias, hint: "one bias per output channel")
            }
            func size(_ n: Int, _ k: Int) -> Int {
                transposed ? (n - 1) * stride - 2 * padding + k            // ConvTranspose2d
                           : n + 2 * padding < k ? 0 : (n + 2 * padding - k) / stride + 1  // Conv2d
            }
            (batch, inH, inW, inC) = (input[0], input[1], input[2], input[3])
            (outH, outW, outC) = (size(input[1], weight[2]), size(input[2], weight[3]), wOut)
            (kh, kw, self.stride, self.padding) = (weight[2], weight[3], stride, padding)
            guard outH > 0, outW > 0 else {
                throw TensorError.invalidArgument(op: op, message: "input \(input) and weight \(weight) give an empty output")
            }
        }

        func checkOutput(_ shape: [Int], op: String, what: String) throws {
            guard shape == outputShape else {
                throw TensorError.shapeMismatch(op: op, expected: outputShape, got: shape,
                                                hint: "\(what) must have the output shape")
            }
        }
    }

    private static func tensor(_ shape: [Int], _ values: [Double]) -> Tensor {
        let t = Tensor.empty(shape)
        let p = t.pointer
        values.withUnsafeBufferPointer { v in
            for i in 0..<v.count { p[i] = Float(v[i]) }
        }
        return t
    }
}
