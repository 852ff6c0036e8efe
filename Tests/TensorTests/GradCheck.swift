import Base
import Testing
import Tensor

/// Finite-difference gradient checking for any op built from tensors.
///
/// The scalar probed is `L = Σ f(inputs) ⊙ R` with `R` a fixed random tensor (Double accumulation),
/// so every output element's gradient path is exercised with a distinct weight. The analytic side
/// seeds `backward(gradient: R)` directly, so the check does not depend on the `mul` / `sum` ops.
/// The numeric side is the double-sided difference `(L(x + ε) − L(x − ε)) / (x₊ − x₋)` per element,
/// with `x₊ − x₋` taken from the Float32 values actually stored. An element passes when
/// `|analytic − numeric| ≤ atol + rtol·|numeric|`.
enum GradCheck {
    struct Result {
        var worstError: Double = 0
        var worstWhere = ""
        var failures = 0
        var checked = 0
    }

    /// Checks dL/d(inputs[i]) for every `i` in `differentiate` (default: all).
    @discardableResult
    static func check(_ name: String, _ inputs: [Tensor], differentiate: Set<Int>? = nil,
                      eps: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 1e-2, seed: UInt64 = 0x5EED,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ f: ([Tensor]) throws -> Tensor) throws -> Result {
        let wanted = differentiate ?? Set(inputs.indices)
        let leaves = inputs.enumerated().map { i, t -> Tensor in
            let leaf = t.copy()
            leaf.requiresGrad = wanted.contains(i)
            return leaf
        }
        let output = try f(leaves)
        var rng = RandomGenerator(seed: seed)
        let weights = Tensor.normal(output.shape, using: &rng)
        try output.backward(gradient: weights)

        func loss() throws -> Double {
            let out = try withNoGrad { try f(leaves) }
            precondition(out.shape == weights.shape, "\(name): output shape changed from \(weights.shape) to \(out.shape)")
            var total = 0.0
            let o = out.pointer, w = weights.pointer
            for k in 0..<out.count { total += Double(o[k]) * Double(w[k]) }
            return total
        }

        var result = Result()
        for i in wanted.sorted() {
            let leaf = leaves[i]
            let analytic = leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count)
            #expect(leaf.grad == nil || leaf.grad!.shape == leaf.shape, "\(name): input \(i) gradient shape",
                    sourceLocation: sourceLocation)
            let p = leaf.pointer
            for k in 0..<leaf.count {
                let original = p[k]
                let plus = original + eps, minus = original - eps
                p[k] = plus
                let lPlus = try loss()
                p[k] = minus
                let lMinus = try loss()
                p[k] = original
                let numeric = (lPlus - lMinus) / (Double(plus) - Double(minus))
                let error = abs(Double(analytic[k]) - numeric)
                let allowed = atol + rtol * abs(numeric)
                result.checked += 1
                if error > result.worstError || result.worstWhere.isEmpty {
                    result.worstError = error
                    result.worstWhere = "input \(i)[\(k)]"
                }
                if error > allowed {
                    result.failures += 1
                    if result.failures <= 5 {
                        let text = "\(name): d/d input \(i) element \(k) (shape \(leaf.shape)): analytic \(analytic[k]), "
                            + "numeric \(numeric), |diff| \(error) > \(allowed)"
                        Issue.record(Comment(rawValue: text), sourceLocation: sourceLocation)
                    }
                }
            }
        }
        #expect(result.checked > 0, "\(name): nothing was checked", sourceLocation: sourceLocation)
        return result
    }
}

/// Deterministic test data.
enum TestData {
    static func normal(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, std: std, using: &rng)
    }

    static func uniform(_ shape: [Int], seed: UInt64, low: Float, high: Float) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, using: &rng)
    }

    /// Normal values pushed at least `margin` away from zero (for ops with a kink at 0).
    static func awayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
        let t = normal(shape, seed: seed)
        let p = t.pointer
        for k in 0..<t.count { p[k] = p[k] >= 0 ? p[k] + margin : p[k] - margin }
        return t
    }
}

/// Comparison of two tensors: the largest absolute difference, relative to the reference's scale.
struct Closeness: CustomStringConvertible {
    let maxAbsDiff: Double
    let scale: Double
    var relative: Double { maxAbsDiff / max(scale, 1e-30) }
    var description: String { "max |Δ| \(maxAbsDiff) at scale \(scale) (relative \(relative))" }

    init(_ actual: Tensor, _ reference: Tensor) {
        precondition(actual.shape == reference.shape, "Closeness: shapes \(actual.shape) vs \(reference.shape)")
        var worst = 0.0, scale = 0.0
        let a = actual.pointer, r = reference.pointer
        for k in 0..<actual.count {
            worst = max(worst, abs(Double(a[k]) - Double(r[k])))
            scale = max(scale, abs(Double(r[k])))
        }
        maxAbsDiff = worst
        self.scale = scale
    }

    /// Within `relative`·max(1, scale)… i.e. relative to the reference's largest magnitude (≥ 1).
    func within(_ relative: Double) -> Bool { maxAbsDiff <= relative * max(1, scale) }
}
