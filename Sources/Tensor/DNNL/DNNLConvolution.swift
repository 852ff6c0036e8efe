import COneDNN
import Foundation

/// oneDNN convolution and deconvolution (transposed convolution) kernels.
///
/// Activations are passed as NHWC (`dnnl_nhwc`): plain nchw would send deconvolution to
/// oneDNN's reference loop (FACTS.md). Weights are created with `format_tag any`, so oneDNN picks
/// its blocked layout; the plain PyTorch-layout weights (OIHW, or IOHW for deconvolution) are
/// reordered into it, and weight gradients are reordered back. When oneDNN picks the plain layout
/// itself, no reorder happens.
enum DNNLConvolution {
    static func strides2(_ v: Int) -> [Int64] { [Int64(v), Int64(v)] }

    /// The data type of activations and weights as the kernel reads them: f32, or bf16 under
    /// ``Precision/bf16`` (results, gradients written and bias stay f32).
    static func compute(_ bf16: Bool) -> dnnl_data_type_t { bf16 ? dnnl_bf16 : dnnl_f32 }

    /// The plain (PyTorch-layout) weight descriptor in oneDNN's logical [outC, inC, kh, kw] order.
    static func plainWeightsDesc(_ g: ConvGeometry) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.outC, g.inC, g.kh, g.kw], g.transposed ? dnnl_iohw : dnnl_oihw, op: g.opName)
    }

    static func anyWeightsDesc(_ g: ConvGeometry, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.outC, g.inC, g.kh, g.kw], dnnl_format_tag_any, type: type, op: g.opName)
    }

    static func srcDesc(_ g: ConvGeometry, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.batch, g.inC, g.inH, g.inW], dnnl_nhwc, type: type, op: g.opName)
    }

    static func dstDesc(_ g: ConvGeometry, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.batch, g.outC, g.outH, g.outW], dnnl_nhwc, type: type, op: g.opName)
    }

    static func precisionKey(_ bf16: Bool) -> String { bf16 ? "|bf16" : "" }

    /// Whether backward-weights may run in bf16 for this shape. oneDNN 2.6.3's AMX bf16
    /// backward-weights kernel returns wrong weight gradients when a side has fewer than 16
    /// channels (RGB in / out layers: relative error ~1, see BF16ConvolutionTests), so those
    /// layers compute dL/dweight in fp32; they are a small share of the FLOPs.
    static func bf16BackwardWeights(_ g: ConvGeometry) -> Bool { min(g.inC, g.outC) >= 16 }

    /// Whether a layer runs in bf16 under ``Precision/bf16``: only when each weight is used at
    /// ``bf16MinimumPositions`` or more output positions (input positions for deconvolution, times
    /// the batch). Below that the layer is bound by its weights, not by arithmetic: converting
    /// them into oneDNN 2.6.3's bf16 layouts (~4 GB/s, against ~15 GB/s for the f32 ones) costs
    /// more than bf16 saves. unet_256's layers at 8² and below (90 % of its weights, 2 % of its
    /// FLOPs) stay fp32. Measured on the unet_256 bf16 step (profile, quiet machine): weight
    /// reorders 106 → 63 ms, step 521 → 483 ms; thresholds 64 and 1024 were slower than 256.
    static func bf16Pays(_ g: ConvGeometry) -> Bool {
        return g.batch * (g.transposed ? g.inH * g.inW : g.outH * g.outW) >= bf16MinimumPositions
    }

    static let bf16MinimumPositions = 256

    // MARK: primitive descriptors

    static func forwardPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, training: Bool, bias: Bool,
                                 bf16: Bool = false, key given: String? = nil) throws -> DNNLPrimitive {
        let op = g.opName
        let key = given ?? "\(g.key)|fwd|\(training ? "train" : "infer")|b\(bias ? 1 : 0)" + precisionKey(bf16)
        return try rt.primitive(key, op: op) {
            var src = try srcDesc(g, compute(bf16)), weights = try anyWeightsDesc(g, compute(bf16))
            var dst = try dstDesc(g)
            var biasDesc = try DNNLDesc.vector(g.outC, op: op)
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            let prop = training ? dnnl_forward_training : dnnl_forward_inference
            if g.transposed {
                try dnnlCheck(withOptionalPointer(bias, &biasDesc) {
                    dnnl_deconvolution_forward_desc_init(&desc, prop, dnnl_deconvolution_direct, &src, &weights, $0, &dst, s, p, p)
                }, op, "dnnl_deconvolution_forward_desc_init(\(g))")
            } else {
                try dnnlCheck(withOptionalPointer(bias, &biasDesc) {
                    dnnl_convolution_forward_desc_init(&desc, prop, dnnl_convolution_direct, &src, &weights, $0, &dst, s, p, p)
                }, op, "dnnl_convolution_forward_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: nil, op: op, what: "forward primitive for \(g)")
        }
    }

    static func backwardDataPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bf16: Bool = false) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive("\(g.key)|bwd_data" + precisionKey(bf16), op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: false, bf16: bf16)
            var diffSrc = try srcDesc(g), weights = try anyWeightsDesc(g, compute(bf16))
            var diffDst = try dstDesc(g, compute(bf16))
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            if g.transposed {
                try dnnlCheck(dnnl_deconvolution_backward_data_desc_init(&desc, dnnl_deconvolution_direct, &diffSrc, &weights,
                                                                         &diffDst, s, p, p),
                              op, "dnnl_deconvolution_backward_data_desc_init(\(g))")
            } else {
                try dnnlCheck(dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &diffSrc, &weights,
                                                                       &diffDst, s, p, p),
                              op, "dnnl_convolution_backward_data_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: hint.pd, op: op, what: "backward-data primitive for \(g)")
        }
    }

    /// The backward-weights primitive. oneDNN is first asked to write dL/dweight straight into the
    /// plain (PyTorch) layout, which saves reordering the gradient back; when it can do that only
    /// with a reference kernel (oneDNN 2.6 on AVX-512 does), it picks its own layout and the
    /// gradient is reordered.
    static func backwardWeightsPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bias: Bool,
                                         bf16: Bool = false) throws -> DNNLPrimitive {
        let key = "\(g.key)|bwd_weights|b\(bias ? 1 : 0)" + precisionKey(bf16)
        if let cached = rt.cachedPrimitive(key) { return cached }
        if let direct = try? backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16, plain: true, key: key + "|plain"),
           !direct.implementation.hasPrefix("ref") {
            rt.setPrimitive(key, direct)
            return direct
        }
        let p = try backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16, plain: false, key: key + "|any")
        rt.setPrimitive(key, p)
        return p
    }

    static func backwardWeightsPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bias: Bool, bf16: Bool, plain: Bool,
                                         key: String) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive(key, op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: bias, bf16: bf16)
            var src = try srcDesc(g, compute(bf16)), diffWeights = try plain ? plainWeightsDesc(g) : anyWeightsDesc(g)
            var diffDst = try dstDesc(g, compute(bf16))
            var diffBias = try DNNLDesc.vector(g.outC, op: op)
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            if g.transposed {
                try dnnlCheck(withOptionalPointer(bias, &diffBias) {
                    dnnl_deconvolution_backward_weights_desc_init(&desc, dnnl_deconvolution_direct, &src, &diffWeights, $0,
                                                                  &diffDst, s, p, p)
                }, op, "dnnl_deconvolution_backward_weights_desc_init(\(g))")
            } else {
                try dnnlCheck(withOptionalPointer(bias, &diffBias) {
                    dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &src, &diffWeights, $0,
                                                                &diffDst, s, p, p)
                }, op, "dnnl_convolution_backward_weights_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: hint.pd, op: op, what: "backward-weights primitive for \(g)")
        }
    }

    static func createPD(_ desc: inout dnnl_convolution_desc_t, _ rt: DNNLRuntime, hint: dnnl_primitive_desc_t?,
                         op: String, what: String) throws -> dnnl_primitive_desc_t {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, nil, rt.engine, hint), op, "dnnl_primitive_desc_create(\(what))")
        return pd!
    }

    // MARK: weights and activations in the layouts and types the kernels read

    /// The weights as the primitive wants them: the tensor itself when the chosen layout is the
    /// plain f32 one, otherwise a reordered (and, for bf16, converted) copy.
    ///
    /// For weights whose storage tracks versions (module parameters), forward copies are cached
    /// per weight storage and layout (``DNNLRuntime/derivedWeights``)
    /// and reused until the weight's version changes (an optimizer step, `assign`, a load);
    /// backward-data reuses a current forward copy when it wants the same layout.
    static func weightsMemory(_ rt: DNNLRuntime, _ g: ConvGeometry, _ weight: Tensor, chosen: dnnl_memory_desc_t,
                              stage: String) throws -> DNNLMemory {
        let plain = try plainWeightsDesc(g)
        let user = try DNNLMemory(plain, weight, engine: rt.engine, op: g.opName)
        if DNNLDesc.equal(plain, chosen) { return user }
        guard weight.storage.tracksVersions else {
            let reordered = try DNNLMemory(allocating: chosen, engine: rt.engine, op: g.opName)
            try rt.reorder(user, into: reordered, key: "\(g.key)|\(stage)|weights_in", op: g.opName)
            return reordered
        }
        return try rt.derivedWeights(weight.storage, plain: user, chosen: chosen, key: "\(g.key)|\(stage)|weights_in",
                                     op: g.opName, store: stage.hasPrefix("fwd"))
    }

    /// An NHWC activation as memory of `desc`'s type: the tensor itself for f32, else a converted
    /// copy in a pooled buffer. Call inside `rt.run`.
    static func activation(_ rt: DNNLRuntime, _ tensor: Tensor, _ desc: dnnl_memory_desc_t, key: String,
                           op: String) throws -> DNNLMemory {
        let f32 = try DNNLDesc.retyped(desc, dnnl_f32, op: op)
        let user = try DNNLMemory(f32, tensor, engine: rt.engine, op: op)
        if DNNLDesc.equal(f32, desc) { return user }
        let converted = try DNNLMemory(allocating: desc, engine: rt.engine, op: op)
        try rt.reorder(user, into: converted, key: key, op: op)
        return converted
    }

    // MARK: kernels

    /// Forward pass. Under `bf16`, input and weights are converted to bf16; the output is f32.
    /// With `keepSource`, also returns the input as the kernel read it when that is a converted
    /// (bf16) copy, so that backward-weights can reuse it instead of converting again.
    static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?, training: Bool,
                        bf16: Bool = false, keepSource: Bool = false) throws -> (output: Tensor, source: DNNLMemory?) {
        let rt = try DNNLRuntime.shared()
        let out = Tensor.empty(g.outputShape)
        let op = g.opName
        let source: DNNLMemory? = try rt.run {
            let p = try forwardPrimitive(rt, g, training: training, bias: bias != nil, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_weights_md)
            let w = try weightsMemory(rt, g, weight, chosen: chosen,
                                      stage: "fwd\(training ? "train" : "infer")b\(bias != nil ? 1 : 0)" + precisionKey(bf16))
            let src = try activation(rt, input, srcDesc(g, compute(bf16)), key: "\(g.key)|src_in", op: op)
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, src),
                (DNNLArg.weights, w),
                (DNNLArg.dst, try DNNLMemory(dstDesc(g), out, engine: rt.engine, op: op)),
            ]
            if let bias {
                args.append((DNNLArg.bias, try DNNLMemory(DNNLDesc.vector(g.outC, op: op), bias, engine: rt.engine, op: op)))
            }
            try rt.execute(p, args, op: op)
            return keepSource && bf16 ? src : nil
        }
        return (out, source)
    }

    /// The output gradient as the backward kernels read it (bf16: converted once for both). Call inside `rt.run`.
    static func gradOutputMemory(_ rt: DNNLRuntime, _ g: ConvGeometry, _ gradOutput: Tensor, bf16: Bool) throws -> DNNLMemory {
        try activation(rt, gradOutput, dstDesc(g, compute(bf16)), key: "\(g.key)|diff_dst_in", op: g.opName)
    }

    /// dL/dinput from dL/doutput (`gradOutputMemory` may pass the gradient already converted).
    ///
    /// Stride-1 convolutions take ``backwardDataAsForward(_:gradOutput:weight:bf16:gradOutputMemory:)``
    /// unless `direct` (tests compare the two).
    static func backwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor, bf16: Bool = false,
                             gradOutputMemory given: DNNLMemory? = nil, direct: Bool = false) throws -> Tensor {
        if !direct, flippedGeometry(g) != nil {
            return try backwardDataAsForward(g, gradOutput: gradOutput, weight: weight, bf16: bf16, gradOutputMemory: given)
        }
        let rt = try DNNLRuntime.shared()
        let gradInput = Tensor.empty(g.inputShape)
        let op = g.opName
        try rt.run {
            let p = try backwardDataPrimitive(rt, g, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_weights_md)
            let w = try weightsMemory(rt, g, weight, chosen: chosen, stage: "bwd_data" + precisionKey(bf16))
            try rt.execute(p, [
                (DNNLArg.diffDst, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
                (DNNLArg.weights, w),
                (DNNLArg.diffSrc, try DNNLMemory(srcDesc(g), gradInput, engine: rt.engine, op: op)),
            ], op: op)
        }
        return gradInput
    }

    // MARK: stride-1 backward-data as a forward convolution

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
            let w = try weightsMemory(rt, f, flipped, chosen: p.desc(dnnl_query_weights_md), stage: "bwd_data_flipped" + precisionKey(bf16))
            try rt.execute(p, [
                (DNNLArg.src, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
                (DNNLArg.weights, w),
                (DNNLArg.dst, try DNNLMemory(srcDesc(g), gradInput, engine: rt.engine, op: op)),
            ], op: op)
        }
        return gradInput
    }

    /// dL/dweight (PyTorch layout, f32) and, when `bias`, dL/dbias.
    static func backwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor, bias: Bool, bf16: Bool = false,
                                gradOutputMemory given: DNNLMemory? = nil,
                                sourceMemory: DNNLMemory? = nil) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let gradWeight = Tensor.empty(g.weightShape)
        let gradBias = bias ? Tensor.empty([g.outC]) : nil
        let op = g.opName
        try rt.run {
            let p = try backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_diff_weights_md)
            let plain = try plainWeightsDesc(g)
            let user = try DNNLMemory(plain, gradWeight, engine: rt.engine, op: op)
            let direct = DNNLDesc.equal(plain, chosen)
            let diffWeights = direct ? user : try DNNLMemory(allocating: chosen, engine: rt.engine, op: op)
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, try sourceMemory ?? activation(rt, input, srcDesc(g, compute(bf16)), key: "\(g.key)|src_in", op: op)),
                (DNNLArg.diffDst, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
                (DNNLArg.diffWeights, diffWeights),
            ]
            if let gradBias {
                args.append((DNNLArg.diffBias, try DNNLMemory(DNNLDesc.vector(g.outC, op: op), gradBias,
                                                              engine: rt.engine, op: op)))
            }
            try rt.execute(p, args, op: op)
            if !direct {
                try rt.reorder(diffWeights, into: user, key: "\(g.key)|bwd_weights|b\(bias ? 1 : 0)|weights_out", op: op)
            }
        }
        return (gradWeight, gradBias)
    }
}

/// Calls `body` with a pointer to `value` when `present`, else with nil (an absent descriptor).
@inline(__always)
func withOptionalPointer<T, R>(_ present: Bool, _ value: inout T, _ body: (UnsafePointer<T>?) throws -> R) rethrows -> R {
    if present {
        return try withUnsafePointer(to: &value) { try body($0) }
    }
    return try body(nil)
}
