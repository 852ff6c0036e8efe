import Base
import CKernels
import COneDNN
import Foundation

/// oneDNN convolution and deconvolution (transposed convolution) kernels.
///
/// Activations are passed as NHWC (`dnnl_nhwc`): plain nchw would send deconvolution to
/// oneDNN's reference loop (about 89 s per call for 1024→256 channels at 16→32). Weights are created with `format_tag any`, so oneDNN picks
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

    /// Whether a forward pass reads weight copies cached across calls: no gradient is recorded
    /// (eval-mode inference, validation) and the weight is a module parameter, whose reordered
    /// (and bf16, and phase-split) copies ``DNNLRuntime/derivedWeights`` keeps until it changes.
    /// Such a pass pays each copy once, not per call, so the rules that keep weight-bound layers
    /// off the reordering kernels (``bf16Pays(_:)``, the weight-bound case of
    /// ``gemmEligible(_:_:bf16:cachedWeights:)``, ``phaseMinimumPositions``) do not apply to it.
    /// unet_256 inference, 256², 2 threads (AMD EPYC, AVX-512 BF16, quiet), medians of 30 passes:
    /// fp32 71 → 59 ms, bf16 50 → 37 ms; peak RSS 400 → 618 MB and 345 → 475 MB (the cached
    /// blocked copies; the plain weights stay, the module owns them).
    static func inferenceReadsCachedWeights(training: Bool, weight: Tensor) -> Bool {
        !training && weight.storage.tracksVersions
    }

    /// A convolution pass.
    enum Pass { case forward, backwardData, backwardWeights }

    /// The implementations a pass can run on: oneDNN's own kernel for it, or one of ours.
    enum Path {
        /// Few output channels: GEMMs over the input channels (DNNLConvolution+Narrow.swift).
        case taps
        /// fp32 stride-1 4×4: Winograd F(m×m, 4×4), m = 2, 3 or 4 (DNNLConvolution+Winograd.swift).
        case winograd
        /// 4×4 stride-2, weight-bound or producing a narrow side: im2col / col2im + SGEMM
        /// (DNNLConvolution+GEMM.swift).
        case gemm
        /// fp32 4×4 stride-2 with enough positions: Winograd F(m×m, 2×2), m = 3 or 4, over input phases
        /// (DNNLConvolution+WinogradS2.swift).
        case winogradS2
        /// Stride-1 backward-data as a forward convolution over flipped weights (DNNLConvolution+Flipped.swift).
        case flipped
        /// bf16 4×4 stride-2 transposed convolution (or convolution backward-data) as four phase convolutions
        /// (DNNLConvolution+Phases.swift).
        case phases
        /// oneDNN's convolution / deconvolution primitive for the pass (DNNLConvolution+OneDNN.swift).
        case oneDNN
    }

    /// The one place that decides which implementation runs `pass` of `g`: the first that
    /// qualifies, in this order (each `…Eligible` documents its own rule and measurements):
    ///
    /// 1. ``Path/taps`` (``tapEligible(_:)``): DNNLConvolution+Narrow.swift;
    /// 2. ``Path/winograd`` (``winogradEligible(_:bf16:)``, for backward-data on the flipped
    ///    geometry): DNNLConvolution+Winograd.swift;
    /// 3. ``Path/gemm`` (``gemmEligible(_:_:bf16:cachedWeights:tuning:)``): DNNLConvolution+GEMM.swift;
    /// 4. ``Path/winogradS2`` (``winogradS2Eligible(_:bf16:cachedWeights:tuning:)``): DNNLConvolution+WinogradS2.swift;
    /// 5. ``Path/flipped`` (backward-data, ``flippedGeometry(_:)``): DNNLConvolution+Flipped.swift;
    /// 6. ``Path/phases`` (bf16 forward with ``phaseEligible(_:)``, bf16 backward-data with
    ///    ``backwardDataAsDeconvolution(_:)``): DNNLConvolution+Phases.swift;
    /// 7. ``Path/oneDNN`` otherwise: DNNLConvolution+OneDNN.swift.
    ///
    /// ``forward(_:input:weight:bias:training:bf16:keepSource:direct:)``,
    /// ``backwardData(_:gradOutput:weight:bf16:gradOutputMemory:direct:)`` and
    /// ``backwardWeights(_:input:gradOutput:bias:bf16:gradOutputMemory:sourceMemory:direct:)`` below
    /// run the chosen path.
    ///
    /// `cachedWeights` says that the forward pass's weight copies outlive the call (an eval-mode
    /// pass over a module's parameters: ``DNNLRuntime/derivedWeights`` keeps them until the weight
    /// changes). Then the weight-bound rules, which count a reorder per call, do not apply to the
    /// forward pass: small layers take oneDNN's kernels or the phase convolutions on cached copies
    /// instead of the GEMMs on the plain weights (``inferenceReadsCachedWeights``).
    ///
    /// `tuning` holds the thresholds that differ by ISA (``ConvolutionTuning``).
    static func path(_ g: ConvGeometry, _ pass: Pass, bf16: Bool, cachedWeights: Bool = false,
                     tuning: ConvolutionTuning = .current) -> Path {
        let cached = cachedWeights && pass == .forward
        if tapEligible(g) { return .taps }
        // Stride-1 backward-data is the forward convolution over the flipped kernel.
        let flipped = pass == .backwardData ? flippedGeometry(g) : nil
        if let w = pass == .backwardData ? flipped : g, winogradEligible(w, bf16: bf16) { return .winograd }
        if gemmEligible(g, pass, bf16: bf16, cachedWeights: cached, tuning: tuning) { return .gemm }
        if winogradS2Eligible(g, bf16: bf16, cachedWeights: cached, tuning: tuning) { return .winogradS2 }
        switch pass {
        case .forward: if bf16 || cached, phaseEligible(g, cachedWeights: cached) { return .phases }
        case .backwardData:
            if flipped != nil { return .flipped }
            if bf16, backwardDataAsDeconvolution(g) != nil { return .phases }
        case .backwardWeights: break
        }
        return .oneDNN
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

    // MARK: the three passes, each on the path `path(_:_:bf16:)` picks

    /// Forward pass. Under `bf16`, input and weights are converted to bf16; the output is f32.
    /// With `keepSource`, also returns the input as the kernel read it when that is a converted
    /// (bf16) copy, so that backward-weights can reuse it instead of converting again.
    /// `cachedWeights`: see ``path(_:_:bf16:cachedWeights:)`` (``inferenceReadsCachedWeights``).
    static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?, training: Bool,
                        bf16: Bool = false, cachedWeights: Bool = false, keepSource: Bool = false,
                        direct: Bool = false) throws -> (output: Tensor, source: DNNLMemory?) {
        switch direct ? .oneDNN : path(g, .forward, bf16: bf16, cachedWeights: cachedWeights) {
        case .taps: return (try tapForward(g, input: input, weight: weight, bias: bias), nil)
        case .winograd: return (try winogradForward(g, input: input, weight: weight, bias: bias), nil)
        case .gemm: return (try gemmForward(g, input: input, weight: weight, bias: bias), nil)
        case .winogradS2: return (try winogradS2Forward(g, input: input, weight: weight, bias: bias), nil)
        case .phases:
            return try phaseForward(g, input: input, inputMemory: nil, weight: weight, bias: bias, bf16: bf16,
                                    stage: "fwd", keepSource: keepSource)
        case .flipped, .oneDNN: break
        }
        return try oneDNNForward(g, input: input, weight: weight, bias: bias, training: training, bf16: bf16,
                                 keepSource: keepSource)
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
        return try oneDNNBackwardData(g, gradOutput: gradOutput, weight: weight, bf16: bf16, gradOutputMemory: given)
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
        return try oneDNNBackwardWeights(g, input: input, gradOutput: gradOutput, bias: bias, bf16: bf16,
                                         gradOutputMemory: given, sourceMemory: sourceMemory)
    }

    // MARK: shared by the GEMM-based paths (taps, Winograd, GEMM)

    static func sgemm(_ ta: Character, _ tb: Character, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                      _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, beta: Float = 0,
                      op: String) throws {
        try dnnlCheck(dnnl_sgemm(CChar(ta.asciiValue!), CChar(tb.asciiValue!), Int64(m), Int64(n), Int64(k), 1, a, Int64(lda),
                                 b, Int64(ldb), beta, c, Int64(ldc)), op, "dnnl_sgemm(\(m)×\(n)×\(k))")
    }

    /// dL/dbias: the output gradient summed over every position (in double precision).
    static func biasGradient(_ gradOutput: Tensor, channels: Int) -> Tensor {
        var sums = [Double](repeating: 0, count: channels)
        ck_channel_sum(gradOutput.pointer, gradOutput.count / channels, channels, &sums)
        let gradBias = Tensor.empty([channels])
        for j in 0..<channels { gradBias.pointer[j] = Float(sums[j]) }
        return gradBias
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
