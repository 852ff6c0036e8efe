import Base
import Tensor

/// Seeded weight initialisers with PyTorch's `torch.nn.init` semantics, filling tensors in place.
///
/// Fan-in and fan-out come from the stored layout exactly as PyTorch computes them:
/// `fan_in = shape[1] · ∏shape[2...]`, `fan_out = shape[0] · ∏shape[2...]`. For a convolution
/// (OIHW) that is in·k² and out·k²; for a transposed convolution (IOHW, PyTorch's layout) PyTorch
/// — and therefore this — takes out·k² as fan-in.
public enum Initializers {
    /// PyTorch's `_calculate_fan_in_and_fan_out`.
    public static func fans(_ shape: [Int]) throws -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else {
            throw NNError.invalidArgument(
                what: "Initializers.fans", message: "fan-in and fan-out need a tensor with at least 2 axes, got shape \(shape)")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Fills `tensor` with a constant.
    public static func constant(_ tensor: Tensor, _ value: Float) {
        tensor.assign(Tensor.full(tensor.shape, value))
    }

    /// Fills `tensor` from N(mean, std²) — `init.normal_`.
    public static func normal(_ tensor: Tensor, mean: Float = 0, std: Float, using rng: inout RandomGenerator) throws {
        guard std >= 0, std.isFinite, mean.isFinite else {
            throw NNError.invalidArgument(what: "Initializers.normal", message: "std must be finite and ≥ 0 and mean finite, got mean \(mean), std \(std)")
        }
        tensor.assign(Tensor.normal(tensor.shape, mean: mean, std: std, using: &rng))
    }

    /// Xavier / Glorot normal — `init.xavier_normal_`: std = gain · √(2 / (fan_in + fan_out)).
    public static func xavierNormal(_ tensor: Tensor, gain: Float = 1, using rng: inout RandomGenerator) throws {
        let (fanIn, fanOut) = try fans(tensor.shape)
        guard fanIn + fanOut > 0 else { return }
        let std = Double(gain) * (2.0 / Double(fanIn + fanOut)).squareRoot()
        try normal(tensor, std: Float(std), using: &rng)
    }

    /// Kaiming / He normal in fan-in mode for a (leaky) ReLU of slope `a` — `init.kaiming_normal_(a=a,
    /// mode='fan_in')`: std = √(2 / (1 + a²)) / √fan_in. With a = 0 this is √(2 / fan_in).
    public static func kaimingNormal(_ tensor: Tensor, a: Float = 0, using rng: inout RandomGenerator) throws {
        let (fanIn, _) = try fans(tensor.shape)
        guard fanIn > 0 else { return }
        let gain = (2.0 / (1.0 + Double(a) * Double(a))).squareRoot()
        try normal(tensor, std: Float(gain / Double(fanIn).squareRoot()), using: &rng)
    }

    /// A (semi-)orthogonal matrix scaled by `gain` — `init.orthogonal_`.
    ///
    /// The tensor is viewed as `[shape[0], rest]`. With rows ≤ columns the rows are orthonormal
    /// (W·Wᵀ = gain²·I); otherwise the columns are (Wᵀ·W = gain²·I). Like PyTorch, a Gaussian
    /// matrix is factorised as QR with R's diagonal made positive, which makes Q uniformly (Haar)
    /// distributed. Here the QR is modified Gram–Schmidt in double precision (a Gaussian matrix is
    /// well enough conditioned for one pass to be orthogonal to ~1e-13), blocked and split across
    /// threads. It is the slowest initialiser: all of unet_256's weights take 10–25 s in release.
    public static func orthogonal(_ tensor: Tensor, gain: Float = 1, using rng: inout RandomGenerator) throws {
        guard tensor.rank >= 2 else {
            throw NNError.invalidArgument(what: "Initializers.orthogonal", message: "needs a tensor with at least 2 axes, got shape \(tensor.shape)")
        }
        guard tensor.count > 0 else { return }
        let rows = tensor.shape[0], cols = tensor.count / rows
        let tall = max(rows, cols), narrow = min(rows, cols)
        // Column-major tall matrix: column j is q[j*tall ..< (j+1)*tall], contiguous.
        let q = UnsafeMutablePointer<Double>.allocate(capacity: tall * narrow)
        defer { q.deallocate() }
        for i in 0..<(tall * narrow) { q[i] = Double(rng.nextNormal()) }
        // Blocked modified Gram–Schmidt: a panel of columns is orthonormalised, then every later
        // column has the panel's projections removed (in order, so it is exactly MGS). The panel
        // stays in cache while the trailing columns stream past once per panel instead of once
        // per column, and the trailing columns are independent, so they are split across threads.
        let panel = Self.orthogonalPanel
        let grain = max(1, (1 << 16) / tall)
        var panelStart = 0
        while panelStart < narrow {
            let panelEnd = min(narrow, panelStart + panel)
            for i in panelStart..<panelEnd {
                let v = q + i * tall
                for p in panelStart..<i { subtractScaled(v, q + p * tall, dot(q + p * tall, v, tall), tall) }
                let norm = dot(v, v, tall).squareRoot()
                guard norm > 1e-12 else {
                    throw NNError.invalidArgument(what: "Initializers.orthogonal", message: "the random matrix for shape \(tensor.shape) was rank-deficient; draw again with another seed")
                }
                scale(v, 1 / norm, tall)
            }
            let first = panelEnd
            parallelRanges(narrow - first, grain: grain) { start, end in
                for j in (first + start)..<(first + end) {
                    let v = q + j * tall
                    var r = dot(q + panelStart * tall, v, tall)
                    for p in panelStart..<(panelEnd - 1) {
                        r = subtractScaledThenDot(v, q + p * tall, r, q + (p + 1) * tall, tall)
                    }
                    subtractScaled(v, q + (panelEnd - 1) * tall, r, tall)
                }
            }
            panelStart = panelEnd
        }
        let out = tensor.pointer
        let g = Double(gain)
        if rows >= cols {
            // W (rows × cols) = Q: W[r, c] = column c, entry r.
            for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = Float(g * q[c * rows + r]) } }
        } else {
            // W (rows × cols) = Qᵀ: row r of W is column r of Q.
            for i in 0..<(rows * cols) { out[i] = Float(g * q[i]) }
        }
        tensor.markModified()
    }

    /// Columns per Gram–Schmidt panel. 8–32 measured alike (1024×8192 in ~2.4 s release, 2 threads);
    /// 1 (plain MGS) was 1.4–2× slower.
    static let orthogonalPanel = 16

    /// Σ a·b with four partial sums, so that the loop vectorises.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= n {
            s0 += a[k] * b[k]
            s1 += a[k + 1] * b[k + 1]
            s2 += a[k + 2] * b[k + 2]
            s3 += a[k + 3] * b[k + 3]
            k += 4
        }
        while k < n { s0 += a[k] * b[k]; k += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// v −= s·u, then returns Σ w·v (one pass over v instead of two).
    @inline(__always)
    static func subtractScaledThenDot(_ v: UnsafeMutablePointer<Double>, _ u: UnsafePointer<Double>, _ s: Double,
                                      _ w: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= n {
            let v0 = v[k] - s * u[k], v1 = v[k + 1] - s * u[k + 1]
            let v2 = v[k + 2] - s * u[k + 2], v3 = v[k + 3] - s * u[k + 3]
            v[k] = v0; v[k + 1] = v1; v[k + 2] = v2; v[k + 3] = v3
            s0 += w[k] * v0
            s1 += w[k + 1] * v1
            s2 += w[k + 2] * v2
            s3 += w[k + 3] * v3
            k += 4
        }
        while k < n {
            let x = v[k] - s * u[k]
            v[k] = x
            s0 += w[k] * x
            k += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// v −= s·u
    @inline(__always)
    static func subtractScaled(_ v: UnsafeMutablePointer<Double>, _ u: UnsafePointer<Double>, _ s: Double, _ n: Int) {
        for k in 0..<n { v[k] -= s * u[k] }
    }

    /// v *= s
    @inline(__always)
    static func scale(_ v: UnsafeMutablePointer<Double>, _ s: Double, _ n: Int) {
        for k in 0..<n { v[k] *= s }
    }
}
