import Base
import CKernels
import COneDNN

/// Weight-bound or narrow-sided 4×4 stride-2 layers as im2col / col2im and SGEMM on the plain
/// (PyTorch-layout) weights: ``Path/gemm`` (``gemmEligible(_:_:bf16:cachedWeights:tuning:)`` says which passes).
extension DNNLConvolution {
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
    ///
    /// With `cachedWeights` (an eval-mode forward pass whose weight copies are cached:
    /// ``inferenceReadsCachedWeights(training:weight:)``) the weight-bound case does not apply: the
    /// reorders it avoids happen once, and oneDNN's kernels (or the phase convolutions) on the
    /// cached copies are faster than SGEMM over im2col (unet_256's 1024 → 512 deconvolution at 8²:
    /// 5.8 ms as a GEMM, 4.7 ms as phases).
    ///
    /// Backward-weights takes up to `tuning`'s ``ConvolutionTuning/gemmMaximumPositionsWeights``
    /// positions instead (AVX2: 256).
    static func gemmEligible(_ g: ConvGeometry, _ pass: Pass, bf16: Bool = false, cachedWeights: Bool = false,
                             tuning: ConvolutionTuning = .current) -> Bool {
        guard g.kh == 4, g.kw == 4, g.stride == 2, g.padding == 1 else { return false }
        let v = GemmView(g)
        guard v.hx == 2 * v.hy, v.wx == 2 * v.wy else { return false }
        if min(v.cx, v.cy) >= narrowChannels {
            // A transposed forward pass that stride-2 Winograd takes (AVX2: at 16²) stays there.
            let limit = switch pass {
            case .forward: !g.transposed ? gemmMaximumPositions
                : winogradS2Eligible(g, bf16: bf16, tuning: tuning) ? 0 : gemmMaximumPositionsTransposedForward
            case .backwardData: gemmMaximumPositions
            case .backwardWeights: tuning.gemmMaximumPositionsWeights
            }
            return !bf16 && !cachedWeights && v.rows <= limit
        }
        guard v.cx < narrowChannels, v.cy >= narrowChannels else { return false }
        return pass == (g.transposed ? .forward : .backwardData)
    }

    static let gemmMaximumPositions = 64

    /// The weight-bound limit for the forward pass of transposed layers: oneDNN 2.6.3 runs it on
    /// its older backward-data kernel (``phaseEligible(_:cachedWeights:)``), unet_256's 1024 → 256
    /// at 16² at ~125 GF/s: 17.2 ms plus a 2 ms weight reorder per step, as a GEMM + col2im 13.8 ms.
    /// unet_256 step, A/B in alternating runs (2 threads, AMD EPYC): medians 0.362 / 0.369 / 0.378 s
    /// → 0.356 / 0.364 / 0.355 s, minimums −3.5 %. The other two passes of that layer stay on
    /// oneDNN's kernels (brgconv backward-data 9.4 ms against 14.8 as a GEMM).
    static let gemmMaximumPositionsTransposedForward = 256

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

    /// Y [rows, cy] = im2col(X) · Wᵀ, computed as Yᵀ = W · im2col(X)ᵀ and transposed (the weight
    /// as the untransposed A operand: ~40 % faster in dnnl_sgemm for 1024 × 8192 weights and 64 rows),
    /// or on the skinny kernel for `tuning`'s few rows. `label`: the profile entry, for its parts.
    static func gemmYFromX(_ v: GemmView, x: Tensor, weight: Tensor, op: String, tuning: ConvolutionTuning,
                           label: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        im2col(v, cols: cols, x: x, label: label)
        let y = Tensor.empty([v.n, v.hy, v.wy, v.cy])
        if tuning.skinny(v.rows) {
            let (yp, cp, wp) = (UncheckedSendable(y.pointer), UncheckedSendable(cols.pointer), UncheckedSendable(weight.pointer))
            let (rows, k, cy) = (v.rows, v.k, v.cy)
            Profiler.part(label, "skinny GEMM") {
                parallelRanges(cy, grain: 16) { b, e in ck_skinny_abt(yp.value, cp.value, wp.value, rows, k, cy, b, e) }
            }
            return y
        }
        let yt = Tensor.empty([v.cy, v.rows])
        try Profiler.part(label, "GEMM") {
            try sgemm("N", "T", v.cy, v.rows, v.k, weight.pointer, v.k, cols.pointer, v.k, yt.pointer, v.rows, op: op)
        }
        transpose(y, yt, rows: v.cy, cols: v.rows, label: label)
        return y
    }

