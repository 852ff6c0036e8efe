import COneDNN

/// Stride-1 backward-data as a forward convolution over flipped weights: ``Path/flipped``.
extension DNNLConvolution {
    /// The forward convolution that computes a stride-1 convolution's dL/dinput, or nil when `g`
    /// does not qualify.
    ///
    /// For stride 1, dL/dinput = dL/doutput convolved (padding k − 1 − p) with the weights flipped
    /// in both spatial axes and with input and output channels swapped. oneDNN 2.6.3 runs stride-1
    /// backward-data with its older jit kernel at ~130 GF/s on AVX-512 while the forward brgconv
    /// kernel reaches ~230 GF/s (patchgan_70's 256→512 layer: ~30 → ~18 ms per call), so the
    /// rewrite pays for flipping the weights (cached per weight version). Layers with fewer than
    /// 16 channels on a side stay on the direct kernel (too little work to matter).
    static func flippedGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard !g.transposed, g.stride == 1, g.kh == g.kw, g.padding <= g.kh - 1, min(g.inC, g.outC) >= 16 else { return nil }
        return try? ConvGeometry(transposed: false, op: g.opName, input: g.outputShape, weight: [g.inC, g.outC, g.kh, g.kw],
                                 bias: nil, stride: 1, padding: g.kh - 1 - g.padding)
    }

    /// Stride-1 dL/dinput through ``flippedGeometry(_:)``'s forward convolution (same result as the
    /// backward-data kernel up to summation order).
    static func backwardDataAsForward(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor, bf16: Bool = false,
                                      gradOutputMemory given: DNNLMemory? = nil) throws -> Tensor {
        guard let f = flippedGeometry(g) else {
            throw TensorError.invalidArgument(op: g.opName, message: "backward-data as a forward convolution needs stride 1 "
                                              + "and square kernels with padding < kernel size, got \(g)")
        }
        let rt = try DNNLRuntime.shared()
        let gradInput = Tensor.empty(g.inputShape)
        let op = g.opName
        try rt.run {
            let flipped = rt.flippedWeights(weight, outC: g.outC, inC: g.inC, k: g.kh)
            let p = try forwardPrimitive(rt, f, training: false, bias: false, bf16: bf16,
                                         key: "\(g.key)|bwd_data|flipped" + precisionKey(bf16))
            p.flops = g.flops
            // Kept by version (store): a discriminator's weights serve two of the three calls per step unchanged.
            let w = try weightsMemory(rt, plain: plainWeightsDesc(f), flipped, chosen: p.desc(dnnl_query_weights_md),
                                      key: "\(f.key)|bwd_data_flipped\(precisionKey(bf16))|weights_in", op: op, store: true)
            try rt.execute(p, [
                (DNNLArg.src, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
                (DNNLArg.weights, w),
                (DNNLArg.dst, try DNNLMemory(srcDesc(g), gradInput, engine: rt.engine, op: op)),
            ], op: op)
        }
        return gradInput
    }
}
