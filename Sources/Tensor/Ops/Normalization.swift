extension Tensor {
    /// Batch normalisation over NHWC input (PyTorch's `BatchNorm2d` semantics), on oneDNN.
    ///
    /// `y = (x − μ) / √(σ² + eps) · weight + bias` per channel. In training, μ and σ² are the batch
    /// statistics over N·H·W (biased σ² for normalising) and the running statistics are updated in
    /// place: `running = (1 − momentum)·running + momentum·batch`, with the *unbiased* variance
    /// `σ²·n/(n − 1)`. In eval (`training == false`) the running statistics are used and not changed.
    ///
    /// - Parameters:
    ///   - input: NHWC `[N, H, W, C]`.
    ///   - weight, bias: `[C]` each, or nil for no scale / no shift.
    ///   - runningMean, runningVar: `[C]` buffers (not differentiated).
    /// - Throws: `TensorError` naming the shapes for a wrong rank or channel count, momentum outside
    ///   [0, 1], eps ≤ 0, or training with a single value per channel.
    public static func batchNorm(_ input: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                                 training: Bool, momentum: Float, eps: Float) throws -> Tensor {
        let op = "batchNorm"
        let (n, h, w, c) = try batchNormShape(op, input, weight, bias, runningMean, runningVar, momentum, eps)
        let count = n * h * w
        if training, count <= 1 {
            throw TensorError.invalidArgument(
                op: op, message: "training needs more than one value per channel, input \(input.shape) has \(count) "
                    + "(use a larger batch or image, eval mode, or instance norm)")
        }
        let inputs = [input] + [weight, bias].compactMap { $0 }
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let s = DNNLBatchNorm.Shape(n: n, h: h, w: w, c: c, eps: eps, scale: weight != nil, shift: bias != nil,
                                    globalStats: !training, op: op)
        let out = Tensor.empty(input.shape)
        // Batch statistics (training) or a snapshot of the running ones (eval) for the backward pass.
        let mean = training ? Tensor.empty([c]) : runningMean.copy()
        let variance = training ? Tensor.empty([c]) : runningVar.copy()
        let rt = try DNNLRuntime.shared()
        try rt.run {
            try DNNLBatchNorm.forward(rt, s, training: training || recording, src: input.pointer, dst: out.pointer,
                                      scale: weight?.pointer, shift: bias?.pointer,
                                      mean: mean.pointer, variance: variance.pointer)
        }
        if training {
            let rm = runningMean.pointer, rv = runningVar.pointer, bm = mean.pointer, bv = variance.pointer
            let unbias = Float(count) / Float(count - 1)
            for i in 0..<c {
                rm[i] = (1 - momentum) * rm[i] + momentum * bm[i]
                rv[i] = (1 - momentum) * rv[i] + momentum * bv[i] * unbias
            }
        }
        return record(out, op: op, inputs: inputs, readsOutput: false) { gradOutput, _ in
            let gradInput = Tensor.empty(input.shape)
            let gradWeight = weight.map { Tensor.empty($0.shape) }
            let gradBias = bias.map { Tensor.empty($0.shape) }
            try rt.run {
                try DNNLBatchNorm.backward(rt, s, src: input.pointer, diffDst: gradOutput.pointer,
                                           mean: mean.pointer, variance: variance.pointer, scale: weight?.pointer, shift: bias?.pointer,
                                           diffSrc: gradInput.pointer, diffScale: gradWeight?.pointer,
                                           diffShift: gradBias?.pointer)
            }
            let present: [Tensor] = [gradWeight, gradBias].compactMap { $0 }
            return [gradInput] + present
        }
    }

    /// Instance normalisation over NHWC input (PyTorch's `InstanceNorm2d`, `track_running_stats=False`).
    ///
    /// Each sample's channels are normalised with their own mean and biased variance over H·W, then
    /// scaled and shifted by `weight` / `bias` (`[C]` each, or nil). Runs oneDNN batch normalisation
    /// once per sample. Throws for a wrong rank or channel count, eps ≤ 0, or H·W = 1.
    public static func instanceNorm(_ input: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        let op = "instanceNorm"
        let (n, h, w, c) = try normalizationShape(op, input, weight, bias, eps)
        guard h * w > 1 else {
            throw TensorError.invalidArgument(
                op: op, message: "needs more than one spatial element per channel, input \(input.shape) has \(h * w)")
        }
        let inputs = [input] + [weight, bias].compactMap { $0 }
        let s = DNNLBatchNorm.Shape(n: 1, h: h, w: w, c: c, eps: eps, scale: weight != nil, shift: bias != nil,
                                    globalStats: false, op: op)
        let out = Tensor.empty(input.shape)
        let means = Tensor.empty([n, c]), variances = Tensor.empty([n, c])
        let sample = h * w * c
        let rt = try DNNLRuntime.shared()
        try rt.run {
            for i in 0..<n {
                try DNNLBatchNorm.forward(rt, s, training: true, src: input.pointer + i * sample,
                                          dst: out.pointer + i * sample, scale: weight?.pointer, shift: bias?.pointer,
                                          mean: means.pointer + i * c, variance: variances.pointer + i * c)
            }
        }
        return record(out, op: op, inputs: inputs, readsOutput: false) { gradOutput, _ in
            let gradInput = Tensor.empty(input.shape)
            let gradWeight = weight.map { _ in Tensor.zeros([c]) }
            let gradBias = bias.map { _ in Tensor.zeros([c]) }
            let partWeight = Tensor.empty([c]), partBias = Tensor.empty([c])
            try rt.run {
                for i in 0..<n {
                    try DNNLBatchNorm.backward(rt, s, src: input.pointer + i * sample, diffDst: gradOutput.pointer + i * sample,
                                               mean: means.pointer + i * c, variance: variances.pointer + i * c,
                                               scale: weight?.pointer, shift: bias?.pointer, diffSrc: gradInput.pointer + i * sample,
                                               diffScale: partWeight.pointer, diffShift: partBias.pointer)
                    // The affine parameters are shared by all samples: their gradients add up.
                    if let gradWeight { ck_accumulate(gradWeight, partWeight) }
                    if let gradBias { ck_accumulate(gradBias, partBias) }
                }
            }
            let present: [Tensor] = [gradWeight, gradBias].compactMap { $0 }
            return [gradInput] + present
        }
    }

    /// Validates a normalisation's input and affine parameters; returns (N, H, W, C).
    /// ``normalizationShape(_:_:_:_:_:)`` plus batch norm's running statistics (one value per
    /// channel) and momentum (in [0, 1]).
    static func batchNormShape(_ op: String, _ input: Tensor, _ weight: Tensor?, _ bias: Tensor?, _ runningMean: Tensor,
                               _ runningVar: Tensor, _ momentum: Float, _ eps: Float) throws -> (Int, Int, Int, Int) {
        let (n, h, w, c) = try normalizationShape(op, input, weight, bias, eps)
        for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar)] where t.shape != [c] {
            throw TensorError.shapeMismatch(op: op, expected: [c], got: t.shape,
                                            hint: "\(name) must hold one value per channel of input \(input.shape)")
        }
        guard momentum >= 0, momentum <= 1 else {
            throw TensorError.invalidArgument(op: op, message: "momentum must be in [0, 1], got \(momentum)")
        }
        return (n, h, w, c)
    }

    static func normalizationShape(_ op: String, _ input: Tensor, _ weight: Tensor?, _ bias: Tensor?,
                                           _ eps: Float) throws -> (Int, Int, Int, Int) {
        guard input.rank == 4 else {
            throw TensorError.invalidArgument(op: op, message: "input must be NHWC [N, H, W, C], got shape \(input.shape)")
        }
        guard input.shape.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, message: "input shape \(input.shape) has an empty axis")
        }
        let c = input.shape[3]
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.shape != [c] {
                throw TensorError.shapeMismatch(op: op, expected: [c], got: t.shape,
                                                hint: "\(name) must hold one value per channel of input \(input.shape)")
            }
        }
        guard eps > 0, eps.isFinite else {
            throw TensorError.invalidArgument(op: op, message: "eps must be a positive number, got \(eps)")
        }
        return (input.shape[0], input.shape[1], input.shape[2], c)
    }
}
