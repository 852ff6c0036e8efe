import Base
import CKernels

/// Stride-1 4×4 convolutions by Winograd's minimal filtering F(2×2, 4×4), F(3×3, 4×4) or F(4×4, 4×4) (fp32).
///
/// patchgan_70's fourth layer (256 → 512 channels, 32² → 31²) is the costliest of the training
/// step: three forward calls, three backward-data calls (run as forward convolutions over flipped
/// weights) and two backward-weights calls per step, 4 GFLOP each, which oneDNN 2.6.3 runs at
/// 190–250 GF/s, near the two cores' fp32 peak. Winograd F(2×2, 4×4) computes each 2×2 output
/// tile from a 5×5 input tile with 25 multiplies per channel pair instead of 64, so the channel
/// sums become 25 GEMMs of [tiles × inC]·[inC × outC] holding 2.4× fewer FLOPs than the direct
/// convolution at 31² (6 400 products per channel pair against 15 376). F(3×3, 4×4) computes 3×3
/// tiles from 6×6 ones: 36 GEMMs, 4 356 products at 31² (3.5× fewer); F(4×4, 4×4) 4×4 tiles from
/// 7×7 ones: 49 GEMMs, 3 136 products at 31² (4.9× fewer); ``winogradTile(_:)`` picks the tile
/// side per pass. Plus transforms that are linear in the activations (`ck_wino_*` in
/// winograd.c, one kernel set per tile side):
///
/// - forward: `V = Bᵀ D B` per input tile, `M[e] = V[e] · U[e]` with `U = G W Gᵀ` (cached per
///   weight version), `Y = Aᵀ M A`;
/// - backward-data (stride 1): the same over the flipped, channel-swapped weights, transformed
///   straight from the OIHW weight;
/// - backward-weights: `S[e] = V[e]ᵀ · Z[e]` (computed transposed, `Sᵀ = Zᵀ·V`) with `Z = A dY Aᵀ`
///   (the output transform's adjoint), then `dW = Gᵀ S G`.
///
/// Rounding differs from the direct convolution's (the transforms add and scale by ½, ⅓, 1/15 and
/// 1/45): relative errors 2–4e-6 worst, 0.4–1.2e-6 mean per tile for the three tile sides, checked
/// against oneDNN's kernels in `WeightCacheTests` (all three sets, all three passes).
extension DNNLConvolution {
    /// Channel counts below this stay on oneDNN (the transforms' share grows as the GEMMs shrink).
    static let winogradMinimumChannels = 64

    /// Whether `g` (fp32) runs on the Winograd path: a stride-1 4×4 convolution with channel
    /// counts that are multiples of 16 and at least ``winogradMinimumChannels``.
    static func winogradEligible(_ g: ConvGeometry, bf16: Bool) -> Bool {
        guard !bf16, !g.transposed, g.stride == 1, g.kh == 4, g.kw == 4 else { return false }
        return g.inC % 16 == 0 && g.outC % 16 == 0 && min(g.inC, g.outC) >= winogradMinimumChannels
    }

    /// Square output tiles of a Winograd path: per image rows × columns of tiles, and in all.
    struct WinogradTiles {
        let rows: Int, columns: Int, count: Int
        init(batch: Int, height: Int, width: Int, tile: Int) {
            rows = (height + tile - 1) / tile
            columns = (width + tile - 1) / tile
            count = batch * rows * columns
        }
        /// The output tiles of F(m×m, 4×4) for `g`, m = ``winogradTile(_:)``.
        init(_ g: ConvGeometry) { self.init(batch: g.batch, height: g.outH, width: g.outW, tile: winogradTile(g)) }
    }

    /// (m + 3)² planes of [rows, cols] floats for output tile side m, plane e at `e * plane`
    /// (``ck_wino_plane``: padded so that the planes do not alias in the caches).
    struct WinogradPlanes {
        let rows: Int, cols: Int, plane: Int, elements: Int
        init(_ rows: Int, _ cols: Int, tile: Int) {
            self.rows = rows
            self.cols = cols
            plane = ck_wino_plane(rows, cols)
            elements = winogradElements(tile)
        }
        var count: Int { elements * plane }
    }

    /// Transformed elements per tile of F(m×m, 4×4), (m + 3)²: the planes, and the GEMMs per block.
    static func winogradElements(_ tile: Int) -> Int { (tile + 3) * (tile + 3) }

