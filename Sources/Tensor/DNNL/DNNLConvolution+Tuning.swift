/// The dispatch thresholds that depend on the CPU's vector ISA.
///
/// oneDNN 2.6.3 and its sgemm pick different kernels by ISA: on AVX-512 the stride-2 layers run on
/// its `brgconv` kernels near the cores' peak, on AVX2 on `jit:avx2` kernels at 53–77 GF/s, below
/// its own sgemm (up to ~88 GF/s on the same 2-core AMD EPYC). The rules that were measured on one
/// ISA and lose on the other live here, one set per ISA (``current`` picks by
/// ``OneDNNInfo/instructionSet``); tests check both sets' routing and run both sets' kernels.
struct ConvolutionTuning: Sendable, Equatable {
    /// Small-side positions (batch included) from which eval-mode forward passes over cached
    /// weights take the stride-2 Winograd path (``DNNLConvolution/winogradS2Eligible(_:bf16:cachedWeights:tuning:)``);
    /// training has its own limits below.
    var winogradS2MinimumPositionsCached: Int
    /// Small-side positions (batch included) from which a layer in training takes the stride-2
    /// Winograd path (its forward and backward-data passes; a transposed layer's forward leaves its
    /// GEMM for it).
    var winogradS2MinimumTrainingPositions: Int
    /// With it, training also needs this many small-side positions per image: below 8² the tiles
    /// of 3² outputs pad an image's side by half or more (4²: 6², F(3×3, 2×2) no cheaper than the
    /// direct product). nil: no per-image limit.
    var winogradS2MinimumImagePositions: Int?
    /// With it, training takes the path only for weights of at most this many elements: the
    /// transformed copy (4× the weights) lives from the forward pass to backward-data, and on the
    /// innermost layers it would raise peak memory more than their speed-up is worth. nil: no limit.
    var winogradS2MaximumTrainingWeights: Int?
    /// The largest small side on which backward-weights of a 4×4 stride-2 layer runs as a GEMM.
    var gemmMaximumPositionsWeights: Int
    /// From this many weight columns (X channels · 16) on, X = col2im(Y · W) computes the
    /// transposed product (``DNNLConvolution/gemmXFromY(_:y:weight:op:tuning:)``).
    var transposedProductMinimumColumns: Int
    /// Small sides (rows) that the GEMM path runs on the skinny kernels (`ck_skinny_*`) instead of
    /// dnnl_sgemm; nil: never.
    var skinnyRows: ClosedRange<Int>?

    func skinny(_ rows: Int) -> Bool { skinnyRows?.contains(rows) ?? false }

    /// Measured on AVX-512 AMD EPYCs (stops 16–18): eval-mode 16² layers run as phase convolutions
    /// on cached weights (230 GF/s on `brgconv`), and sgemm takes every GEMM.
    static let avx512 = ConvolutionTuning(winogradS2MinimumPositionsCached: DNNLConvolution.winogradS2MinimumPositions,
                                          winogradS2MinimumTrainingPositions: DNNLConvolution.winogradS2MinimumPositions,
                                          winogradS2MinimumImagePositions: nil, winogradS2MaximumTrainingWeights: nil,
                                          gemmMaximumPositionsWeights: DNNLConvolution.gemmMaximumPositions,
                                          transposedProductMinimumColumns: .max, skinnyRows: nil)

