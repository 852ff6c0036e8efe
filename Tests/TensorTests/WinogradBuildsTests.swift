import Base
import CKernels
import Testing

/// The Winograd transform kernels are compiled three times (AVX-512, AVX2 + FMA, baseline) and the
/// best build the CPU has runs. The convolution tests check that build against oneDNN; these check
/// every lower build against it, kernel by kernel, on the calling thread (`ck_wino_cap_isa`), so
/// that a build only some CPUs run cannot drift unnoticed.
@Suite("Winograd kernel builds")
struct WinogradBuildsTests {
    /// A zero-filled, 64-byte aligned float buffer (the streamed weight transform needs whole-line
    /// alignment).
    final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let count: Int
        init(_ count: Int) {
            self.count = count
            pointer = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        deinit { UnsafeMutableRawPointer(pointer).deallocate() }
        var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    }

    /// Runs every kernel once at the current level; the outputs, by kernel name.
    static func outputs() -> [String: [Float]] {
        var rng = RandomGenerator(seed: 2100)
        // Inputs in [-1, 1); outputs start at zero.
        func input(_ count: Int) -> Buffer {
            let b = Buffer(count)
            for i in 0..<count { b.pointer[i] = Float(rng.nextDouble() * 2 - 1) }
            return b
        }
        func output(_ count: Int) -> Buffer { Buffer(count) }
        var result: [String: [Float]] = [:]

        // Stride 1, F(m×m, 4×4): 2 images of 7×6, 32 → 48 channels, padding 1.
        let (n, h, w, c, k, pad) = (2, 7, 6, 32, 48, 1)
        let (oh, ow) = (h + 2 * pad - 3, w + 2 * pad - 3)
        for m in [2, 3, 4] {
            let side = m + 3, planes = side * side
            let (th, tw) = ((oh + m - 1) / m, (ow + m - 1) / m)
            let tiles = n * th * tw
            let x = input(n * h * w * c), dy = input(n * oh * ow * k), bias = input(k)
            let mm = input(planes * ck_wino_plane(tiles, k)), s = input(planes * ck_wino_plane(k, c))
            let wt = input(k * c * 16)
            let v = output(planes * ck_wino_plane(tiles, c)), y = output(n * oh * ow * k)
            let z = output(planes * ck_wino_plane(tiles, k))
            let u = output(planes * ck_wino_plane(c, k)), uf = output(planes * ck_wino_plane(k, c))
            let dw = output(k * c * 16)
            ck_wino_input(m, v.pointer, x.pointer, n, h, w, c, pad, th, tw, 0, tiles, 0, tiles)
            ck_wino_output(m, y.pointer, mm.pointer, bias.pointer, n, oh, ow, k, th, tw, 0, tiles, 0, tiles)
            ck_wino_grad_output(m, z.pointer, dy.pointer, n, oh, ow, k, th, tw, 0, tiles, 0, tiles)
            ck_wino_weights(m, u.pointer, wt.pointer, k, c, 0, 0, c)
            ck_wino_weights(m, uf.pointer, wt.pointer, c, k, 1, 0, k)
            // Two ranges of output channels, as threads split them.
            ck_wino_weight_grad(m, dw.pointer, s.pointer, k, c, 0, 7)
            ck_wino_weight_grad(m, dw.pointer, s.pointer, k, c, 7, k)
            for (name, b) in [("input", v), ("output", y), ("grad_output", z), ("weights", u),
                              ("weights flipped", uf), ("weight_grad", dw)] {
                result["F(\(m)×\(m), 4×4) \(name)"] = b.values
            }
        }

        // Stride 2, F(m×m, 2×2) over the phases, m = 3 and 4: 2 images, Y 5×4, X 10×8 (edge tiles
        // cut off for both m); 32 X, 48 Y channels.
        let (hy, wy, cx, cy) = (5, 4, 32, 48)
        for m in [3, 4] {
            let (th, tw, planes) = ((hy + m - 1) / m, (wy + m - 1) / m, (m + 1) * (m + 1))
            let tiles = n * th * tw
            let x = input(n * 4 * hy * wy * cx), dy = input(n * hy * wy * cy), biasX = input(cx), biasY = input(cy)
            let p = input(planes * ck_wino_plane(tiles, 4 * cx)), mm = input(planes * ck_wino_plane(tiles, cy))
            let wt = input(cy * cx * 16), s = input(planes * ck_wino_plane(cy, 4 * cx))
            let v = output(planes * ck_wino_plane(tiles, 4 * cx)), xa = output(n * 4 * hy * wy * cx)
            let y = output(n * hy * wy * cy), z = output(planes * ck_wino_plane(tiles, cy))
            let u = output(planes * ck_wino_plane(4 * cx, cy)), dw = output(cy * cx * 16)
            ck_wino2_input(m, v.pointer, x.pointer, n, hy, wy, cx, th, tw, 0, tiles, 0, tiles)
            // Two channel ranges, as threads split them.
            ck_wino2_input_adjoint(m, xa.pointer, p.pointer, biasX.pointer, n, hy, wy, cx, th, tw, 0, tiles, tiles, 0, 16, 1)
            ck_wino2_input_adjoint(m, xa.pointer, p.pointer, biasX.pointer, n, hy, wy, cx, th, tw, 0, tiles, tiles, 16, cx, 1)
            ck_wino2_output(m, y.pointer, mm.pointer, biasY.pointer, n, hy, wy, cy, th, tw, 0, tiles, 0, tiles)
            ck_wino2_grad_output(m, z.pointer, dy.pointer, n, hy, wy, cy, th, tw, 0, tiles, 0, tiles)
            ck_wino2_weights(m, u.pointer, wt.pointer, cy, cx, 0, cx)
            // Two ranges of Y channels, as threads split them.
            ck_wino2_weight_grad(m, dw.pointer, s.pointer, cy, cx, 0, 20)
            ck_wino2_weight_grad(m, dw.pointer, s.pointer, cy, cx, 20, cy)
            for (name, b) in [("input", v), ("input_adjoint", xa), ("output", y), ("grad_output", z),
                              ("weights", u), ("weight_grad", dw)] {
                result["F(\(m)×\(m), 2×2) s2 \(name)"] = b.values
            }
        }
        return result
    }

