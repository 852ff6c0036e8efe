extension Tensor {
    /// 2-D convolution (cross-correlation, as PyTorch's `Conv2d`) on oneDNN.
    ///
    /// - Parameters:
    ///   - input: NHWC `[N, H, W, Cin]`.
    ///   - weight: OIHW `[Cout, Cin, kh, kw]` (PyTorch's `Conv2d.weight` layout).
    ///   - bias: `[Cout]` or nil.
    ///   - stride, padding: the same on both spatial axes; zero padding.
    /// - Returns: NHWC `[N, ⌊(H + 2p − kh)/s⌋ + 1, ⌊(W + 2p − kw)/s⌋ + 1, Cout]`.
    /// - Throws: `TensorError` naming the shapes when ranks, channels or the output size are wrong,
    ///   `.backend` when oneDNN fails.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
        let g = try ConvGeometry(transposed: false, op: "conv2d", input: input.shape, weight: weight.shape,
                                 bias: bias?.shape, stride: stride, padding: padding)
        return try convolution(g, input: input, weight: weight, bias: bias)
    }

    /// 2-D transposed convolution (PyTorch's `ConvTranspose2d`, no output padding) on oneDNN deconvolution.
    ///
    /// - Parameters:
    ///   - input: NHWC `[N, H, W, Cin]`.
    ///   - weight: IOHW `[Cin, Cout, kh, kw]` (PyTorch's `ConvTranspose2d.weight` layout).
    ///   - bias: `[Cout]` or nil.
    /// - Returns: NHWC `[N, (H − 1)·s − 2p + kh, (W − 1)·s − 2p + kw, Cout]`.
    public static func convTranspose2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
        let g = try ConvGeometry(transposed: true, op: "convTranspose2d", input: input.shape, weight: weight.shape,
                                 bias: bias?.shape, stride: stride, padding: padding)
        return try convolution(g, input: input, weight: weight, bias: bias)
    }

    private static func convolution(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        let training = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        // The precision is fixed at forward time: backward runs in the same one.
        // Eval-mode passes over module weights read cached copies, so small layers pay for bf16 too.
        let cachedWeights = DNNLConvolution.inferenceReadsCachedWeights(training: training, weight: weight)
        let bf16 = Precision.current == .bf16 && (cachedWeights || DNNLConvolution.bf16Pays(g))
        if Precision.current == .bf16 { try Precision.bf16.requireAvailable() }
        // The weights in oneDNN's layout are cached per weight version (DNNLRuntime.derivedWeights), so
        // backward-data finds the forward's copy when it wants the same layout.
        // Under bf16, the input's bf16 copy is kept for backward-weights (as autocast saves it).
        let keepSource = training && bf16 && DNNLConvolution.bf16BackwardWeights(g)
            && (weight.requiresGrad || bias?.requiresGrad == true)
        let (out, kept) = try DNNLConvolution.forward(g, input: input, weight: weight, bias: bias, training: training,
                                                      bf16: bf16, cachedWeights: cachedWeights, keepSource: keepSource)
        var source = kept
        return record(out, op: g.opName, inputs: inputs, readsOutput: false) { gradOutput, _ in
            let needWeights = weight.requiresGrad || bias?.requiresGrad == true
            // Under bf16 the output gradient is converted once for both backward passes.
            let bf16Weights = bf16 && DNNLConvolution.bf16BackwardWeights(g)
            var converted: DNNLMemory?
            if bf16Weights, input.requiresGrad, needWeights {
                let rt = try DNNLRuntime.shared()
                converted = try rt.run { try DNNLConvolution.gradOutputMemory(rt, g, gradOutput, bf16: true) }
            }
            var gradInput: Tensor?
            if input.requiresGrad {
                gradInput = try DNNLConvolution.backwardData(g, gradOutput: gradOutput, weight: weight, bf16: bf16,
                                                             gradOutputMemory: converted)
            }
            var gradWeight: Tensor?, gradBias: Tensor?
            if needWeights {
                (gradWeight, gradBias) = try DNNLConvolution.backwardWeights(g, input: input, gradOutput: gradOutput,
                                                                              bias: bias != nil, bf16: bf16Weights,
                                                                              gradOutputMemory: converted, sourceMemory: source)
            }
            source = nil  // the bf16 copy goes back to the pool
            return bias == nil ? [gradInput, gradWeight] : [gradInput, gradWeight, gradBias]
        }
    }

    // MARK: the backward passes on their own (benchmarks, tests against the reference kernels)

    /// dL/dinput of ``conv2d(_:weight:bias:stride:padding:)`` for a given dL/doutput (oneDNN).
    public static func conv2dBackwardData(_ gradOutput: Tensor, weight: Tensor, inputShape: [Int],
                                          stride: Int, padding: Int) throws -> Tensor {
        let op = "conv2dBackwardData"
        let g = try ConvGeometry(transposed: false, op: op, input: inputShape, weight: weight.shape, bias: nil,
                                 stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        return try DNNLConvolution.backwardData(g, gradOutput: gradOutput, weight: weight)
    }

    /// dL/dweight (OIHW) and, when `bias`, dL/dbias of ``conv2d(_:weight:bias:stride:padding:)`` (oneDNN).
    public static func conv2dBackwardWeights(_ input: Tensor, gradOutput: Tensor, weightShape: [Int], bias: Bool,
                                             stride: Int, padding: Int) throws -> (weight: Tensor, bias: Tensor?) {
        let op = "conv2dBackwardWeights"
        let g = try ConvGeometry(transposed: false, op: op, input: input.shape, weight: weightShape, bias: nil,
                                 stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        return try DNNLConvolution.backwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
    }

    /// dL/dinput of ``convTranspose2d(_:weight:bias:stride:padding:)`` for a given dL/doutput (oneDNN).
    public static func convTranspose2dBackwardData(_ gradOutput: Tensor, weight: Tensor, inputShape: [Int],
                                                   stride: Int, padding: Int) throws -> Tensor {
        let op = "convTranspose2dBackwardData"
        let g = try ConvGeometry(transposed: true, op: op, input: inputShape, weight: weight.shape, bias: nil,
                                 stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        return try DNNLConvolution.backwardData(g, gradOutput: gradOutput, weight: weight)
    }

    /// dL/dweight (IOHW) and, when `bias`, dL/dbias of ``convTranspose2d(_:weight:bias:stride:padding:)`` (oneDNN).
    public static func convTranspose2dBackwardWeights(_ input: Tensor, gradOutput: Tensor, weightShape: [Int], bias: Bool,
                                                      stride: Int, padding: Int) throws -> (weight: Tensor, bias: Tensor?) {
        let op = "convTranspose2dBackwardWeights"
        let g = try ConvGeometry(transposed: true, op: op, input: input.shape, weight: weightShape, bias: nil,
                                 stride: stride, padding: padding)
        try g.checkOutput(gradOutput.shape, op: op, what: "gradOutput")
        return try DNNLConvolution.backwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
    }
}
