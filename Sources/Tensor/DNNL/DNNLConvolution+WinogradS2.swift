import Base
import CKernels

/// 4×4, stride-2, padding-1 layers (every U-Net and PatchGAN down- and up-sampling layer) by
/// Winograd F(4×4, 2×2) or F(3×3, 2×2) over their four input phases (fp32).
///
/// Seen as the convolution X → Y from the large side X to the small side Y (``GemmView``), such a
/// layer is the sum of four stride-1 2×2 correlations, one per phase (row and column parity) of
/// X. Each runs as Winograd F(m×m, 2×2) with output tiles of m = 4 (25 products per 4×4 outputs
/// instead of 64) or m = 3 (16 per 3×3 instead of 36; ``winogradS2Tile(_:)`` picks) and the
/// phases add up in the transformed domain, so every pass is (m + 1)² GEMMs with K = 4·(X
/// channels): 2.56× (m = 4) or 2.25× fewer FLOPs than the direct convolution (`winograd_s2.c`
/// and `winograd_s2_tile.h` for the transforms):
///
/// - X → Y (convolution forward, transposed-convolution backward-data): `V` from X, `M = V·U`,
///   output transform;
/// - Y → X (convolution backward-data, transposed-convolution forward): the output transform's
///   adjoint of Y, `P = Z·Uᵀ`, the input transform's adjoint (overlapping tiles add up; threads
///   split channels);
/// - weights: `S = Vᵀ·Z` (computed transposed, `Sᵀ = Zᵀ·V`), the weight transform's adjoint.
///
/// Only layers with at least ``winogradS2MinimumPositions`` positions on the small side (batch
/// included; the AVX-512 tuning's value, ``ConvolutionTuning`` has the AVX2 one) and
/// ≥ ``winogradMinimumChannels`` channels a side: the transformed weights are 4× (m = 3) or 6.25×
/// (m = 4) the weights, which pays only where each weight does enough work (unet_256 + patchgan_70 step, A/B
/// in alternating runs: 0.574 → 0.511 s with 1024; 256 was slower than 1024, 4096 no better).
/// Rounding ~1e-7 (m = 3) and ~1e-6 (m = 4) relative per tile, the latter the stride-1 kernels'
/// class; `WeightCacheTests` checks both against oneDNN in all three passes.
extension DNNLConvolution {
    static let winogradS2MinimumPositions = 1024

    /// Whether `g` (fp32) runs on the stride-2 Winograd path.
    /// With `cachedWeights` (eval-mode forward) the transformed weights are made once per weight
    /// version, and `tuning`'s ``ConvolutionTuning/winogradS2MinimumPositionsCached`` applies; in
    /// training, ``ConvolutionTuning/winogradS2MinimumTrainingPositions`` and, where the tuning has
    /// one, ``ConvolutionTuning/winogradS2MinimumImagePositions`` per image and
    /// ``ConvolutionTuning/winogradS2MaximumTrainingWeights`` (AVX2: 256, 8² and 4 Mi weights, so
    /// the 16² layers at batch 1 and the 8² ones up to 1024 → 256 from batch 4).
    static func winogradS2Eligible(_ g: ConvGeometry, bf16: Bool, cachedWeights: Bool = false,
                                   tuning: ConvolutionTuning = .current) -> Bool {
        guard !bf16, g.kh == 4, g.kw == 4, g.stride == 2, g.padding == 1 else { return false }
        let v = GemmView(g)
        guard v.hx == 2 * v.hy, v.wx == 2 * v.wy, v.cx % 16 == 0, v.cy % 16 == 0 else { return false }
        guard min(v.cx, v.cy) >= winogradMinimumChannels else { return false }
        if cachedWeights { return v.rows >= tuning.winogradS2MinimumPositionsCached }
        return v.rows >= tuning.winogradS2MinimumTrainingPositions
            && v.hy * v.wy >= (tuning.winogradS2MinimumImagePositions ?? 0)
            && v.cx * v.cy * 16 <= (tuning.winogradS2MaximumTrainingWeights ?? .max)
    }