    /// Measured on an AVX2-only AMD EPYC (family 23, 2 threads; stop 20):
    ///
    /// - unet_256 eval forward, 16² layers as stride-2 Winograd over cached transformed weights
    ///   instead of phase convolutions on `jit:avx2` (73–78 GF/s): 1024 → 256 transposed 29–33 →
    ///   21.6 ms, 256 → 512 at 32² 15.0 → 9.8 ms; the step 0.152 → 0.135 s in alternating runs
    ///   (256, 128 and 64 positions equally fast; 256 keeps peak RSS lowest: +70 MB, not +210);
    /// - backward-weights at 256 positions as a GEMM (TN, ~70 GF/s) instead of `jit:avx2` (53 GF/s
    ///   plus a weight reorder): unet_256's 1024 → 256 transposed layer 40.3 → 30.8 ms, its
    ///   256 → 512 at 32² 20.4 → 15.7 ms;
    /// - X from Y with 8192 weight columns (512 X channels): dnnl_sgemm runs `N,N` at 38–43 GF/s
    ///   for 16–256 rows and `T,T` (Xᵀ = Wᵀ·Yᵀ, the weight as operand A) at 55–57; with 4096
    ///   columns `N,N` is as fast or faster. unet_256's 1024 → 512 at 8² forward 38–43 → 19–21 ms,
    ///   its 512 → 512 at 16² backward-data 18.2 → 11.3 ms;
    /// - 2–4 rows against 16–32 MB weights: dnnl_sgemm packs the weight first (5–6 GB/s in the
    ///   step); the skinny kernels stream it once (micro-benchmark, 4 rows, 1024 × 8192 weight:
    ///   Y·Wᵀ 2.9 → 1.8 ms, Y·W 6.4 → 3.4 ms, Yᵀ·X 3.1 → 2.9 ms). One row: sgemm is as fast or
    ///   faster for the two products; eight rows and more: sgemm wins;
    /// - training: the 16² stride-2 layers (256 positions per image) on stride-2 Winograd (forward
    ///   and backward-data; backward-weights keeps its GEMM, which comes first): unet_256's
    ///   1024 → 256 transposed forward 36–38 → 21.6 ms, backward-data 26.7 → 21–23, its 256 → 512
    ///   forward 13.5 → 9–10.6, backward-data 14.2 → 10–11, against +14 ms of weight transforms
    ///   per step (streamed stores; 20.5 before them); steps alternating, unet_256 0.826 / 0.823 /
    ///   0.818 / 0.901 / 0.903 / 0.815 → 0.808 / 0.797 / 0.887 / 0.877 / 0.880 / 0.785 s, unet_128
    ///   0.299 / 0.299 / 0.330 → 0.287 / 0.287 / 0.315 s;
    /// - training, from 256 positions with the batch (stop 21, once the Winograd transforms had
    ///   AVX2 builds): the 8² layers at batch 4 too. unet_128 batch 4: 1024 → 256 transposed
    ///   forward 41.0 → 21.1 ms, backward-data 29.3 (+2.0 reorder) → 22.6, against a 10 ms weight
    ///   transform; steps 0.877 / 0.881 → 0.855 / 0.857 s alternating (peak RSS +60 MB).
    ///   unet_256 batch 4: 1024 → 512 at 8² 151 → 108 ms, 512 → 512 at 16² 65 → 52 ms (transforms
    ///   included), step 3.11 → 3.05 s, peak RSS 1932 → 1993 MB. With the transforms on the
    ///   baseline ISA (SSE) it lost (0.890 / 0.938 → 0.922 / 0.944 s). Not below 8² per image, and
    ///   only up to 4 Mi weights (1024 → 256, 512 → 512): unet_256's 1024 → 512 at 8² would hold a
    ///   134 MB transformed copy through the step, and with it batch 4 at 256² peaked at 2116 MB,
    ///   1.03 of PyTorch's (before: 0.92–0.94).
    static let avx2 = ConvolutionTuning(winogradS2MinimumPositionsCached: 256,
                                        winogradS2MinimumTrainingPositions: 256, winogradS2MinimumImagePositions: 64,
                                        winogradS2MaximumTrainingWeights: 4 << 20,
                                        gemmMaximumPositionsWeights: 256,
                                        transposedProductMinimumColumns: 8192, skinnyRows: 2...4)

    /// The set for this machine's CPU.
    static let current: ConvolutionTuning = OneDNNInfo.instructionSet.hasPrefix("avx512") ? .avx512 : .avx2
}
