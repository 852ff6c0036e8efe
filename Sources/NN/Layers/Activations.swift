import Tensor

/// max(0, x) elementwise; any shape.
public final class ReLU: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { input.relu() }
}

/// x for x > 0, negativeSlope·x otherwise; any shape. pix2pix uses slope 0.2 on the way down.
public final class LeakyReLU: Module, UnaryLayer {
    public let negativeSlope: Float

    /// - Parameter negativeSlope: the slope for negative inputs (default 0.01, as PyTorch).
    public init(_ negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor { input.leakyReLU(negativeSlope) }
    public override var layerDescription: String { "LeakyReLU(\(negativeSlope))" }
}

/// tanh elementwise; any shape. The generator's last layer, mapping to [−1, 1].
public final class Tanh: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { input.tanh() }
}

/// 1 / (1 + e^−x) elementwise; any shape.
public final class Sigmoid: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { input.sigmoid() }
}
