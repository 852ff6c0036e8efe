import Base
import CKernels
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

    /// A convolution pass.
    enum Pass { case forward, backwardData, backwardWeights }

    /// The implementations a pass can run on besides oneDNN's own kernel for it.
    enum Path {
        /// Few output channels: GEMMs over the input channels (DNNLConvolution+Narrow.swift).
        case taps
        /// fp32 stride-1 4×4: Winograd F(2×2, 4×4) (DNNLConvolution+Winograd.swift).
        case winograd
        /// 4×4 stride-2, weight-bound or producing a narrow side: im2col / col2im + SGEMM.
        case gemm
        /// fp32 4×4 stride-2 with enough positions: Winograd F(3×3, 2×2) over input phases.
        case winogradS2
        /// Stride-1 backward-data as a forward convolution over flipped weights.
        case flipped
        /// bf16 4×4 stride-2 transposed convolution (or convolution backward-data) as four phase convolutions.
        case phases
        case oneDNN
    }

    /// The one place that decides which implementation runs `pass` of `g`: the first that
    /// qualifies, in this order (each `…Eligible` documents its own rule and measurements).
    static func path(_ g: ConvGeometry, _ pass: Pass, bf16: Bool) -> Path {
        if tapEligible(g) { return .taps }
        // Stride-1 backward-data is the forward convolution over the flipped kernel.
        let flipped = pass == .backwardData ? flippedGeometry(g) : nil
        if let w = pass == .backwardData ? flipped : g, winogradEligible(w, bf16: bf16) { return .winograd }
        if gemmEligible(g, pass, bf16: bf16) { return .gemm }
        if winogradS2Eligible(g, bf16: bf16) { return .winogradS2 }
        switch pass {
        case .forward: if bf16, phaseEligible(g) { return .phases }
        case .backwardData:
            if flipped != nil { return .flipped }
            if bf16, backwardDataAsDeconvolution(g) != nil { return .phases }
        case .backwardWeights: break
        }
        return .oneDNN
    }

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
        try weightsMemory(rt, plain: plainWeightsDesc(g), weight, chosen: chosen, key: "\(g.key)|\(stage)|weights_in",
                          op: g.opName, store: stage.hasPrefix("fwd"))
    }

    /// `weight` (laid out as `plain`) in layout `chosen`; cached by version when `store` and the
    /// weight tracks versions.
    static func weightsMemory(_ rt: DNNLRuntime, plain: dnnl_memory_desc_t, _ weight: Tensor, chosen: dnnl_memory_desc_t,
                              key: String, op: String, store: Bool) throws -> DNNLMemory {
        let user = try DNNLMemory(plain, weight, engine: rt.engine, op: op)
        if DNNLDesc.equal(plain, chosen) { return user }
        guard weight.storage.tracksVersions else {
            let reordered = try DNNLMemory(allocating: chosen, engine: rt.engine, op: op)
            try rt.reorder(user, into: reordered, key: key, op: op)
            return reordered
        }
        return try rt.derivedWeights(weight.storage, plain: user, chosen: chosen, key: key, op: op, store: store)
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
                        bf16: Bool = false, keepSource: Bool = false, direct: Bool = false) throws -> (output: Tensor, source: DNNLMemory?) {
        switch direct ? .oneDNN : path(g, .forward, bf16: bf16) {
        case .taps: return (try tapForward(g, input: input, weight: weight, bias: bias), nil)
        case .winograd: return (try winogradForward(g, input: input, weight: weight, bias: bias), nil)
        case .gemm: return (try gemmForward(g, input: input, weight: weight, bias: bias), nil)
        case .winogradS2: return (try winogradS2Forward(g, input: input, weight: weight, bias: bias), nil)
        case .phases:
            return try phaseForward(g, input: input, inputMemory: nil, weight: weight, bias: bias, bf16: bf16,
                                    stage: "fwd", keepSource: keepSource)
        case .flipped, .oneDNN: break
        }
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
        switch direct ? .oneDNN : path(g, .backwardData, bf16: bf16) {
        case .taps: return try tapBackwardData(g, gradOutput: gradOutput, weight: weight)
        case .winograd: return try winogradBackwardData(g, gradOutput: gradOutput, weight: weight)
        case .gemm: return try gemmBackwardData(g, gradOutput: gradOutput, weight: weight)
        case .winogradS2: return try winogradS2BackwardData(g, gradOutput: gradOutput, weight: weight)
        case .flipped:
            return try backwardDataAsForward(g, gradOutput: gradOutput, weight: weight, bf16: bf16, gradOutputMemory: given)
        case .phases:
            // dL/dinput of a k4 s2 p1 convolution is the transposed convolution of dL/doutput with the
            // same weights (OIHW read as the transposed convolution's IOHW).
            if let d = backwardDataAsDeconvolution(g) {
                return try phaseForward(d, input: gradOutput, inputMemory: given, weight: weight, bias: nil, bf16: bf16,
                                        stage: "bwd_data", keepSource: false, label: g.key).output
            }
        case .oneDNN: break
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

    // MARK: weight-bound 4×4 stride-2 layers as GEMMs on the plain weights

    /// Whether `pass` of `g` runs as im2col / col2im and SGEMM straight on the plain (PyTorch-layout)
    /// weights. Only 4×4, stride-2, padding-1 layers whose large side is exactly twice the small
    /// one qualify, in two cases:
    ///
    /// - **Weight-bound** (all passes, fp32 only): ≥ 16 channels a side and at most
    ///   ``gemmMaximumPositions`` positions (batch × small side) per weight. Such layers —
    ///   unet_256's eight innermost, 85 % of its weights — are bound by their weights, not by
    ///   arithmetic: oneDNN's kernels need the weights reordered into a blocked layout for each
    ///   pass and the weight gradient reordered back, which streams every weight two to three more
    ///   times per pass than the GEMMs, which read them where they lie.
    /// - **Narrow large side** (fewer than ``narrowChannels`` channels on the large side, e.g. the
    ///   RGB input of a discriminator or a generator's RGB output): only the pass that produces
    ///   the narrow side (GEMM then col2im). oneDNN pads those channels to 16: unet_256's
    ///   128 → 3 output layer ran at ~30 GF/s (6.9 ms per step), as a GEMM over its 128 input
    ///   channels 2.8 ms; a discriminator's 6-channel backward-data 3.4 → 2.5 ms. Their
    ///   backward-weights as GEMMs were 2–3× slower (the im2col of a 6-channel image writes at a
    ///   16-float stride) and stay on oneDNN. Computed in fp32 under bf16 too.
    static func gemmEligible(_ g: ConvGeometry, _ pass: Pass, bf16: Bool = false) -> Bool {
        guard g.kh == 4, g.kw == 4, g.stride == 2, g.padding == 1 else { return false }
        let v = GemmView(g)
        guard v.hx == 2 * v.hy, v.wx == 2 * v.wy else { return false }
        if min(v.cx, v.cy) >= narrowChannels { return !bf16 && v.rows <= gemmMaximumPositions }
        guard v.cx < narrowChannels, v.cy >= narrowChannels else { return false }
        return pass == (g.transposed ? .forward : .backwardData)
    }

    static let gemmMaximumPositions = 64

    /// A 4×4 stride-2 layer seen as the convolution X → Y (X the large side): for a convolution X
    /// is the input, for a transposed one the output. The weight, read as a row-major
    /// [cy, cx·16] matrix, is the same for both (OIHW for conv, IOHW for deconv).
    struct GemmView {
        let n: Int, hx: Int, wx: Int, cx: Int, hy: Int, wy: Int, cy: Int
        init(_ g: ConvGeometry) {
            n = g.batch
            if g.transposed {
                (hx, wx, cx, hy, wy, cy) = (g.outH, g.outW, g.outC, g.inH, g.inW, g.inC)
            } else {
                (hx, wx, cx, hy, wy, cy) = (g.inH, g.inW, g.inC, g.outH, g.outW, g.outC)
            }
        }
        var rows: Int { n * hy * wy }
        var k: Int { cx * 16 }
    }

    static func sgemm(_ ta: Character, _ tb: Character, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                      _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, beta: Float = 0,
                      op: String) throws {
        try dnnlCheck(dnnl_sgemm(CChar(ta.asciiValue!), CChar(tb.asciiValue!), Int64(m), Int64(n), Int64(k), 1, a, Int64(lda),
                                 b, Int64(ldb), beta, c, Int64(ldc)), op, "dnnl_sgemm(\(m)×\(n)×\(k))")
    }

    /// Y [rows, cy] = im2col(X) · Wᵀ, computed as Yᵀ = W · im2col(X)ᵀ and transposed (the weight
    /// as the untransposed A operand: ~40 % faster in dnnl_sgemm for 1024 × 8192 weights and 64 rows).
    static func gemmYFromX(_ v: GemmView, x: Tensor, weight: Tensor, op: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        ck_im2col_k4s2p1(cols.pointer, x.pointer, v.n, v.hx, v.wx, v.cx, v.hy, v.wy)
        let yt = Tensor.empty([v.cy, v.rows])
        try sgemm("N", "T", v.cy, v.rows, v.k, weight.pointer, v.k, cols.pointer, v.k, yt.pointer, v.rows, op: op)
        let y = Tensor.empty([v.n, v.hy, v.wy, v.cy])
        let src = yt.pointer, dst = y.pointer
        for c in 0..<v.cy {
            for r in 0..<v.rows { dst[r * v.cy + c] = src[c * v.rows + r] }
        }
        return y
    }

    /// X = col2im(Y · W).
    static func gemmXFromY(_ v: GemmView, y: Tensor, weight: Tensor, op: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        try sgemm("N", "N", v.rows, v.k, v.cy, y.pointer, v.cy, weight.pointer, v.k, cols.pointer, v.k, op: op)
        let x = Tensor.empty([v.n, v.hx, v.wx, v.cx])
        ck_col2im_k4s2p1(x.pointer, cols.pointer, v.n, v.hx, v.wx, v.cx, v.hy, v.wy)
        return x
    }

    /// dW [cy, cx·16] = Yᵀ · im2col(X).
    static func gemmWeightGradient(_ v: GemmView, x: Tensor, y: Tensor, op: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        ck_im2col_k4s2p1(cols.pointer, x.pointer, v.n, v.hx, v.wx, v.cx, v.hy, v.wy)
        let w = Tensor.empty([v.cy, v.cx, 4, 4])
        try sgemm("T", "N", v.cy, v.k, v.rows, y.pointer, v.cy, cols.pointer, v.k, w.pointer, v.k, op: op)
        return w
    }

    /// dL/dbias: the output gradient summed over every position (in double precision).
    static func biasGradient(_ gradOutput: Tensor, channels: Int) -> Tensor {
        var sums = [Double](repeating: 0, count: channels)
        ck_channel_sum(gradOutput.pointer, gradOutput.count / channels, channels, &sums)
        let gradBias = Tensor.empty([channels])
        for j in 0..<channels { gradBias.pointer[j] = Float(sums[j]) }
        return gradBias
    }

    static func addBias(_ out: Tensor, _ bias: Tensor) {
        let c = bias.count, rows = out.count / c
        let o = out.pointer, b = bias.pointer
        for r in 0..<rows { for j in 0..<c { o[r * c + j] += b[j] } }
    }

    static func gemmForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            try Profiler.measure("\(g.key)|fwd|gemm", flops: g.flops) {
                let out = g.transposed ? try gemmXFromY(v, y: input, weight: weight, op: g.opName)
                                       : try gemmYFromX(v, x: input, weight: weight, op: g.opName)
                if let bias { addBias(out, bias) }
                return out
            }
        }
    }

    static func gemmBackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            try Profiler.measure("\(g.key)|bwd_data|gemm", flops: g.flops) {
                g.transposed ? try gemmYFromX(v, x: gradOutput, weight: weight, op: g.opName)
                             : try gemmXFromY(v, y: gradOutput, weight: weight, op: g.opName)
            }
        }
    }

    static func gemmBackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor,
                                    bias: Bool) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            try Profiler.measure("\(g.key)|bwd_weights|gemm", flops: g.flops) {
                let w = g.transposed ? try gemmWeightGradient(v, x: gradOutput, y: input, op: g.opName)
                                     : try gemmWeightGradient(v, x: input, y: gradOutput, op: g.opName)
                return (w, bias ? biasGradient(gradOutput, channels: g.outC) : nil)
            }
        }
    }

    // MARK: 4×4 stride-2 transposed convolution as four 2×2 forward convolutions

    /// Whether transposed convolution `g` runs as four phase convolutions (``phaseForward``): 4×4
    /// kernels, stride 2, padding 1 (every pix2pix up-sampling layer), at least 16 channels on each
    /// side, and each weight used at ≥ ``phaseMinimumPositions`` input positions (smaller layers are
    /// bound by their weights, which the split copies once more).
    ///
    /// oneDNN 2.6.3 computes transposed convolutions (and stride-2 backward-data, the same
    /// computation) with its older backward-data kernels: 150–210 GF/s in fp32 and ~180 GF/s in
    /// bf16, where its forward `brgconv` kernels reach 220 and 500–600 GF/s. Under bf16 the four
    /// phases run at 560–970 GF/s; in fp32 they measured no
    /// faster than the direct kernel once the interleave is counted, so fp32 keeps the direct one.
    static func phaseEligible(_ g: ConvGeometry) -> Bool {
        g.transposed && g.kh == 4 && g.kw == 4 && g.stride == 2 && g.padding == 1 && min(g.inC, g.outC) >= 16
            && g.batch * g.inH * g.inW >= phaseMinimumPositions
    }

    /// Below 32² input positions per weight, copying the weights into the four phase kernels
    /// (every step for a generator) costs about what the faster kernels save (unet_256's 1024 → 256
    /// layer at 16²: 17 ms direct against 2.6 ms of phases plus ~10 ms of weight copies).
    static let phaseMinimumPositions = 1024

    /// The transposed convolution whose forward pass is convolution `g`'s backward-data, when it
    /// qualifies for ``phaseForward`` (the input must be exactly twice the output).
    static func backwardDataAsDeconvolution(_ g: ConvGeometry) -> ConvGeometry? {
        guard !g.transposed, g.inH == 2 * g.outH, g.inW == 2 * g.outW,
              let d = try? ConvGeometry(transposed: true, op: g.opName, input: g.outputShape,
                                        weight: [g.outC, g.inC, g.kh, g.kw], bias: nil, stride: g.stride, padding: g.padding),
              phaseEligible(d), d.outputShape == g.inputShape else { return nil }
        return d
    }

    /// Output phase (a, b) of transposed convolution `g`: rows 2m + a, columns 2l + b of the output
    /// are a stride-1 forward convolution of the input with a 2×2 kernel (taps from
    /// `ck_deconv_phase_weights`), padded 1 − a above and a below (likewise b for columns).
    static func phasePrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, a: Int, b: Int, bias: Bool, bf16: Bool,
                               key: String) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive(key, op: op) {
            var src = try DNNLDesc.make([g.batch, g.inC, g.inH, g.inW], dnnl_nhwc, type: compute(bf16), op: op)
            var weights = try DNNLDesc.make([g.outC, g.inC, 2, 2], dnnl_format_tag_any, type: compute(bf16), op: op)
            var dst = try DNNLDesc.make([g.batch, g.outC, g.inH, g.inW], dnnl_nhwc, op: op)
            var biasDesc = try DNNLDesc.vector(g.outC, op: op)
            let strides: [Int64] = [1, 1], low: [Int64] = [Int64(1 - a), Int64(1 - b)], high: [Int64] = [Int64(a), Int64(b)]
            var desc = dnnl_convolution_desc_t()
            try dnnlCheck(withOptionalPointer(bias, &biasDesc) {
                dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &src, &weights, $0,
                                                   &dst, strides, low, high)
            }, op, "dnnl_convolution_forward_desc_init(phase \(a)\(b) of \(g))")
            return try createPD(&desc, rt, hint: nil, op: op, what: "phase \(a)\(b) primitive for \(g)")
        }
    }

    /// Copies phase (a, b) into rows 2m + a, columns 2l + b of `out`, rows split across threads.
    static func interleave(_ phase: Tensor, into out: Tensor, _ g: ConvGeometry, a: Int, b: Int) {
        let src = UncheckedSendable(phase.pointer), dst = UncheckedSendable(out.pointer)
        parallelRanges(g.batch * g.inH, grain: max(1, (1 << 15) / max(1, g.inW * g.outC))) { start, end in
            ck_interleave_phase(dst.value, src.value, g.batch, g.inH, g.inW, g.outC, Int32(a), Int32(b), start, end)
        }
    }

    /// Transposed convolution `g` (k4 s2 p1) as four phase convolutions interleaved into the output.
    /// Same result as oneDNN's deconvolution up to summation order. `inputMemory` may pass the
    /// input already converted (bf16); with `keepSource` the bf16 input is returned for
    /// backward-weights, as ``forward(_:input:weight:bias:training:bf16:keepSource:direct:)`` does.
    static func phaseForward(_ g: ConvGeometry, input: Tensor, inputMemory: DNNLMemory?, weight: Tensor, bias: Tensor?,
                             bf16: Bool, stage: String, keepSource: Bool,
                             label: String? = nil) throws -> (output: Tensor, source: DNNLMemory?) {
        let rt = try DNNLRuntime.shared()
        let op = g.opName
        let out = Tensor.empty(g.outputShape)
        let phase = Tensor.empty([g.batch, g.inH, g.inW, g.outC])
        let name = label ?? g.key
        let source: DNNLMemory? = try rt.run {
            let src = try inputMemory ?? activation(rt, input, srcDesc(g, compute(bf16)), key: "\(g.key)|src_in", op: op)
            let phaseWeights = rt.phaseWeights(weight, inC: g.inC, outC: g.outC)
            let plain = try DNNLDesc.make([g.outC, g.inC, 2, 2], dnnl_oihw, op: op)
            let dst = try DNNLMemory(DNNLDesc.make([g.batch, g.outC, g.inH, g.inW], dnnl_nhwc, op: op), phase,
                                     engine: rt.engine, op: op)
            let biasMemory = try bias.map { try DNNLMemory(DNNLDesc.vector(g.outC, op: op), $0, engine: rt.engine, op: op) }
            for a in 0..<2 {
                for b in 0..<2 {
                    let key = "\(name)|\(stage)|phase\(a)\(b)|b\(bias != nil ? 1 : 0)" + precisionKey(bf16)
                    let p = try phasePrimitive(rt, g, a: a, b: b, bias: bias != nil, bf16: bf16, key: key)
                    p.flops = g.flops / 4
                    let w = try weightsMemory(rt, plain: plain, phaseWeights[2 * a + b], chosen: p.desc(dnnl_query_weights_md),
                                              key: key + "|weights_in", op: op, store: true)
                    var args: [(Int32, DNNLMemory)] = [(DNNLArg.src, src), (DNNLArg.weights, w), (DNNLArg.dst, dst)]
                    if let biasMemory { args.append((DNNLArg.bias, biasMemory)) }
                    try rt.execute(p, args, op: op)
                    Profiler.measure(name + "|" + stage + "|interleave") {
                        interleave(phase, into: out, g, a: a, b: b)
                    }
                }
            }
            return keepSource && bf16 ? src : nil
        }
        return (out, source)
    }

    /// dL/dweight (PyTorch layout, f32) and, when `bias`, dL/dbias.
    static func backwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor, bias: Bool, bf16: Bool = false,
                                gradOutputMemory given: DNNLMemory? = nil,
                                sourceMemory: DNNLMemory? = nil, direct: Bool = false) throws -> (weight: Tensor, bias: Tensor?) {
        switch direct ? .oneDNN : path(g, .backwardWeights, bf16: bf16) {
        case .taps: return try tapBackwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
        case .winograd: return try winogradBackwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
        case .gemm: return try gemmBackwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
        case .winogradS2: return try winogradS2BackwardWeights(g, input: input, gradOutput: gradOutput, bias: bias)
        case .flipped, .phases, .oneDNN: break
        }
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
