import Tensor

/// Layers applied one after another; children are keyed `"0"`, `"1"`, … as in PyTorch's
/// `nn.Sequential`, so `model.1.weight` means the same thing in both.
public final class Sequential: Module, UnaryLayer {
    /// The layers, in order.
    public private(set) var layers: [any UnaryLayer] = []

    /// A sequence of `layers` (NHWC in, NHWC out; each layer's output feeds the next).
    public init(_ layers: [any UnaryLayer]) {
        super.init()
        for layer in layers { append(layer) }
    }

    public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

    /// Adds a layer at the end under the next index key.
    public func append(_ layer: any UnaryLayer) {
        registerModule(String(layers.count), layer)
        layers.append(layer)
    }

    public var count: Int { layers.count }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        var x = input
        for layer in layers { x = try layer(x) }
        return x
    }

    public override var layerDescription: String { "Sequential(\(layers.count) layers)" }
}

/// Returns its input unchanged. The networks do not use it: norm `none` adds no layer at all.
public final class Identity: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { input }
}
