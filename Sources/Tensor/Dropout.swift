import Base
import CKernels

extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p` and scales survivors by 1/(1−p).
    /// The mask comes from `rng`, so a seeded run drops the same elements every time.
    public func dropout(p: Float, using rng: inout RandomGenerator) throws -> Tensor {
        guard p >= 0, p < 1 else {
            throw TensorError.invalidArgument(op: "dropout", message: "p must be in [0, 1), got \(p)")
        }
        if p == 0 { return self }
        let mask = Tensor.empty(shape)
        let m = mask.pointer
        for i in 0..<count { m[i] = rng.nextUniform() >= p ? 1 : 0 }
        let scale = 1 / (1 - p)
        let out = Tensor.empty(shape)
        ck_mask_scale(out.pointer, pointer, m, scale, count)
        return Tensor.record(out, op: "dropout", inputs: [self], savesInputs: false, readsOutput: false) { g, _ in
            let gi = Tensor.empty(g.shape)
            ck_mask_scale(gi.pointer, g.pointer, mask.pointer, scale, g.count)
            return [gi]
        }
    }
}