    /// The output tile side m of the F(m×m, 2×2) kernels for the layer seen as `v`: 4 when its
    /// tiles hold no more transformed elements ((m + 1)² per tile) than F(3×3, 2×2)'s and its
    /// weights are at most ``winogradS2LargeTileMaximumWeights``; else 3.
    ///
    /// F(4×4, 2×2) takes 25 products per 16 outputs instead of 16 per 9 (1.14× fewer) and does not
    /// pad sides that are multiples of 4 (3×3 tiles pad 16² and 8² by 27 %, 32² and 64² by 6 %).
    /// Its transformed weights are 25 planes instead of 16 (6.25× the weights, not 4×), kept
    /// through training like every transformed copy. AVX2 AMD EPYC, 2 threads (stop 23): unet_256
    /// entries 10–25 % faster (64 → 128 at 128²: forward 35.0 → 30.5 ms, backward-data 41.4 → 35.0,
    /// backward-weights 28.0 → 24.1; 1024 → 256 transposed at 16²: forward 20.5 → 17.2,
    /// backward-data 22.6 → 17.1), its weight transforms 1.6× slower (1024 → 256: 7.6 → 12.4 ms per
    /// step); whole steps alternating three times, F(3×3) → F(4×4) where it has fewer elements:
    /// unet_256 0.929 / 0.890 / 0.884 → 0.892 / 0.792 / 0.875 s, unet_128 0.347 / 0.324 / 0.321 →
    /// 0.328 / 0.313 / 0.289, unet_64 0.160 / 0.157 / 0.160 → 0.145 / 0.142 / 0.136, unet_128 at
    /// batch 4 0.904 / 0.870 / 0.876 → 0.804 / 0.826 / 0.834. On every layer, peak memory rose
    /// by 90–160 MB (unet_128 at batch 16: 1720 → 1814–1837 MB, unet_256 at batch 4: 1975 →
    /// 2043–2130; PyTorch peaks at 1810–1920 and 2020–2100): hence the weight limit (1696 and
    /// 2000 MB with it; the layers above it are the 16² and 8² ones with 2–4 Mi weights, where
    /// the transform's cost also ate most of the gain at batch 1).
    static func winogradS2Tile(_ v: GemmView) -> Int {
        guard v.cx * v.cy * 16 <= winogradS2LargeTileMaximumWeights else { return 3 }
        let three = WinogradTiles(batch: v.n, height: v.hy, width: v.wy, tile: 3)
        let four = WinogradTiles(batch: v.n, height: v.hy, width: v.wy, tile: 4)
        return four.count * winogradS2Elements(4) <= three.count * winogradS2Elements(3) ? 4 : 3
    }

    /// Layers with more weights keep F(3×3, 2×2): the larger transformed copies raised peak memory
    /// more than their speed-up was worth (see ``winogradS2Tile(_:)``).
    static let winogradS2LargeTileMaximumWeights = 1 << 20

    /// Transformed elements per tile of F(m×m, 2×2), (m + 1)²: the planes, and the GEMMs per block.
    static func winogradS2Elements(_ tile: Int) -> Int { (tile + 1) * (tile + 1) }

    /// Tiles per block of F(m×m, 2×2): ``winogradBlockTiles`` for 16 planes, and as many fewer for
    /// 25 (320) as keep the transformed buffers (planes × tiles) at their F(3×3, 2×2) size.
    static func winogradS2BlockTiles(_ tile: Int) -> Int {
        winogradBlockTiles(planes: winogradS2Elements(tile), reference: winogradS2Elements(3))
    }

    /// The weight as U ((m + 1)² planes of [4·cx, cy]), cached per weight version and tile side.
    /// Call inside `rt.run`.
    static func winogradS2Weights(_ rt: DNNLRuntime, _ v: GemmView, _ weight: Tensor, tile m: Int) -> Tensor {
        let count = winogradS2Elements(m) * ck_wino_plane(4 * v.cx, v.cy)
        return rt.transformedWeights(weight, kind: "winograd s2 F\(m) weights [\(v.cy)×\(v.cx)]", shapes: [[count]]) { tensors in
            let src = UncheckedSendable(weight.pointer), dst = UncheckedSendable(tensors[0].pointer)
            let (cy, cx) = (v.cy, v.cx)
            parallelRanges(cx, grain: 16) { begin, end in ck_wino2_weights(m, dst.value, src.value, cy, cx, begin, end) }
        }[0]
    }

