import Foundation
import Tensor

extension Tensor {
    /// Softmax over the last axis: `exp(x − max) / Σ exp(x − max)` for each vector along it, so
    /// every vector becomes a probability distribution. Any rank ≥ 1.
    ///
    /// The gradient is `y ⊙ (g − Σ g ⊙ y)` per vector.
    public func softmax() throws -> Tensor {
        guard rank >= 1, let classes = shape.last, classes >= 1 else {
            throw NNError.badInput(layer: "Softmax", shape: shape, message: "expected at least one value along the last axis")
        }
        let rows = count / classes
        let out = Tensor.empty(shape)
        let x = pointer, y = out.pointer
        for r in 0..<rows {
            let xr = x + r * classes, yr = y + r * classes
            var top = xr[0]
            for k in 1..<classes { top = max(top, xr[k]) }
            var sum = 0.0
            for k in 0..<classes {
                let e = Foundation.exp(Double(xr[k] - top))
                yr[k] = Float(e)
                sum += e
            }
            for k in 0..<classes { yr[k] = Float(Double(yr[k]) / sum) }
        }
        return Tensor.record(out, op: "softmax", inputs: [self]) { g, y in
            let gi = Tensor.empty(y.shape)
            let gp = g.pointer, yp = y.pointer, gip = gi.pointer
            for r in 0..<rows {
                let base = r * classes
                var dot = 0.0
                for k in 0..<classes { dot += Double(gp[base + k]) * Double(yp[base + k]) }
                for k in 0..<classes { gip[base + k] = Float(Double(yp[base + k]) * (Double(gp[base + k]) - dot)) }
            }
            return [gi]
        }
    }
}

/// Softmax over the last axis (Keras' `Activation('softmax')` / `Dense(activation='softmax')`,
/// PyTorch's `nn.Softmax(dim=-1)`): each vector along it becomes a probability distribution.
/// Any rank ≥ 1; no parameters. A classifier trained with cross-entropy should keep its logits
/// and use a log-softmax loss instead; this layer is for networks whose later layers read the
/// probabilities.
public final class Softmax: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try input.softmax() }
}
