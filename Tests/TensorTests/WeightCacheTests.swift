import Base
import CKernels
import Testing
@testable import Tensor

/// The reordered (oneDNN-layout) copies of convolution weights are cached per weight version.
/// These tests change the weights between calls and compare with a convolution over a fresh
/// tensor holding the new values: a stale cached copy would give the old output.
@Suite("Convolution weight cache")
struct WeightCacheTests {
    /// 32 → 32 channels, so that oneDNN picks a blocked weight layout (and a copy is cached).
    /// The weight tracks versions, as a module parameter's does.
    static func setup(seed: UInt64) -> (x: Tensor, w: Tensor) {
        let w = TestData.normal([32, 32, 4, 4], seed: seed + 1, std: 0.1)
        w.storage.tracksVersions = true
        return (TestData.normal([1, 9, 9, 32], seed: seed), w)
    }

    static func conv(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        try withNoGrad { try Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1) }
    }

    @Test("assign() and markModified() after pointer writes invalidate the cached copy (fp32 and bf16)",
          arguments: Precision.allCases.filter { $0.unavailableReason == nil })
    func invalidation(precision: Precision) throws {
        try Precision.with(precision) {
            let (_, w) = Self.setup(seed: 900)
            // 33² in, 17² out: enough positions per weight that the layer runs in bf16 under .bf16.
            let x = TestData.normal([1, 33, 33, 32], seed: 900)
            let rt = try DNNLRuntime.shared()
            let first = try Self.conv(x, w)
            #expect(!rt.derivedVersions(of: w.storage).isEmpty, "expected a cached blocked copy of the weights")
            // Same weights: the cached copy serves, the output repeats exactly.
            #expect(try Self.conv(x, w).scalars == first.scalars)

            let replacement = TestData.normal([32, 32, 4, 4], seed: 950, std: 0.1)
            w.assign(replacement)
            let afterAssign = try Self.conv(x, w)
            #expect(afterAssign.scalars == (try Self.conv(x, replacement.copy())).scalars)
            #expect(afterAssign.scalars != first.scalars)

            w.pointer[5] += 0.5
            w.pointer[1000] -= 0.25
            w.markModified()
            let afterWrite = try Self.conv(x, w)
            #expect(afterWrite.scalars == (try Self.conv(x, w.copy())).scalars)
            #expect(afterWrite.scalars != afterAssign.scalars)
            #expect(rt.derivedVersions(of: w.storage).allSatisfy { $0 == w.storage.version })
        }
    }

    @Test("backward-data uses the current weights after they change between steps")
    func backwardAfterChange() throws {
        let (x, w) = Self.setup(seed: 910)
        x.requiresGrad = true
        func gradInput() throws -> [Float] {
            x.zeroGrad()
            let y = try Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1)
            try y.backward(gradient: Tensor.ones(y.shape))
            return try #require(x.grad).scalars
        }
        let before = try gradInput()
        w.assign(TestData.normal([32, 32, 4, 4], seed: 960, std: 0.1))
        let after = try gradInput()
        let expected = try Tensor.conv2dBackwardData(Tensor.ones([1, 4, 4, 32]), weight: w.copy(), inputShape: x.shape,
                                                     stride: 2, padding: 1)
        #expect(after == expected.scalars)
        #expect(after != before)
    }

    @Test("stride-1 backward-data (flipped weights as a forward conv) follows weight changes; matches the direct kernel")
    func flippedBackwardData() throws {
        let w = TestData.normal([32, 16, 4, 4], seed: 970, std: 0.1)
        w.storage.tracksVersions = true
        let gy = TestData.normal([1, 8, 6, 32], seed: 971)
        let inputShape = [1, 9, 7, 16]
        let g = try ConvGeometry(transposed: false, op: "conv2d", input: inputShape, weight: w.shape, bias: nil,
                                 stride: 1, padding: 1)
        #expect(DNNLConvolution.flippedGeometry(g) != nil)
        func both() throws -> (flipped: Tensor, direct: Tensor) {
            (try DNNLConvolution.backwardData(g, gradOutput: gy, weight: w),
             try DNNLConvolution.backwardData(g, gradOutput: gy, weight: w.copy(), direct: true))
        }
        let (before, directBefore) = try both()
        #expect(Closeness(before, directBefore).within(1e-5), "\(Closeness(before, directBefore))")
        w.assign(TestData.normal([32, 16, 4, 4], seed: 972, std: 0.1))
        let (after, directAfter) = try both()
        #expect(Closeness(after, directAfter).within(1e-5), "after assign: \(Closeness(after, directAfter))")
        #expect(after.scalars != before.scalars)
        // Stride 2 and thin layers keep the direct kernel.
        let s2 = try ConvGeometry(transposed: false, op: "conv2d", input: inputShape, weight: w.shape, bias: nil,
                                  stride: 2, padding: 1)
        #expect(DNNLConvolution.flippedGeometry(s2) == nil)
        let thin = try ConvGeometry(transposed: false, op: "conv2d", input: [1, 9, 7, 3], weight: [32, 3, 4, 4], bias: nil,
                                    stride: 1, padding: 1)
        #expect(DNNLConvolution.flippedGeometry(thin) == nil)
    }

    @Test("k4 s2 p1 transposed conv as four phase convs (bf16 path) equals the direct kernel in fp32, and follows weight changes")
    func phaseConvolutions() throws {
        // Deconvolution 32 → 24 channels, batch 2, 32×16 input (1024 positions), with bias.
        let x = TestData.normal([2, 32, 16, 32], seed: 980)
        let w = TestData.normal([32, 24, 4, 4], seed: 981, std: 0.1)
        w.storage.tracksVersions = true
        let bias = TestData.normal([24], seed: 982)
        let g = try ConvGeometry(transposed: true, op: "convTranspose2d", input: x.shape, weight: w.shape, bias: bias.shape,
                                 stride: 2, padding: 1)
        #expect(DNNLConvolution.phaseEligible(g))
        func compare(_ note: String) throws {
            let phased = try DNNLConvolution.phaseForward(g, input: x, inputMemory: nil, weight: w, bias: bias, bf16: false,
                                                          stage: "fwd", keepSource: false).output
            let direct = try DNNLConvolution.forward(g, input: x, weight: w.copy(), bias: bias, training: false, direct: true).output
            #expect(Closeness(phased, direct).within(1e-5), "\(note): \(Closeness(phased, direct))")
        }
        try compare("deconv")
        w.assign(TestData.normal([32, 24, 4, 4], seed: 983, std: 0.1))
        try compare("deconv after assign")

        // Backward-data of a k4 s2 p1 conv 24 → 32 (input 64×32, output 32×16) is the same computation.
        let cw = TestData.normal([32, 24, 4, 4], seed: 984, std: 0.1)
        let gy = TestData.normal([2, 32, 16, 32], seed: 985)
        let cg = try ConvGeometry(transposed: false, op: "conv2d", input: [2, 64, 32, 24], weight: cw.shape, bias: nil,
                                  stride: 2, padding: 1)
        let d = try #require(DNNLConvolution.backwardDataAsDeconvolution(cg))
        let phased = try DNNLConvolution.phaseForward(d, input: gy, inputMemory: nil, weight: cw, bias: nil, bf16: false,
                                                      stage: "bwd_data", keepSource: false).output
        let direct = try DNNLConvolution.backwardData(cg, gradOutput: gy, weight: cw, direct: true)
        #expect(Closeness(phased, direct).within(1e-5), "conv backward-data: \(Closeness(phased, direct))")
        // Odd input sizes, thin layers and small layers keep the direct kernels.
        let odd = try ConvGeometry(transposed: false, op: "conv2d", input: [2, 65, 32, 24], weight: cw.shape, bias: nil,
                                   stride: 2, padding: 1)
        #expect(DNNLConvolution.backwardDataAsDeconvolution(odd) == nil)
        let thin = try ConvGeometry(transposed: true, op: "convTranspose2d", input: [2, 32, 16, 32], weight: [32, 3, 4, 4],
                                    bias: nil, stride: 2, padding: 1)
        #expect(!DNNLConvolution.phaseEligible(thin))
        let small = try ConvGeometry(transposed: true, op: "convTranspose2d", input: [1, 16, 16, 32], weight: w.shape,
                                     bias: nil, stride: 2, padding: 1)
        #expect(!DNNLConvolution.phaseEligible(small))
    }

    @Test("eval-mode passes over versioned weights take the cached-weight paths (phases, oneDNN), match the direct kernels and follow weight changes")
    func inferenceOnCachedWeights() throws {
        // unet-like inner layers: 8×4 input (weight-bound in training: GEMM), 48 → 32 channels, with bias.
        let x = TestData.normal([1, 4, 8, 48], seed: 1300)
        let w = TestData.normal([48, 32, 4, 4], seed: 1301, std: 0.1)
        let cw = TestData.normal([32, 48, 4, 4], seed: 1302, std: 0.1)
        let bias = TestData.normal([32], seed: 1303)
        let g = try ConvGeometry(transposed: true, op: "convTranspose2d", input: x.shape, weight: w.shape, bias: bias.shape,
                                 stride: 2, padding: 1)
        let cg = try ConvGeometry(transposed: false, op: "conv2d", input: [1, 8, 16, 48], weight: cw.shape, bias: bias.shape,
                                  stride: 2, padding: 1)
        // Which weights count as cached: eval mode and a versioned (parameter) storage only.
        #expect(!DNNLConvolution.inferenceReadsCachedWeights(training: false, weight: w))
        for t in [w, cw] { t.storage.tracksVersions = true }
        #expect(DNNLConvolution.inferenceReadsCachedWeights(training: false, weight: w))
        #expect(!DNNLConvolution.inferenceReadsCachedWeights(training: true, weight: w))
        // Training keeps the GEMMs on plain weights; eval forward reads cached copies; backward passes are unchanged.
        for bf16 in [false, true] {
            #expect(DNNLConvolution.path(g, .forward, bf16: bf16, cachedWeights: true) == .phases)
            #expect(DNNLConvolution.path(cg, .forward, bf16: bf16, cachedWeights: true) == .oneDNN)
        }
        #expect(DNNLConvolution.path(g, .forward, bf16: false) == .gemm)
        #expect(DNNLConvolution.path(cg, .forward, bf16: false) == .gemm)
        #expect(DNNLConvolution.path(g, .backwardData, bf16: false, cachedWeights: true) == .gemm)
        // The RGB output layer keeps its narrow GEMM in eval mode too.
        let rgb = try ConvGeometry(transposed: true, op: "convTranspose2d", input: [1, 4, 8, 48], weight: [48, 3, 4, 4],
                                   bias: nil, stride: 2, padding: 1)
        #expect(DNNLConvolution.path(rgb, .forward, bf16: false, cachedWeights: true) == .gemm)

        let cx = TestData.normal([1, 8, 16, 48], seed: 1304)
        func compare(_ note: String) throws {
            let (out, cout) = try GradMode.$isEnabled.withValue(false) {
                (try Tensor.convTranspose2d(x, weight: w, bias: bias, stride: 2, padding: 1),
                 try Tensor.conv2d(cx, weight: cw, bias: bias, stride: 2, padding: 1))
            }
            let direct = try DNNLConvolution.forward(g, input: x, weight: w.copy(), bias: bias, training: false, direct: true).output
            let cdirect = try DNNLConvolution.forward(cg, input: cx, weight: cw.copy(), bias: bias, training: false,
                                                      direct: true).output
            #expect(Closeness(out, direct).within(1e-5), "\(note) deconv: \(Closeness(out, direct))")
            #expect(Closeness(cout, cdirect).within(1e-5), "\(note) conv: \(Closeness(cout, cdirect))")
        }
        try compare("first pass")
        try compare("second pass (cached copies)")
        w.assign(TestData.normal([48, 32, 4, 4], seed: 1305, std: 0.1))
        cw.assign(TestData.normal([32, 48, 4, 4], seed: 1306, std: 0.1))
        try compare("after assign")

        // Training steps after an eval pass (validation): their copies are refreshed once per
        // optimizer step; the eval pass's copies, refreshed by nobody, go within two steps
        // instead of staying for the weight's lifetime.
        let rt = try DNNLRuntime.shared()
        #expect(rt.derivedVersions(of: w.storage).count == 4, "the four phase kernels")
        let big = TestData.normal([1, 32, 32, 48], seed: 1308)  // oneDNN's kernel in training, not the GEMM
        let bigG = try ConvGeometry(transposed: true, op: "convTranspose2d", input: big.shape, weight: w.shape, bias: nil,
                                    stride: 2, padding: 1)
        _ = try DNNLConvolution.forward(bigG, input: big, weight: w, bias: nil, training: true)
        try compare("eval pass after a training pass")
        #expect(rt.derivedVersions(of: w.storage).count == 5, "the training copy and the four phase kernels")
        for step in 0..<3 {
            w.assign(TestData.normal([48, 32, 4, 4], seed: 1310 + UInt64(step), std: 0.1))  // the optimizer step
            _ = try DNNLConvolution.forward(bigG, input: big, weight: w, bias: nil, training: true)
        }
        #expect(rt.derivedVersions(of: w.storage) == [w.storage.version], "only the training pass's current copy")
        // A copy refreshed every step (the training one) is never dropped for being refreshed late.
        let out = try DNNLConvolution.forward(bigG, input: big, weight: w, bias: nil, training: true).output
        let direct = try DNNLConvolution.forward(bigG, input: big, weight: w.copy(), bias: nil, training: true).output
        #expect(out.scalars == direct.scalars)
    }

    @Test("weight-bound k4 s2 p1 layers as im2col + SGEMM on plain weights equal the oneDNN kernels (all three passes)",
          arguments: [false, true])
    func gemmLayers(transposed: Bool) throws {
        // Batch 2, small side 4×2 (16 positions), 32 and 24 channels, with bias.
        let weight = transposed ? [32, 24, 4, 4] : [24, 32, 4, 4]
        let g = try ConvGeometry(transposed: transposed, op: "gemm", input: transposed ? [2, 4, 2, 32] : [2, 8, 4, 32],
                                 weight: weight, bias: [24], stride: 2, padding: 1)
        for pass in [DNNLConvolution.Pass.forward, .backwardData, .backwardWeights] {
            #expect(DNNLConvolution.gemmEligible(g, pass))
            #expect(!DNNLConvolution.gemmEligible(g, pass, bf16: true))
        }
        try Self.expectMatchesDirect(g, seed: 990, "gemm")
        // Larger layers, other kernels, thin layers keep oneDNN's kernels; a transposed layer's
        // forward pass up to 256 positions (gemmMaximumPositionsTransposedForward) is a GEMM.
        let big = try ConvGeometry(transposed: transposed, op: "gemm", input: transposed ? [1, 16, 16, 32] : [1, 32, 32, 32],
                                   weight: weight, bias: nil, stride: 2, padding: 1)
        #expect(DNNLConvolution.gemmEligible(big, .forward) == transposed)
        #expect(!DNNLConvolution.gemmEligible(big, .backwardData))
        // Backward-weights at 256 positions: oneDNN's kernel on AVX-512, a GEMM on AVX2.
        #expect(!DNNLConvolution.gemmEligible(big, .backwardWeights, tuning: .avx512))
        #expect(DNNLConvolution.gemmEligible(big, .backwardWeights, tuning: .avx2))
        let bigger = try ConvGeometry(transposed: transposed, op: "gemm", input: transposed ? [2, 16, 16, 32] : [2, 32, 32, 32],
                                      weight: weight, bias: nil, stride: 2, padding: 1)
        #expect(!DNNLConvolution.gemmEligible(bigger, .forward))
        #expect(!DNNLConvolution.gemmEligible(bigger, .backwardWeights, tuning: .avx2))
        if transposed { try Self.expectMatchesDirect(big, seed: 995, "gemm forward at 256 positions") }
        let k3 = try ConvGeometry(transposed: false, op: "gemm", input: [1, 8, 8, 32], weight: [24, 32, 3, 3], bias: nil,
                                  stride: 2, padding: 1)
        #expect(!DNNLConvolution.gemmEligible(k3, .forward))
    }

    /// Every pass of `g` against oneDNN's direct kernels (with bias), batch 2.
    static func expectMatchesDirect(_ g: ConvGeometry, seed: UInt64, _ label: String) throws {
        let input = TestData.normal(g.inputShape, seed: seed)
        let weight = TestData.normal(g.weightShape, seed: seed + 1, std: 0.1)
        let bias = TestData.normal([g.outC], seed: seed + 2)
        let gradOutput = TestData.normal(g.outputShape, seed: seed + 3)
        let out = try DNNLConvolution.forward(g, input: input, weight: weight, bias: bias, training: true).output
        let outDirect = try DNNLConvolution.forward(g, input: input, weight: weight, bias: bias, training: true, direct: true).output
        #expect(Closeness(out, outDirect).within(1e-5), "\(label) forward: \(Closeness(out, outDirect))")
        let dx = try DNNLConvolution.backwardData(g, gradOutput: gradOutput, weight: weight)
        let dxDirect = try DNNLConvolution.backwardData(g, gradOutput: gradOutput, weight: weight, direct: true)
        #expect(Closeness(dx, dxDirect).within(1e-5), "\(label) backward-data: \(Closeness(dx, dxDirect))")
        let dw = try DNNLConvolution.backwardWeights(g, input: input, gradOutput: gradOutput, bias: true)
        let dwDirect = try DNNLConvolution.backwardWeights(g, input: input, gradOutput: gradOutput, bias: true, direct: true)
        #expect(Closeness(dw.weight, dwDirect.weight).within(1e-5), "\(label) backward-weights: \(Closeness(dw.weight, dwDirect.weight))")
        let db = try #require(dw.bias), dbDirect = try #require(dwDirect.bias)
        #expect(Closeness(db, dbDirect).within(1e-5), "\(label) bias gradient: \(Closeness(db, dbDirect))")
    }

    @Test("the GEMM variants of both ISA tunings (skinny kernels for 2–4 rows, the transposed product for 8192 weight columns) equal oneDNN in all three passes",
          arguments: [false, true])
    func tunedGemmVariants(transposed: Bool) throws {
        // X channels 512 (8192 weight columns), Y channels 24; small sides of 1, 3, 4 and 16 positions.
        let weight = [24, 512, 4, 4]  // OIHW of the convolution, IOHW of the transposed one
        let sides = [(1, 1, 1), (1, 1, 3), (2, 1, 2), (1, 4, 4)]
        // The AVX2 set runs both of its kernels on these: skinny for 3 and 4 rows, T,T for 1 and 16.
        #expect(sides.map { ConvolutionTuning.avx2.skinny($0.0 * $0.1 * $0.2) } == [false, true, true, false])
        #expect(512 * 16 >= ConvolutionTuning.avx2.transposedProductMinimumColumns)
        for (n, hy, wy) in sides {
            let input = transposed ? [n, hy, wy, 24] : [n, 2 * hy, 2 * wy, 512]
            let g = try ConvGeometry(transposed: transposed, op: "tuned", input: input, weight: weight, bias: [transposed ? 512 : 24],
                                     stride: 2, padding: 1)
            let seed = UInt64(1700 + 10 * n * hy * wy) + (transposed ? 5 : 0)
            let x = TestData.normal(g.inputShape, seed: seed)
            let w = TestData.normal(g.weightShape, seed: seed + 1, std: 0.05)
            let bias = TestData.normal([g.outC], seed: seed + 2)
            let dy = TestData.normal(g.outputShape, seed: seed + 3)
            let out = try DNNLConvolution.forward(g, input: x, weight: w, bias: bias, training: true, direct: true).output
            let dx = try DNNLConvolution.backwardData(g, gradOutput: dy, weight: w, direct: true)
            let dw = try DNNLConvolution.backwardWeights(g, input: x, gradOutput: dy, bias: false, direct: true).weight
            for tuning in [ConvolutionTuning.avx512, .avx2] {
                let label = "\(transposed ? "transposed" : "conv") \(n)×\(hy)×\(wy), \(tuning == .avx2 ? "AVX2" : "AVX-512") tuning"
                let gOut = try DNNLConvolution.gemmForward(g, input: x, weight: w, bias: bias, tuning: tuning)
                #expect(Closeness(gOut, out).within(1e-5), "\(label) forward: \(Closeness(gOut, out))")
                let gDx = try DNNLConvolution.gemmBackwardData(g, gradOutput: dy, weight: w, tuning: tuning)
                #expect(Closeness(gDx, dx).within(1e-5), "\(label) backward-data: \(Closeness(gDx, dx))")
                let gDw = try DNNLConvolution.gemmBackwardWeights(g, input: x, gradOutput: dy, bias: false, tuning: tuning).weight
                #expect(Closeness(gDw, dw).within(1e-5), "\(label) backward-weights: \(Closeness(gDw, dw))")
            }
        }
    }

    @Test("the skinny kernels equal a double-precision product for every row count, odd widths and split ranges")
    func skinnyKernels() {
        var rng = RandomGenerator(seed: 1750)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.nextDouble() * 2 - 1) } }
        for rows in 1...9 {
            for (m, n) in [(5, 13), (24, 8), (17, 1031)] {
                // a [rows, m]·w[m, n] and its transposed forms; split at an inner point to check the ranges.
                let a = values(rows * m), w = values(m * n), x = values(rows * n)
                var abt = [Float](repeating: .nan, count: rows * m), ab = [Float](repeating: .nan, count: rows * n)
                var atb = [Float](repeating: .nan, count: m * n)
                let split = m / 2, splitN = n / 2
                // abt: out[r, j] = Σ_i x[r, i]·w[j, i] with w read as [m, n] (m outputs, n-long rows).
                ck_skinny_abt(&abt, x, w, rows, n, m, 0, split)
                ck_skinny_abt(&abt, x, w, rows, n, m, split, m)
                ck_skinny_ab(&ab, a, w, rows, m, n, 0, splitN)
                ck_skinny_ab(&ab, a, w, rows, m, n, splitN, n)
                ck_skinny_atb(&atb, a, x, rows, m, n, 0, split)
                ck_skinny_atb(&atb, a, x, rows, m, n, split, m)
                var worst = 0.0
                for r in 0..<rows {
                    for j in 0..<m {
                        let e = (0..<n).reduce(0.0) { $0 + Double(x[r * n + $1]) * Double(w[j * n + $1]) }
                        worst = max(worst, abs(Double(abt[r * m + j]) - e))
                    }
                    for i in 0..<n {
                        let e = (0..<m).reduce(0.0) { $0 + Double(a[r * m + $1]) * Double(w[$1 * n + i]) }
                        worst = max(worst, abs(Double(ab[r * n + i]) - e))
                    }
                }
                for j in 0..<m {
                    for i in 0..<n {
                        let e = (0..<rows).reduce(0.0) { $0 + Double(a[$1 * m + j]) * Double(x[$1 * n + i]) }
                        worst = max(worst, abs(Double(atb[j * n + i]) - e))
                    }
                }
                #expect(worst < 1e-4, "rows \(rows), \(m)×\(n): max |Δ| \(worst)")
            }
        }
    }

    @Test("k4 s2 p1 layers with a narrow (RGB-like) large side: the pass producing it runs as GEMM + col2im, matches oneDNN")
    func narrowGemmLayers() throws {
        // A generator's RGB output (transposed, 32 → 3) and a discriminator's 6-channel input (32 out).
        let deconv = try ConvGeometry(transposed: true, op: "narrow", input: [2, 8, 6, 32], weight: [32, 3, 4, 4],
                                      bias: [3], stride: 2, padding: 1)
        #expect(DNNLConvolution.gemmEligible(deconv, .forward))
        #expect(DNNLConvolution.gemmEligible(deconv, .forward, bf16: true))
        #expect(!DNNLConvolution.gemmEligible(deconv, .backwardWeights))
        #expect(!DNNLConvolution.gemmEligible(deconv, .backwardData))
        try Self.expectMatchesDirect(deconv, seed: 1200, "deconv 32→3")
        let conv = try ConvGeometry(transposed: false, op: "narrow", input: [2, 16, 12, 6], weight: [32, 6, 4, 4],
                                    bias: [32], stride: 2, padding: 1)
        #expect(DNNLConvolution.gemmEligible(conv, .backwardData))
        #expect(!DNNLConvolution.gemmEligible(conv, .backwardWeights))
        #expect(!DNNLConvolution.gemmEligible(conv, .forward))
        try Self.expectMatchesDirect(conv, seed: 1210, "conv 6→32")
        // Narrow on both sides: oneDNN throughout.
        let thin = try ConvGeometry(transposed: false, op: "narrow", input: [1, 16, 16, 3], weight: [8, 3, 4, 4],
                                    bias: nil, stride: 2, padding: 1)
        #expect(!DNNLConvolution.gemmEligible(thin, .backwardData))
        #expect(!DNNLConvolution.tapEligible(thin))
    }

    @Test("convolutions with few output channels run as tap GEMMs (k4 s1, k3 s2, 1×1, odd sizes) and match oneDNN",
          arguments: [([2, 9, 7, 32], [1, 32, 4, 4], 1, 1), ([2, 11, 10, 24], [3, 24, 3, 3], 2, 1),
                      ([2, 5, 6, 16], [2, 16, 1, 1], 1, 0), ([1, 12, 12, 20], [5, 20, 4, 4], 2, 2)])
    func tapLayers(input: [Int], weight: [Int], stride: Int, padding: Int) throws {
        let g = try ConvGeometry(transposed: false, op: "taps", input: input, weight: weight, bias: [weight[0]],
                                 stride: stride, padding: padding)
        #expect(DNNLConvolution.tapEligible(g))
        try Self.expectMatchesDirect(g, seed: 1300 + UInt64(weight[0]), "\(g)")
    }

    @Test("stride-1 4×4 convolutions by Winograd F(2×2, 4×4), F(3×3, 4×4) and F(4×4, 4×4) match oneDNN in all three passes (paddings 0–3, odd sizes, two blocks)",
          arguments: [([2, 9, 8, 64], 80, 1, 2, 3), ([1, 12, 11, 96], 64, 2, 3, 3), ([2, 6, 7, 64], 64, 0, 3, 3),
                      ([1, 5, 5, 64], 128, 3, 2, 3),
                      ([520, 3, 3, 64], 64, 1, 2, 3),   // 520 F(2×2) tiles over 2², and 520 F(3×3) over 3²: two blocks each (winogradBlockTiles)
                      ([130, 5, 5, 64], 64, 1, 4, 3),   // 130 F(4×4) tiles over 4² (0.49 of F(2×2)'s elements); 520 F(3×3) over 5²
                      ([9, 17, 17, 64], 64, 1, 4, 3),   // 16² outputs: F(4×4) (144 tiles, 0.60 of F(3×3)'s elements)
                      ([3, 16, 16, 64], 64, 1, 3, 4),   // F(3×3) over 15² (F(4×4): 0.87 of its elements, 48 tiles), F(4×4) over 16²
                      ([6, 33, 33, 64], 64, 1, 4, 3),   // 384 F(4×4) tiles over 32²: two blocks (winogradBlockTiles(tile: 4) = 376)
                      ([60, 10, 10, 64], 64, 1, 3, 4)]) // 540 F(3×3) tiles over 9², 540 F(4×4) over 10²: two blocks each
    // The last two arguments: the tile side the rule picks for the forward (and backward-weights) pass
    // and for backward-data (the flipped convolution over the input's size): both kernel sets run.
    func winogradLayers(input: [Int], outC: Int, padding: Int, forwardTile: Int, backwardDataTile: Int) throws {
        let g = try ConvGeometry(transposed: false, op: "winograd", input: input, weight: [outC, input[3], 4, 4],
                                 bias: [outC], stride: 1, padding: padding)
        #expect(DNNLConvolution.winogradEligible(g, bf16: false))
        #expect(!DNNLConvolution.winogradEligible(g, bf16: true))
        let f = try #require(DNNLConvolution.flippedGeometry(g))
        #expect(DNNLConvolution.winogradEligible(f, bf16: false))
        #expect(DNNLConvolution.winogradTile(g) == forwardTile)
        #expect(DNNLConvolution.winogradTile(f) == backwardDataTile)
        try Self.expectMatchesDirect(g, seed: 1400 + UInt64(padding), "\(g)")
    }

    @Test("4×4 stride-2 layers by Winograd F(m×m, 2×2) over input phases match oneDNN in all three passes (conv and transposed, both tile sides, sides not multiples of the tile)",
          arguments: [(false, [2, 64, 64, 64], 96, 4), (true, [1, 32, 34, 128], 64, 4), (false, [1, 66, 64, 80], 64, 4),
                      (true, [2, 32, 32, 64], 64, 4), (false, [2, 128, 100, 64], 64, 4), (true, [2, 64, 50, 64], 64, 4),
                      (false, [2, 160, 128, 64], 64, 4), (false, [3, 42, 42, 64], 80, 3), (true, [4, 21, 21, 64], 64, 3),
                      (false, [5, 36, 36, 64], 64, 3)])
    // The small side picks the tile: multiples of 4 (and 33 × 32) take F(4×4, 2×2); 21² and 18² have
    // fewer transformed elements with F(3×3). [2, 160, 128] (640 F(4×4) tiles) runs in two blocks
    // (winogradBlockTiles). Every case has ≥ 1024 small-side positions (eligible on both tunings).
    func winogradStride2Layers(transposed: Bool, input: [Int], outC: Int, tile: Int) throws {
        let inC = input[3]
        let g = try ConvGeometry(transposed: transposed, op: "winograd-s2", input: input,
                                 weight: transposed ? [inC, outC, 4, 4] : [outC, inC, 4, 4], bias: [outC],
                                 stride: 2, padding: 1)
        #expect(DNNLConvolution.winogradS2Eligible(g, bf16: false))
        #expect(!DNNLConvolution.winogradS2Eligible(g, bf16: true))
        #expect(DNNLConvolution.winogradS2Tile(DNNLConvolution.GemmView(g)) == tile)
        try Self.expectMatchesDirect(g, seed: 1600 + UInt64(outC), "\(g)")
    }

    @Test("Winograd weights follow weight changes (the transformed copy is cached per version)")
    func winogradFollowsWeights() throws {
        let x = TestData.normal([1, 8, 8, 64], seed: 1500)
        let w = TestData.normal([64, 64, 4, 4], seed: 1501, std: 0.1)
        w.storage.tracksVersions = true
        let g = try ConvGeometry(transposed: false, op: "winograd", input: x.shape, weight: w.shape, bias: nil,
                                 stride: 1, padding: 1)
        let dy = TestData.normal(g.outputShape, seed: 1502)
        _ = try DNNLConvolution.forward(g, input: x, weight: w, bias: nil, training: true)
        _ = try DNNLConvolution.backwardData(g, gradOutput: dy, weight: w)
        w.assign(TestData.normal(w.shape, seed: 1503, std: 0.1))
        let y = try DNNLConvolution.forward(g, input: x, weight: w, bias: nil, training: true).output
        let yDirect = try DNNLConvolution.forward(g, input: x, weight: w, bias: nil, training: true, direct: true).output
        #expect(Closeness(y, yDirect).within(1e-5), "forward after assign: \(Closeness(y, yDirect))")
        let dx = try DNNLConvolution.backwardData(g, gradOutput: dy, weight: w)
        let dxDirect = try DNNLConvolution.backwardData(g, gradOutput: dy, weight: w, direct: true)
        #expect(Closeness(dx, dxDirect).within(1e-5), "backward-data after assign: \(Closeness(dx, dxDirect))")
    }

    @Test("each pass of unet_256 + patchgan_70's layer kinds takes the intended path (fp32 and bf16)")
    func routing() throws {
        func geometry(_ transposed: Bool, _ input: [Int], _ weight: [Int], stride: Int = 2) throws -> ConvGeometry {
            try ConvGeometry(transposed: transposed, op: "route", input: input, weight: weight, bias: nil, stride: stride, padding: 1)
        }
        typealias C = DNNLConvolution
        let last = try geometry(false, [1, 31, 31, 512], [1, 512, 4, 4], stride: 1)          // D's 512 → 1
        let stride1 = try geometry(false, [1, 32, 32, 256], [512, 256, 4, 4], stride: 1)     // D's 256 → 512
        let down = try geometry(false, [1, 128, 128, 64], [128, 64, 4, 4])                   // 64 → 128 at 128²
        let inner = try geometry(true, [1, 8, 8, 1024], [1024, 512, 4, 4])                   // 1024 → 512 at 8²
        let rgb = try geometry(true, [1, 128, 128, 128], [128, 3, 4, 4])                     // G's 128 → 3
        for pass in [C.Pass.forward, .backwardData, .backwardWeights] {
            #expect(C.path(last, pass, bf16: false) == .taps)
            #expect(C.path(stride1, pass, bf16: false) == .winograd)
            #expect(C.path(down, pass, bf16: false) == .winogradS2)
            #expect(C.path(inner, pass, bf16: false) == .gemm)
        }
        // F(4×4, 4×4) at 31² (forward, backward-weights) and 32² (backward-data): 0.72 of F(3×3)'s
        // elements. unet_128's 15² layer keeps F(3×3) forward at batch 1 (F(4×4) has 0.87 of its
        // elements, 16 tiles) and takes F(4×4) for backward-data over 16² (0.49 of F(2×2)'s, 16
        // tiles; 6×6 tiles would cover 18²); at batch 16 (256 tiles) F(4×4) for both.
        #expect(C.winogradTile(stride1) == 4)
        #expect(C.winogradTile(try #require(C.flippedGeometry(stride1))) == 4)
        let stride1At16 = try geometry(false, [1, 16, 16, 256], [512, 256, 4, 4], stride: 1)
        #expect(C.winogradTile(stride1At16) == 3)
        #expect(C.winogradTile(try #require(C.flippedGeometry(stride1At16))) == 4)
        let batch16 = try geometry(false, [16, 16, 16, 256], [512, 256, 4, 4], stride: 1)
        #expect(C.winogradTile(batch16) == 4)
        #expect(C.winogradTile(try #require(C.flippedGeometry(batch16))) == 4)
        // unet_64's 8² layer keeps F(2×2): F(4×4) would have 4 tiles (GEMMs of 4 rows, and its
        // weight transforms cost more than they save).
        let stride1At8 = try geometry(false, [1, 8, 8, 256], [512, 256, 4, 4], stride: 1)
        #expect(C.winogradTile(stride1At8) == 2)
        // Blocks: as many tiles as keep the planes at F(3×3)'s size with 512 tiles.
        #expect([2, 3, 4].map { C.winogradBlockTiles(tile: $0) } == [512, 512, 376])
        #expect([3, 4].map { C.winogradS2BlockTiles($0) } == [512, 320])
        // Stride-2 Winograd: F(4×4, 2×2) on power-of-two sides up to 1 Mi weights, F(3×3) above
        // (the 6.25× transformed copy would raise peak memory) and where 3×3 tiles fit better.
        #expect(C.winogradS2Tile(C.GemmView(down)) == 4)
        #expect(C.winogradS2Tile(C.GemmView(try geometry(true, [1, 32, 32, 512], [512, 128, 4, 4]))) == 4)  // 1 Mi
        #expect(C.winogradS2Tile(C.GemmView(try geometry(false, [1, 32, 32, 256], [512, 256, 4, 4]))) == 3)  // 2 Mi
        #expect(C.winogradS2Tile(C.GemmView(try geometry(false, [1, 42, 42, 64], [128, 64, 4, 4]))) == 3)    // 21²
        #expect(C.winogradTile(try #require(C.flippedGeometry(stride1At8))) == 2)
        // unet_256's 1024 → 256 at 16²: the forward pass (oneDNN's slow transposed kernel) as a GEMM,
        // the other two on oneDNN's kernels.
        // On AVX2 the 16² layers (256 positions per image) run forward and backward-data on the
        // stride-2 Winograd path, backward-weights as a GEMM; eval-mode forward passes over cached
        // weights take the Winograd path from 256 positions too.
        let deconv16 = try geometry(true, [1, 16, 16, 1024], [1024, 256, 4, 4])
        let conv32 = try geometry(false, [1, 32, 32, 256], [512, 256, 4, 4])
        #expect(C.path(deconv16, .forward, bf16: false, tuning: .avx512) == .gemm)
        #expect(C.path(deconv16, .backwardData, bf16: false, tuning: .avx512) == .oneDNN)
        #expect(C.path(conv32, .forward, bf16: false, tuning: .avx512) == .oneDNN)
        #expect(C.path(conv32, .backwardData, bf16: false, tuning: .avx512) == .oneDNN)
        for pass in [C.Pass.forward, .backwardData] {
            #expect(C.path(deconv16, pass, bf16: false, tuning: .avx2) == .winogradS2)
            #expect(C.path(conv32, pass, bf16: false, tuning: .avx2) == .winogradS2)
        }
        #expect(C.path(conv32, .backwardWeights, bf16: false, tuning: .avx2) == .gemm)
        // AVX2 counts the batch (256 positions) but not below 8² per image: at batch 4 the 8² layers
        // take the Winograd path (a transposed forward leaves its GEMM), the 4² ones keep their
        // kernels even at batch 64; AVX-512 keeps both on theirs.
        let conv16At4 = try geometry(false, [4, 16, 16, 256], [512, 256, 4, 4])
        let deconv8At4 = try geometry(true, [4, 8, 8, 1024], [1024, 256, 4, 4])
        for pass in [C.Pass.forward, .backwardData] {
            #expect(C.path(conv16At4, pass, bf16: false, tuning: .avx2) == .winogradS2)
            #expect(C.path(deconv8At4, pass, bf16: false, tuning: .avx2) == .winogradS2)
        }
        #expect(C.path(conv16At4, .forward, bf16: false, tuning: .avx512) == .oneDNN)
        #expect(C.path(deconv8At4, .forward, bf16: false, tuning: .avx512) == .gemm)
        #expect(C.path(deconv8At4, .backwardWeights, bf16: false, tuning: .avx2) == .gemm)
        let conv8At64 = try geometry(false, [64, 8, 8, 512], [512, 512, 4, 4])
        #expect(!C.winogradS2Eligible(conv8At64, bf16: false, tuning: .avx2))
        #expect(C.winogradS2Eligible(conv8At64, bf16: false, tuning: .avx512))
        // …and only up to 4 Mi weights: unet_256's 1024 → 512 at 8² keeps its GEMM at batch 4.
        let deconv8Wide = try geometry(true, [4, 8, 8, 1024], [1024, 512, 4, 4])
        #expect(C.path(deconv8Wide, .forward, bf16: false, tuning: .avx2) == .gemm)
        #expect(!C.winogradS2Eligible(deconv8Wide, bf16: false, tuning: .avx2))
        #expect(C.winogradS2Eligible(try geometry(false, [4, 16, 16, 512], [512, 512, 4, 4]), bf16: false, tuning: .avx2))
        let conv16At1 = try geometry(false, [1, 16, 16, 256], [512, 256, 4, 4])
        #expect(!C.winogradS2Eligible(conv16At1, bf16: false, tuning: .avx2))
        #expect(C.path(deconv16, .backwardWeights, bf16: false, tuning: .avx512) == .oneDNN)
        #expect(C.path(deconv16, .backwardWeights, bf16: false, tuning: .avx2) == .gemm)
        #expect(C.path(deconv16, .forward, bf16: false, cachedWeights: true, tuning: .avx512) == .phases)
        #expect(C.path(deconv16, .forward, bf16: false, cachedWeights: true, tuning: .avx2) == .winogradS2)
        #expect(C.path(conv32, .forward, bf16: false, cachedWeights: true, tuning: .avx512) == .oneDNN)
        #expect(C.path(conv32, .forward, bf16: false, cachedWeights: true, tuning: .avx2) == .winogradS2)
        #expect(C.path(inner, .forward, bf16: false, cachedWeights: true, tuning: .avx2) == .phases)
        #expect(C.path(stride1, .forward, bf16: true) == .oneDNN)
        #expect(C.path(stride1, .backwardData, bf16: true) == .flipped)
        #expect(C.path(down, .forward, bf16: true) == .oneDNN)
        #expect(C.path(down, .backwardData, bf16: true) == .phases)
        #expect(C.path(rgb, .forward, bf16: true) == .gemm)
        #expect(C.path(rgb, .backwardWeights, bf16: false) == .oneDNN)
    }

    @Test("a weight that does not track versions is never cached: pointer writes are always seen")
    func untrackedWeights() throws {
        let x = TestData.normal([1, 9, 9, 32], seed: 940)
        let w = TestData.normal([32, 32, 4, 4], seed: 941, std: 0.1)
        let first = try Self.conv(x, w)
        #expect(try DNNLRuntime.shared().derivedVersions(of: w.storage).isEmpty)
        w.pointer[7] += 1  // no markModified(): a gradient check perturbs weights like this
        let second = try Self.conv(x, w)
        #expect(second.scalars == (try Self.conv(x, w.copy())).scalars)
        #expect(second.scalars != first.scalars)
    }

    @Test("copies of freed weights are dropped, and a new tensor never sees another's copy")
    func freedWeights() throws {
        let x = TestData.normal([1, 9, 9, 32], seed: 920)
        var outputs: [[Float]] = []
        for seed in [930, 931, 932] as [UInt64] {
            // Each w is freed after its iteration; a new one may get the same address.
            let w = TestData.normal([32, 32, 4, 4], seed: seed, std: 0.1)
            w.storage.tracksVersions = true
            let y = try Self.conv(x, w)
            let reference = try Tensor.conv2d(x, weight: w.copy(), bias: nil, stride: 2, padding: 1)
            #expect(y.scalars == reference.scalars)
            outputs.append(y.scalars)
        }
        #expect(outputs[0] != outputs[1] && outputs[1] != outputs[2])
    }
}