    /// The small side Y from the large side X (`u` from ``winogradS2Weights(_:_:_:)``).
    static func winogradS2Down(_ g: ConvGeometry, x: Tensor, u: Tensor, bias: Tensor?, tile m: Int,
                               label: String) throws -> Tensor {
        let v = GemmView(g), t = WinogradTiles(batch: v.n, height: v.hy, width: v.wy, tile: m), planes = winogradS2Elements(m)
        let y = Tensor.empty([v.n, v.hy, v.wy, v.cy])
        try Profiler.measure(label, flops: g.flops) {
            let block = winogradS2BlockTiles(m), rows = min(t.count, block)
            let (vPlane, mPlane, uPlane) = (ck_wino_plane(rows, 4 * v.cx), ck_wino_plane(rows, v.cy),
                                            ck_wino_plane(4 * v.cx, v.cy))
            let rt = try DNNLRuntime.shared()
            let vt = rt.scratch(0, count: planes * vPlane), mt = rt.scratch(1, count: planes * mPlane)
            let (xp, vp, mp, yp) = (UncheckedSendable(x.pointer), UncheckedSendable(vt.pointer),
                                    UncheckedSendable(mt.pointer), UncheckedSendable(y.pointer))
            let bp = UncheckedSendable(bias.map { UnsafePointer($0.pointer) })
            try forTileBlocks(t.count, block: block) { begin, end in
                Profiler.part(label, "input transform") {
                    overTiles(begin, end) { tb, te in
                        ck_wino2_input(m, vp.value, xp.value, v.n, v.hy, v.wy, v.cx, t.rows, t.columns, tb, te, begin, rows)
                    }
                }
                try Profiler.part(label, "GEMMs") {
                    for e in 0..<planes {
                        try sgemm("N", "N", end - begin, v.cy, 4 * v.cx, vt.pointer + e * vPlane, 4 * v.cx,
                                  u.pointer + e * uPlane, v.cy, mt.pointer + e * mPlane, v.cy, op: g.opName)
                    }
                }
                Profiler.part(label, "output transform") {
                    overTiles(begin, end) { tb, te in
                        ck_wino2_output(m, yp.value, mp.value, bp.value, v.n, v.hy, v.wy, v.cy, t.rows, t.columns, tb, te, begin, rows)
                    }
                }
            }
        }
        return y
    }

    /// The large side X from the small side Y (the adjoint of ``winogradS2Down(_:x:u:bias:label:)``).
    static func winogradS2Up(_ g: ConvGeometry, y: Tensor, u: Tensor, bias: Tensor?, tile m: Int,
                             label: String) throws -> Tensor {
        let v = GemmView(g), t = WinogradTiles(batch: v.n, height: v.hy, width: v.wy, tile: m), planes = winogradS2Elements(m)
        let x = Tensor.empty([v.n, v.hx, v.wx, v.cx])
        try Profiler.measure(label, flops: g.flops) {
            let block = winogradS2BlockTiles(m), rows = min(t.count, block)
            let (zPlane, pPlane, uPlane) = (ck_wino_plane(rows, v.cy), ck_wino_plane(rows, 4 * v.cx),
                                            ck_wino_plane(4 * v.cx, v.cy))
            let rt = try DNNLRuntime.shared()
            let zt = rt.scratch(0, count: planes * zPlane), pt = rt.scratch(1, count: planes * pPlane)
            let (yp, zp, pp, xp) = (UncheckedSendable(y.pointer), UncheckedSendable(zt.pointer),
                                    UncheckedSendable(pt.pointer), UncheckedSendable(x.pointer))
            let bp = UncheckedSendable(bias.map { UnsafePointer($0.pointer) })
            try forTileBlocks(t.count, block: block) { begin, end in
                Profiler.part(label, "grad-output transform") {
                    overTiles(begin, end) { tb, te in
                        ck_wino2_grad_output(m, zp.value, yp.value, v.n, v.hy, v.wy, v.cy, t.rows, t.columns, tb, te, begin, rows)
                    }
                }
                try Profiler.part(label, "GEMMs") {
                    for e in 0..<planes {
                        try sgemm("N", "T", end - begin, 4 * v.cx, v.cy, zt.pointer + e * zPlane, v.cy, u.pointer + e * uPlane,
                                  v.cy, pt.pointer + e * pPlane, 4 * v.cx, op: g.opName)
                    }
                }
                // The first block also sets X to the bias (or zero); later blocks add to it.
                let (n, hy, wy, cx, tileRows, columns, first) = (v.n, v.hy, v.wy, v.cx, t.rows, t.columns, begin == 0)
                Profiler.part(label, "input adjoint transform") {
                    parallelRanges(cx, grain: 16) { cb, ce in
                        ck_wino2_input_adjoint(m, xp.value, pp.value, bp.value, n, hy, wy, cx, tileRows, columns, begin, end, rows,
                                               cb, ce, first ? 1 : 0)
                    }
                }
            }
        }
        return x
    }

