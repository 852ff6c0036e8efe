import Base
import CKernels

// Elementwise arithmetic. Operands have the same shape, or one of them has a single element
// (a scalar tensor), which is broadcast. Anything else is a caller bug and stops with both shapes.

extension Tensor {
    /// Runs a binary kernel over equal-length buffers on all threads.
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Void) -> Tensor {
        let out = Tensor.empty(a.shape)
        let o = out.pointer, pa = a.pointer, pb = b.pointer
        parallelRanges(out.count) { s, e in kernel(o + s, pa + s, pb + s, e - s) }
        return out
    }

    /// out = self * scale + shift, without recording.
    public func affineRaw(scale: Float, shift: Float) -> Tensor {
        let out = Tensor.empty(shape)
        let o = out.pointer, p = pointer
        parallelRanges(count) { s, e in ck_affine(o + s, p + s, scale, shift, e - s) }
        return out
    }

    /// Sum of all elements as a `[]`-shaped tensor, without recording.
    func sumRaw() -> Float {
        Float(ck_sum(pointer, count))
    }
}

/// How two operand shapes combine.
enum BroadcastKind { case same, scalarLeft, scalarRight }

@inline(__always)
func broadcastKind(_ op: String, _ a: Tensor, _ b: Tensor) -> BroadcastKind {
    if a.shape == b.shape { return .same }
    if b.count == 1 { return .scalarRight }
    if a.count == 1 { return .scalarLeft }
    preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) differ and neither has a single element")
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        switch broadcastKind("add", a, b) {
        case .same:
            let out = binary(a, b) { ck_add($0, $1, $2, $3) }
            // The rule reads neither input: the graph need not keep them.
            return record(out, op: "add", inputs: [a, b], savesInputs: false, readsOutput: false) { g, _ in [g, g] }
        case .scalarRight:
            let out = a.affineRaw(scale: 1, shift: b.pointer[0])
            return record(out, op: "add", inputs: [a, b]) { g, _ in [g, Tensor(scalar: g.sumRaw()).reshapedRaw(b.shape)] }
        case .scalarLeft:
            return b + a
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        switch broadcastKind("sub", a, b) {
        case .same:
            let out = binary(a, b) { ck_sub($0, $1, $2, $3) }
            return record(out, op: "sub", inputs: [a, b]) { g, _ in [g, g.affineRaw(scale: -1, shift: 0)] }
        case .scalarRight:
            let out = a.affineRaw(scale: 1, shift: -b.pointer[0])
            return record(out, op: "sub", inputs: [a, b]) { g, _ in [g, Tensor(scalar: -g.sumRaw()).reshapedRaw(b.shape)] }
        case .scalarLeft:
            let out = b.affineRaw(scale: -1, shift: a.pointer[0])
            return record(out, op: "sub", inputs: [a, b]) { g, _ in
                [Tensor(scalar: g.sumRaw()).reshapedRaw(a.shape), g.affineRaw(scale: -1, shift: 0)]
            }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        switch broadcastKind("mul", a, b) {
        case .same:
            let out = binary(a, b) { ck_mul($0, $1, $2, $3) }
            return record(out, op: "mul", inputs: [a, b]) { g, _ in
                [binary(g, b) { ck_mul($0, $1, $2, $3) }, binary(g, a) { ck_mul($0, $1, $2, $3) }]
            }
        case .scalarRight:
            let s = b.pointer[0]
            let out = a.affineRaw(scale: s, shift: 0)
            return record(out, op: "mul", inputs: [a, b]) { g, _ in
                let ga = g.affineRaw(scale: b.pointer[0], shift: 0)
                let gb = Float(ck_sum_mul(g, a))
                return [ga, Tensor(scalar: gb).reshapedRaw(b.shape)]
            }
        case .scalarLeft:
            return b * a
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        switch broadcastKind("div", a, b) {
        case .same:
            let out = binary(a, b) { ck_div($0, $1, $2, $3) }
            return record(out, op: "div", inputs: [a, b]) { g, out in
                let ga = binary(g, b) { ck_div($0, $1, $2, $3) }
                // d(a/b)/db = -a/b² = -out/b
                let gb = binary(binary(g, out) { ck_mul($0, $1, $2, $3) }, b) { ck_div($0, $1, $2, $3) }
                return [ga, gb.affineRaw(scale: -1, shift: 0)]
            }
        case .scalarRight:
            return a * Tensor.reciprocal(b)
        case .scalarLeft:
            return Tensor.reciprocal(b) * a
        }
    }

    static func reciprocal(_ b: Tensor) -> Tensor {
        let ones = Tensor.full(b.shape, 1)
        return ones / b
    }

    public static prefix func - (a: Tensor) -> Tensor { a * Float(-1) }

    public static func + (a: Tensor, s: Float) -> Tensor {
        record(a.affineRaw(scale: 1, shift: s), op: "add_scalar", inputs: [a]) { g, _ in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor {
        record(a.affineRaw(scale: -1, shift: s), op: "rsub_scalar", inputs: [a]) { g, _ in [g.affineRaw(scale: -1, shift: 0)] }
    }
    public static func * (a: Tensor, s: Float) -> Tensor {
        record(a.affineRaw(scale: s, shift: 0), op: "mul_scalar", inputs: [a]) { g, _ in [g.affineRaw(scale: s, shift: 0)] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    /// |x|; the gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor {
        let out = Tensor.empty(shape)
        let o = out.pointer, p = pointer
        parallelRanges(count) { s, e in ck_abs(o + s, p + s, e - s) }
        return Tensor.record(out, op: "abs", inputs: [self]) { g, _ in
            let sign = Tensor.empty(self.shape)
            ck_sign_scaled(sign.pointer, self.pointer, 1, self.count)
            return [Tensor.binary(g, sign) { ck_mul($0, $1, $2, $3) }]
        }
    }

    /// eˣ elementwise.
    public func exp() -> Tensor {
        let out = Tensor.empty(shape)
        ck_exp(out.pointer, pointer, count)
        return Tensor.record(out, op: "exp", inputs: [self]) { g, out in [Tensor.binary(g, out) { ck_mul($0, $1, $2, $3) }] }
    }

    /// Natural logarithm elementwise.
    public func log() -> Tensor {
        let out = Tensor.empty(shape)
        ck_log(out.pointer, pointer, count)
        return Tensor.record(out, op: "log", inputs: [self]) { g, _ in [Tensor.binary(g, self) { ck_div($0, $1, $2, $3) }] }
    }

    /// Sum of all elements, shape `[]`.
    public func sum() -> Tensor {
        let out = Tensor(scalar: sumRaw())
        let shape = self.shape  // the rule reads only the shape: the graph need not keep the input
        return Tensor.record(out, op: "sum", inputs: [self], savesInputs: false, readsOutput: false) { g, _ in
            [Tensor.full(shape, g.pointer[0])]
        }
    }

    /// Mean of all elements, shape `[]`.
    public func mean() -> Tensor {
        let n = Float(max(count, 1))
        let out = Tensor(scalar: sumRaw() / n)
        let shape = self.shape
        return Tensor.record(out, op: "mean", inputs: [self], savesInputs: false, readsOutput: false) { g, _ in
            [Tensor.full(shape, g.pointer[0] / n)]
        }
    }
}

/// Σ g·a in double precision.
func ck_sum_mul(_ g: Tensor, _ a: Tensor) -> Double {
    var total = 0.0
    let pg = g.pointer, pa = a.pointer
    for i in 0..<g.count { total += Double(pg[i]) * Double(pa[i]) }
    return total
}