    /// X = col2im(Y · W): the product on the skinny kernel, transposed (Xᵀ = Wᵀ·Yᵀ) from
    /// ``ConvolutionTuning/transposedProductMinimumColumns`` weight columns on, else as it reads.
    static func gemmXFromY(_ v: GemmView, y: Tensor, weight: Tensor, op: String, tuning: ConvolutionTuning,
                           label: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        if tuning.skinny(v.rows) {
            let (cp, yp, wp) = (UncheckedSendable(cols.pointer), UncheckedSendable(y.pointer), UncheckedSendable(weight.pointer))
            let (rows, k, cy) = (v.rows, v.k, v.cy)
            Profiler.part(label, "skinny GEMM") {
                parallelRanges(k, grain: 16) { b, e in ck_skinny_ab(cp.value, yp.value, wp.value, rows, cy, k, b, e) }
            }
        } else if v.k >= tuning.transposedProductMinimumColumns {
            let colsT = Tensor.empty([v.k, v.rows])
            try Profiler.part(label, "GEMM") {
                try sgemm("T", "T", v.k, v.rows, v.cy, weight.pointer, v.k, y.pointer, v.cy, colsT.pointer, v.rows, op: op)
            }
            transpose(cols, colsT, rows: v.k, cols: v.rows, label: label)
        } else {
            try Profiler.part(label, "GEMM") {
                try sgemm("N", "N", v.rows, v.k, v.cy, y.pointer, v.cy, weight.pointer, v.k, cols.pointer, v.k, op: op)
            }
        }
        let x = Tensor.empty([v.n, v.hx, v.wx, v.cx])
        Profiler.part(label, "col2im") {
            let (xp, cp) = (UncheckedSendable(x.pointer), UncheckedSendable(cols.pointer))
            parallelRanges(v.n * v.hx, grain: max(1, (1 << 14) / max(1, v.wx * v.cx))) { b, e in
                ck_col2im_k4s2p1(xp.value, cp.value, v.n, v.hx, v.wx, v.cx, v.hy, v.wy, b, e)
            }
        }
        return x
    }

    /// dW [cy, cx·16] = Yᵀ · im2col(X).
    static func gemmWeightGradient(_ v: GemmView, x: Tensor, y: Tensor, op: String, tuning: ConvolutionTuning,
                                   label: String) throws -> Tensor {
        let cols = Tensor.empty([v.rows, v.k])
        im2col(v, cols: cols, x: x, label: label)
        let w = Tensor.empty([v.cy, v.cx, 4, 4])
        if tuning.skinny(v.rows) {
            let (wp, yp, cp) = (UncheckedSendable(w.pointer), UncheckedSendable(y.pointer), UncheckedSendable(cols.pointer))
            let (rows, k, cy) = (v.rows, v.k, v.cy)
            Profiler.part(label, "skinny GEMM") {
                parallelRanges(cy, grain: 16) { b, e in ck_skinny_atb(wp.value, yp.value, cp.value, rows, cy, k, b, e) }
            }
            return w
        }
        try Profiler.part(label, "GEMM") {
            try sgemm("T", "N", v.cy, v.k, v.rows, y.pointer, v.cy, cols.pointer, v.k, w.pointer, v.k, op: op)
        }
        return w
    }

    /// cols = im2col(X), the rows split across the threads (they were one thread's: 0.5–1 ms a
    /// layer in unet_256).
    static func im2col(_ v: GemmView, cols: Tensor, x: Tensor, label: String) {
        Profiler.part(label, "im2col") {
            let (cp, xp) = (UncheckedSendable(cols.pointer), UncheckedSendable(x.pointer))
            parallelRanges(v.rows, grain: max(1, (1 << 14) / v.k)) { b, e in
                ck_im2col_k4s2p1(cp.value, xp.value, v.n, v.hx, v.wx, v.cx, v.hy, v.wy, b, e)
            }
        }
    }

    /// dst [cols, rows] = srcᵀ (src [rows, cols]), the columns split across the threads in blocks of 32.
    static func transpose(_ dst: Tensor, _ src: Tensor, rows: Int, cols: Int, label: String) {
        Profiler.part(label, "transpose") {
            let (dp, sp) = (UncheckedSendable(dst.pointer), UncheckedSendable(src.pointer))
            let blocks = (cols + 31) / 32
            parallelRanges(blocks, grain: max(1, (1 << 14) / max(1, rows * 32))) { b, e in
                ck_transpose(dp.value, sp.value, rows, cols, b * 32, min(cols, e * 32))
            }
        }
    }

    static func addBias(_ out: Tensor, _ bias: Tensor) {
        let c = bias.count, rows = out.count / c
        let o = out.pointer, b = bias.pointer
        for r in 0..<rows { for j in 0..<c { o[r * c + j] += b[j] } }
    }

    static func gemmForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?,
                            tuning: ConvolutionTuning = .current) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            let label = "\(g.key)|fwd|gemm"
            return try Profiler.measure(label, flops: g.flops) {
                let out = g.transposed ? try gemmXFromY(v, y: input, weight: weight, op: g.opName, tuning: tuning, label: label)
                                       : try gemmYFromX(v, x: input, weight: weight, op: g.opName, tuning: tuning, label: label)
                if let bias { Profiler.part(label, "bias") { addBias(out, bias) } }
                return out
            }
        }
    }

    static func gemmBackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor,
                                 tuning: ConvolutionTuning = .current) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            let label = "\(g.key)|bwd_data|gemm"
            return try Profiler.measure(label, flops: g.flops) {
                g.transposed ? try gemmYFromX(v, x: gradOutput, weight: weight, op: g.opName, tuning: tuning, label: label)
                             : try gemmXFromY(v, y: gradOutput, weight: weight, op: g.opName, tuning: tuning, label: label)
            }
        }
    }

    static func gemmBackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor, bias: Bool,
                                    tuning: ConvolutionTuning = .current) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let v = GemmView(g)
        return try rt.run {
            let label = "\(g.key)|bwd_weights|gemm"
            return try Profiler.measure(label, flops: g.flops) {
                let w = g.transposed ? try gemmWeightGradient(v, x: gradOutput, y: input, op: g.opName, tuning: tuning,
                                                              label: label)
                                     : try gemmWeightGradient(v, x: input, y: gradOutput, op: g.opName, tuning: tuning,
                                                              label: label)
                return (w, bias ? biasGradient(gradOutput, channels: g.outC) : nil)
            }
        }
    }
}