    /// The output tile side m of the F(m×m, 4×4) kernels that run `g` (forward over its output):
    /// 3 when its tiles hold at most ``winogradLargeTileShare`` of F(2×2, 4×4)'s transformed
    /// elements, or at most ``winogradLargeTileShareMany`` with at least ``winogradManyTiles``
    /// tiles; else 2. Then 4 instead where F(4×4, 4×4)'s tiles hold at most
    /// ``winogradLargestTileShare`` of the chosen side's elements and number at least
    /// ``winogradLargestTileMinimumTiles``, or at most ``winogradLargestTileShareMany`` with at
    /// least ``winogradLargestTileManyTiles``.
    ///
    /// F(3×3, 4×4) takes 36 multiplies per 9 outputs against 25 per 4 (1.56× fewer), but its
    /// tiles cover the image in steps of 3 (waste where the side is not a multiple of 3), its
    /// transformed weights are 36 planes instead of 25 (made once per weight version), and its
    /// GEMMs have fewer rows. patchgan_70's 256 → 512 layer (2 threads, AMD EPYC, quiet):
    /// at 31² (unet_256) forward 30.6 → 20.0 ms, backward-data (32² outputs) 30.2 → 21.8 ms,
    /// backward-weights 26.3 → 18.9 ms (elements 0.68 of F(2×2)'s); at 15² (unet_128) forward
    /// 7.6 → 5.7 ms (0.56), backward-weights 9.3 → 8.8 ms. Backward-data over 16² outputs (0.81:
    /// 6×6 tiles cover 18²) depends on the batch: 8.3 → 9.3 ms at batch 1 (36 tiles), 119 → 98 ms
    /// at batch 16 (576 tiles); unet_128 at batch 4 (144 tiles) 0.382 → 0.378 s per step; unet_64
    /// (7² / 8², 0.81, 9 tiles) 0.072 → 0.076 s with F(3×3), so F(2×2) there.
    ///
    /// F(4×4, 4×4) (49 per 16 outputs, twice F(3×3)'s rounding error, 49 planes of transformed
    /// weights) covers 32² and 16² without waste. AVX2 AMD EPYC, 2 threads, the layer's entries per
    /// training step, F(4×4) forced on every pass against the rule before it: at unet_256's 31² / 32²
    /// (0.72 of F(3×3)'s elements, 64 tiles) forward 52.9 → 38.5 ms, backward-data 53.1 → 38.4,
    /// backward-weights 40.9 → 32.8; over unet_128's 16² backward-data (0.49 of F(2×2)'s, 16 tiles)
    /// 19.2 → 13.7 ms, at batch 4 (0.60 of F(3×3)'s, 64 tiles) 60.6 → 39.0; but unet_128's 15²
    /// forward (0.87 of F(3×3)'s, 16 tiles) 12.5 → 13.4 ms and backward-weights 13.0 → 16.3 (its
    /// weight-gradient transform reads 49 planes: 5.2 → 7.2 ms), and unet_64's 7² / 8² layer (4
    /// tiles) slower in all three passes (backward-weights 7.7 → 13.5 ms). With many tiles the
    /// 0.87 pays: at batch 4 (64 tiles) forward 43.9 → 39.3 ms, backward-weights 35.0 → 33.7;
    /// whole steps alternating (F(4×4) at ≤ 0.9 from 64 tiles): unet_128 at batch 4
    /// 0.700 / 0.822 / 0.697 → 0.682 / 0.692 / 0.684 s, at batch 16 2.42 / 2.44 → 2.33 / 2.34.
    static func winogradTile(_ g: ConvGeometry) -> Int {
        func tiles(_ side: Int) -> Int { WinogradTiles(batch: g.batch, height: g.outH, width: g.outW, tile: side).count }
        func elements(_ side: Int) -> Double { Double(tiles(side) * winogradElements(side)) }
        let share = elements(3) / elements(2)
        let side = share <= winogradLargeTileShare || (share <= winogradLargeTileShareMany && tiles(3) >= winogradManyTiles) ? 3 : 2
        let largestShare = elements(4) / elements(side)
        let largest = (largestShare <= winogradLargestTileShare && tiles(4) >= winogradLargestTileMinimumTiles)
            || (largestShare <= winogradLargestTileShareMany && tiles(4) >= winogradLargestTileManyTiles)
        return largest ? 4 : side
    }

    /// See ``winogradTile(_:)``.
    static let winogradLargeTileShare = 0.75
    /// See ``winogradTile(_:)``.
    static let winogradLargeTileShareMany = 0.85
    /// See ``winogradTile(_:)``.
    static let winogradManyTiles = 128
    /// See ``winogradTile(_:)``.
    static let winogradLargestTileShare = 0.75
    /// See ``winogradTile(_:)``.
    static let winogradLargestTileMinimumTiles = 16
    /// See ``winogradTile(_:)``.
    static let winogradLargestTileShareMany = 0.9
    /// See ``winogradTile(_:)``.
    static let winogradLargestTileManyTiles = 64