    /// dW [cy, cx, 4, 4] (OIHW of the convolution, IOHW of the transposed one) from the large side
    /// X and the small side's gradient-side tensor Y.
    static func winogradS2WeightGradient(_ g: ConvGeometry, x: Tensor, y: Tensor) throws -> Tensor {
        let v = GemmView(g), m = winogradS2Tile(v)
        let t = WinogradTiles(batch: v.n, height: v.hy, width: v.wy, tile: m), planes = winogradS2Elements(m)
        let dw = Tensor.empty(g.weightShape)
        let label = "\(g.key)|bwd_weights|winograd"
        try Profiler.measure(label, flops: g.flops) {
            let block = winogradS2BlockTiles(m), rows = min(t.count, block)
            let (vPlane, zPlane, sPlane) = (ck_wino_plane(rows, 4 * v.cx), ck_wino_plane(rows, v.cy),
                                            ck_wino_plane(v.cy, 4 * v.cx))
            let rt = try DNNLRuntime.shared()
            let vt = rt.scratch(0, count: planes * vPlane), zt = rt.scratch(1, count: planes * zPlane)
            let st = rt.scratch(2, count: planes * sPlane)
            let (xp, yp, vp, zp, sp, dwp) = (UncheckedSendable(x.pointer), UncheckedSendable(y.pointer),
                                             UncheckedSendable(vt.pointer), UncheckedSendable(zt.pointer),
                                             UncheckedSendable(st.pointer), UncheckedSendable(dw.pointer))
            try forTileBlocks(t.count, block: block) { begin, end in
                Profiler.part(label, "input transforms") {
                    overTiles(begin, end) { tb, te in
                        ck_wino2_input(m, vp.value, xp.value, v.n, v.hy, v.wy, v.cx, t.rows, t.columns, tb, te, begin, rows)
                    }
                    overTiles(begin, end) { tb, te in
                        ck_wino2_grad_output(m, zp.value, yp.value, v.n, v.hy, v.wy, v.cy, t.rows, t.columns, tb, te, begin, rows)
                    }
                }
                // Sᵀ = Zᵀ·V (the weight-gradient transform reads S transposed: `ck_wino2_weight_grad`)
                // accumulates over the blocks.
                try Profiler.part(label, "GEMMs") {
                    for e in 0..<planes {
                        try sgemm("T", "N", v.cy, 4 * v.cx, end - begin, zt.pointer + e * zPlane, v.cy,
                                  vt.pointer + e * vPlane, 4 * v.cx, st.pointer + e * sPlane, 4 * v.cx, beta: begin == 0 ? 0 : 1,
                                  op: g.opName)
                    }
                }
            }
            let (cy, cx) = (v.cy, v.cx)
            Profiler.part(label, "weight-gradient transform") {
                parallelRanges(cy, grain: 4) { begin, end in ck_wino2_weight_grad(m, dwp.value, sp.value, cy, cx, begin, end) }
            }
        }
        return dw
    }

    // MARK: the three passes

    static func winogradS2Forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            let v = GemmView(g), m = winogradS2Tile(v), u = winogradS2Weights(rt, v, weight, tile: m)
            let label = "\(g.key)|fwd|winograd"
            return g.transposed ? try winogradS2Up(g, y: input, u: u, bias: bias, tile: m, label: label)
                                : try winogradS2Down(g, x: input, u: u, bias: bias, tile: m, label: label)
        }
    }

    static func winogradS2BackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            let v = GemmView(g), m = winogradS2Tile(v), u = winogradS2Weights(rt, v, weight, tile: m)
            let label = "\(g.key)|bwd_data|winograd"
            return g.transposed ? try winogradS2Down(g, x: gradOutput, u: u, bias: nil, tile: m, label: label)
                                : try winogradS2Up(g, y: gradOutput, u: u, bias: nil, tile: m, label: label)
        }
    }

    static func winogradS2BackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor,
                                          bias: Bool) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let dw = try rt.run {
            g.transposed ? try winogradS2WeightGradient(g, x: gradOutput, y: input)
                         : try winogradS2WeightGradient(g, x: input, y: gradOutput)
        }
        return (dw, bias ? biasGradient(gradOutput, channels: g.outC) : nil)
    }
}
