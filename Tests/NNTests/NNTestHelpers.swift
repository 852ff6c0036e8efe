import NN
import Tensor

/// A layer with hand-chosen parameter and buffer keys, for tests that must not depend on the ops.
final class ScaleShift: Module, UnaryLayer {
    let scale: Tensor
    let shift: Tensor
    let counter: Tensor

    init(_ channels: Int) {
        scale = Tensor.ones([channels])
        shift = Tensor.zeros([1, channels])
        counter = Tensor.zeros([])
        super.init()
        registerParameter("scale", scale)
        registerParameter("shift", shift)
        registerBuffer("seen", counter)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor { input }
}

/// A two-level tree: "encoder" (Sequential of two ScaleShift) and "head" (ScaleShift).
final class TwoLevel: Module, UnaryLayer {
    let encoder: Sequential
    let head: ScaleShift

    override init() {
        encoder = Sequential(ScaleShift(3), ScaleShift(5))
        head = ScaleShift(2)
        super.init()
        registerModule("encoder", encoder)
        registerModule("head", head)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor { try head(encoder(input)) }
}

/// Sample mean and (population) standard deviation in double precision.
func meanAndStd(_ values: [Float]) -> (mean: Double, std: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance.squareRoot())
}

/// The largest |a − b| over two equal-length arrays.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxAbsDiff: \(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