    /// `weight` (OIHW of `g`, or with `backwardData` of the convolution whose stride-1
    /// backward-data `g` is) as U = G W Gᵀ, planes [inC, outC] of `g`, cached per weight version.
    /// Call inside `rt.run`.
    static func winogradWeights(_ rt: DNNLRuntime, _ g: ConvGeometry, _ weight: Tensor, backwardData: Bool,
                                tile: Int) -> Tensor {
        let kind = "winograd F\(tile) weights\(backwardData ? " (backward-data)" : "") [\(g.inC)→\(g.outC)]"
        return rt.transformedWeights(weight, kind: kind, shapes: [[WinogradPlanes(g.inC, g.outC, tile: tile).count]]) { tensors in
            let src = UncheckedSendable(weight.pointer), dst = UncheckedSendable(tensors[0].pointer)
            let (outC, inC) = (g.outC, g.inC)
            parallelRanges(inC, grain: max(1, (1 << 15) / (outC * 16))) { begin, end in
                ck_wino_weights(tile, dst.value, src.value, outC, inC, backwardData ? 1 : 0, begin, end)
            }
        }[0]
    }

    /// Tiles per block on the Winograd paths: bounds the transformed buffers (~13 MB for a block of
    /// a 512-channel layer) whatever the batch and image size.
    static let winogradBlockTiles = 512

    /// Tiles per block of a kernel set with `planes` transformed elements per tile:
    /// ``winogradBlockTiles``, or as many fewer (a multiple of 8) as keep the transformed buffers
    /// (planes × tiles) at the size `reference` planes take with ``winogradBlockTiles`` tiles.
    static func winogradBlockTiles(planes: Int, reference: Int) -> Int {
        min(winogradBlockTiles, winogradBlockTiles * reference / planes / 8 * 8)
    }

    /// Tiles per block of F(m×m, 4×4): ``winogradBlockTiles`` for up to 36 planes, and as many fewer
    /// for 49 (376) as keep the transformed buffers at their F(3×3, 4×4) size.
    static func winogradBlockTiles(tile: Int) -> Int {
        winogradBlockTiles(planes: winogradElements(tile), reference: winogradElements(3))
    }

    /// Calls `body(begin, end)` for consecutive blocks of at most `block` of `count` tiles (the
    /// tile side's block, ``winogradBlockTiles(tile:)`` or ``winogradS2BlockTiles(_:)``: the
    /// caller's scratch buffers hold that many).
    static func forTileBlocks(_ count: Int, block: Int, _ body: (Int, Int) throws -> Void) rethrows {
        var begin = 0
        while begin < count {
            let end = min(count, begin + block)
            try body(begin, end)
            begin = end
        }
    }

    /// Runs `kernel` over the tiles [begin, end), split across the threads.
    static func overTiles(_ begin: Int, _ end: Int, _ kernel: @escaping (Int, Int) -> Void) {
        let body = UncheckedSendable(kernel)
        parallelRanges(end - begin, grain: 8) { b, e in body.value(begin + b, begin + e) }
    }

