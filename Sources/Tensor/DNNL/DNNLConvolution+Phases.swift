import Base
import CKernels
import COneDNN

/// 4×4 stride-2 transposed convolutions (and convolution backward-data, the same computation) as
/// four 2×2 forward convolutions, one per output phase, under bf16: ``Path/phases``.
extension DNNLConvolution {
    /// Whether transposed convolution `g` runs as four phase convolutions (``phaseForward``): 4×4
    /// kernels, stride 2, padding 1 (every pix2pix up-sampling layer), at least 16 channels on each
    /// side, and each weight used at ≥ ``phaseMinimumPositions`` input positions (smaller layers are
    /// bound by their weights, which the split copies once more).
    ///
    /// oneDNN 2.6.3 computes transposed convolutions (and stride-2 backward-data, the same
    /// computation) with its older backward-data kernels: 150–210 GF/s in fp32 and ~180 GF/s in
    /// bf16, where its forward `brgconv` kernels reach 220 and 500–600 GF/s. Under bf16 the four
    /// phases run at 560–970 GF/s; in fp32 training they measured no
    /// faster than the direct kernel once the interleave and the per-step weight copies are
    /// counted, so fp32 training keeps the direct one.
    ///
    /// With `cachedWeights` (an eval-mode pass: ``inferenceReadsCachedWeights(training:weight:)``)
    /// the split weights are made once, so every size qualifies, fp32 too: on unet_256's fp32
    /// inference the 1024 → 256 layer at 16² took 18 ms on oneDNN's deconvolution kernel
    /// (120 GF/s) and 9.3 ms as phases (230 GF/s).
    static func phaseEligible(_ g: ConvGeometry, cachedWeights: Bool = false) -> Bool {
        g.transposed && g.kh == 4 && g.kw == 4 && g.stride == 2 && g.padding == 1 && min(g.inC, g.outC) >= 16
            && (cachedWeights || g.batch * g.inH * g.inW >= phaseMinimumPositions)
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

    /// The four phase kernels of IOHW `weight` [inC, outC, 4, 4] (phase (a, b) at index 2a + b, each
    /// [outC, inC, 2, 2]: `ck_deconv_phase_weights`) in the layouts `chosen`. For a weight that
    /// tracks versions they are cached per weight version (``DNNLRuntime/derivedWeights``, tagged
    /// by phase), and the plain split they are made from is a pooled temporary: only the copies the
    /// kernels read stay in memory (unet_256 inference kept 134 MB of plain splits before). Call
    /// inside `rt.run`.
    static func phaseWeightsMemory(_ rt: DNNLRuntime, _ g: ConvGeometry, _ weight: Tensor, chosen: [dnnl_memory_desc_t],
                                   keys: [String]) throws -> [DNNLMemory] {
        let op = g.opName
        let plain = try DNNLDesc.make([g.outC, g.inC, 2, 2], dnnl_oihw, op: op)
        let storage = weight.storage
        let tags = (0..<4).map { "phase\($0 / 2)\($0 % 2)" }
        if storage.tracksVersions {
            let current = (0..<4).compactMap { rt.currentDerivedWeights(storage, tag: tags[$0], plain: plain, chosen: chosen[$0]) }
            if current.count == 4 { return current }
        }
        let split = try (0..<4).map { _ in try DNNLMemory(allocating: plain, engine: rt.engine, op: op) }
        Profiler.measure("transform|phase weights [\(g.inC)→\(g.outC)]") {
            let src = UncheckedSendable(weight.pointer)
            let dst = UncheckedSendable(split.map { Optional($0.floatPointer) })
            parallelRanges(g.outC, grain: max(1, (1 << 15) / max(1, g.inC * 16))) { begin, end in
                dst.value.withUnsafeBufferPointer { pointers in
                    ck_deconv_phase_weights(pointers.baseAddress, src.value, g.inC, g.outC, begin, end)
                }
            }
        }
        return try (0..<4).map { i in
            if storage.tracksVersions {
                return try rt.derivedWeights(storage, tag: tags[i], plain: split[i], chosen: chosen[i], key: keys[i], op: op)
            }
            if DNNLDesc.equal(plain, chosen[i]) { return split[i] }
            let reordered = try DNNLMemory(allocating: chosen[i], engine: rt.engine, op: op)
            try rt.reorder(split[i], into: reordered, key: keys[i], op: op)
            return reordered
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
            let dst = try DNNLMemory(DNNLDesc.make([g.batch, g.outC, g.inH, g.inW], dnnl_nhwc, op: op), phase,
                                     engine: rt.engine, op: op)
            let biasMemory = try bias.map { try DNNLMemory(DNNLDesc.vector(g.outC, op: op), $0, engine: rt.engine, op: op) }
            let keys = (0..<4).map { "\(name)|\(stage)|phase\($0 / 2)\($0 % 2)|b\(bias != nil ? 1 : 0)" + precisionKey(bf16) }
            let primitives = try (0..<4).map { i in
                try phasePrimitive(rt, g, a: i / 2, b: i % 2, bias: bias != nil, bf16: bf16, key: keys[i])
            }
            let weights = try phaseWeightsMemory(rt, g, weight, chosen: primitives.map { $0.desc(dnnl_query_weights_md) },
                                                 keys: keys.map { $0 + "|weights_in" })
            for i in 0..<4 {
                let p = primitives[i]
                p.flops = g.flops / 4
                var args: [(Int32, DNNLMemory)] = [(DNNLArg.src, src), (DNNLArg.weights, weights[i]), (DNNLArg.dst, dst)]
                if let biasMemory { args.append((DNNLArg.bias, biasMemory)) }
                try rt.execute(p, args, op: op)
                Profiler.measure(name + "|" + stage + "|interleave") {
                    interleave(phase, into: out, g, a: i / 2, b: i % 2)
                }
            }
            return keepSource && bf16 ? src : nil
        }
        return (out, source)
    }
}