    @Test("every Winograd transform kernel gives the same result in each build this CPU runs (baseline, AVX2 + FMA, AVX-512)")
    func buildsAgree() throws {
        let best = ck_wino_isa()
        defer { _ = ck_wino_cap_isa(-1) }
        // The shared probes agree (Adam's AVX-512 build uses ck_cpu_avx512f).
        #expect((best == 2) == (ck_cpu_avx512f() == 1) && (best >= 1) == (ck_cpu_avx2_fma() == 1 || best == 2))
        #expect(ck_wino_cap_isa(0) == 0)
        let baseline = Self.outputs()
        #expect(baseline.count == 30)
        // Something was written: the kernels are not all no-ops.
        for (name, values) in baseline { #expect(values.contains { $0 != 0 }, "\(name) wrote nothing") }
        guard best > 0 else { return }
        for level in 1...best {
            #expect(ck_wino_cap_isa(Int32(level)) == Int32(level))
            for (name, values) in Self.outputs() {
                let reference = try #require(baseline[name])
                let scale = reference.map { abs($0) }.max() ?? 1
                let worst = zip(values, reference).map { abs($0 - $1) }.max() ?? 0
                // FMA contraction (AVX2 and AVX-512 builds) rounds once where the baseline rounds twice.
                #expect(worst <= 1e-5 * max(scale, 1), "\(name), level \(level): max |Δ| \(worst) (scale \(scale))")
            }
        }
        #expect(ck_wino_cap_isa(-1) == best)
    }
}