    /// The forward pass of `g`.
    static func winogradForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            let m = winogradTile(g)
            return try winogradConvolve(g, input: input, u: winogradWeights(rt, g, weight, backwardData: false, tile: m),
                                        bias: bias, tile: m, label: "\(g.key)|fwd|winograd")
        }
    }

    /// Stride-1 backward-data of `g`: the forward convolution ``flippedGeometry(_:)`` over the
    /// flipped, channel-swapped kernel, transformed straight from the OIHW weight.
    static func winogradBackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) throws -> Tensor {
        guard let f = flippedGeometry(g) else {
            throw TensorError.invalidArgument(op: g.opName, message: "Winograd backward-data needs a stride-1 layer, got \(g)")
        }
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            let m = winogradTile(f)
            return try winogradConvolve(f, input: gradOutput, u: winogradWeights(rt, f, weight, backwardData: true, tile: m),
                                        bias: nil, tile: m, label: "\(g.key)|bwd_data|winograd")
        }
    }

    /// The forward convolution `g` with transformed weights `u` (``winogradWeights(_:_:_:backwardData:tile:)``)
    /// on output tiles of side `tile`.
    static func winogradConvolve(_ g: ConvGeometry, input: Tensor, u: Tensor, bias: Tensor?, tile side: Int,
                                 label: String) throws -> Tensor {
        let t = WinogradTiles(batch: g.batch, height: g.outH, width: g.outW, tile: side)
        let out = Tensor.empty(g.outputShape)
        try Profiler.measure(label, flops: g.flops) {
            let rt = try DNNLRuntime.shared()
            let block = winogradBlockTiles(tile: side), rows = min(t.count, block)
            let (vs, ms, us) = (WinogradPlanes(rows, g.inC, tile: side), WinogradPlanes(rows, g.outC, tile: side),
                                WinogradPlanes(g.inC, g.outC, tile: side))
            let v = rt.scratch(0, count: vs.count), m = rt.scratch(1, count: ms.count)
            let (x, vp, mp, y) = (UncheckedSendable(input.pointer), UncheckedSendable(v.pointer),
                                  UncheckedSendable(m.pointer), UncheckedSendable(out.pointer))
            let b = UncheckedSendable(bias.map { UnsafePointer($0.pointer) })
            try forTileBlocks(t.count, block: block) { begin, end in
                Profiler.part(label, "input transform") {
                    overTiles(begin, end) { tb, te in
                        ck_wino_input(side, vp.value, x.value, g.batch, g.inH, g.inW, g.inC, g.padding, t.rows, t.columns, tb, te,
                                      begin, rows)
                    }
                }
                try Profiler.part(label, "GEMMs") {
                    for e in 0..<vs.elements {
                        try sgemm("N", "N", end - begin, g.outC, g.inC, v.pointer + e * vs.plane, g.inC,
                                  u.pointer + e * us.plane, g.outC, m.pointer + e * ms.plane, g.outC, op: g.opName)
                    }
                }
                Profiler.part(label, "output transform") {
                    overTiles(begin, end) { tb, te in
                        ck_wino_output(side, y.value, mp.value, b.value, g.batch, g.outH, g.outW, g.outC, t.rows, t.columns, tb,
                                       te, begin, rows)
                    }
                }
            }
        }
        return out
    }

    /// dL/dweight (OIHW) and, when `bias`, dL/dbias of the convolution `g`.
    static func winogradBackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor,
                                        bias: Bool) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let m = winogradTile(g)
        let t = WinogradTiles(batch: g.batch, height: g.outH, width: g.outW, tile: m)
        let gradWeight = Tensor.empty(g.weightShape)
        let label = "\(g.key)|bwd_weights|winograd"
        try rt.run {
            try Profiler.measure(label, flops: g.flops) {
                let block = winogradBlockTiles(tile: m), rows = min(t.count, block)
                let (vs, zs, ss) = (WinogradPlanes(rows, g.inC, tile: m), WinogradPlanes(rows, g.outC, tile: m),
                                    WinogradPlanes(g.outC, g.inC, tile: m))
                let v = rt.scratch(0, count: vs.count), z = rt.scratch(1, count: zs.count)
                let s = rt.scratch(2, count: ss.count)
                let (x, dy, vp, zp, sp, dw) = (UncheckedSendable(input.pointer), UncheckedSendable(gradOutput.pointer),
                                               UncheckedSendable(v.pointer), UncheckedSendable(z.pointer),
                                               UncheckedSendable(s.pointer), UncheckedSendable(gradWeight.pointer))
                try forTileBlocks(t.count, block: block) { begin, end in
                    Profiler.part(label, "input transforms") {
                        overTiles(begin, end) { tb, te in
                            ck_wino_input(m, vp.value, x.value, g.batch, g.inH, g.inW, g.inC, g.padding, t.rows, t.columns, tb,
                                          te, begin, rows)
                        }
                        overTiles(begin, end) { tb, te in
                            ck_wino_grad_output(m, zp.value, dy.value, g.batch, g.outH, g.outW, g.outC, t.rows, t.columns, tb,
                                                te, begin, rows)
                        }
                    }
                    // Sᵀ = Zᵀ·V (the weight-gradient transform reads S transposed: `ck_wino_weight_grad`)
                    // accumulates over the blocks.
                    try Profiler.part(label, "GEMMs") {
                        for e in 0..<vs.elements {
                            try sgemm("T", "N", g.outC, g.inC, end - begin, z.pointer + e * zs.plane, g.outC,
                                      v.pointer + e * vs.plane, g.inC, s.pointer + e * ss.plane, g.inC,
                                      beta: begin == 0 ? 0 : 1, op: g.opName)
                        }
                    }
                }
                let (outC, inC) = (g.outC, g.inC)
                Profiler.part(label, "weight-gradient transform") {
                    parallelRanges(outC, grain: max(1, (1 << 15) / (inC * 16))) { begin, end in
                        ck_wino_weight_grad(m, dw.value, sp.value, outC, inC, begin, end)
                    }
                }
            }
        }
        return (gradWeight, bias ? biasGradient(gradOutput, channels: g.outC) : nil)
    }
}
