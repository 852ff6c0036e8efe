/// A named Float32 tensor: row-major values and a shape. What the writer takes and the reader returns.
public struct TensorRecord: Sendable, Equatable {
    /// The state-dict key, e.g. `"generator.down.0.weight"`; unique within a checkpoint.
    public var name: String
    /// Extents, outermost first; `[]` is a scalar.
    public var shape: [Int]
    /// Row-major elements; `values.count` equals the product of `shape`.
    public var values: [Float]
    /// How the tensor is (or is to be) stored on disk. When writing, nil means the writer's default;
    /// a reader fills it with the type found in the file.
    public var storage: StorageType?
    /// The output-channel axis, when the tensor has one (0 for a convolution weight `[out, in, kh,
    /// kw]`, 1 for a transposed convolution's `[in, out, kh, kw]`): Q8 storage keeps one scale per
    /// index along it; without it Q8 uses one scale and zero point for the whole tensor. A reader
    /// fills it from a per-channel Q8 tensor, so that rewriting keeps the axis.
    public var channelAxis: Int?

    public init(name: String, shape: [Int], values: [Float], storage: StorageType? = nil, channelAxis: Int? = nil) {
        self.name = name
        self.shape = shape
        self.values = values
        self.storage = storage
        self.channelAxis = channelAxis
    }

    /// The product of `shape`: 0 when an extent is 0 (however large the others), `Int.max` when the
    /// product overflows (such a record cannot hold its values; the writer refuses it).
    public var elementCount: Int { Checkpoint.elementCount(of: shape) ?? .max }
}

/// The number of elements of a tensor of `shape` — 0 when any extent is 0, whatever the others —
/// or nil when an extent is negative or the product overflows `Int`. Never traps: shapes come from
/// files, and `[2^40, 2^40, 0]` is a valid empty tensor.
public func elementCount(of shape: [Int]) -> Int? {
    guard shape.allSatisfy({ $0 >= 0 }) else { return nil }
    if shape.contains(0) { return 0 }
    var count = 1
    for extent in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        if overflow { return nil }
        count = product
    }
    return count
}

/// A tensor lent to the writer without copying: `values` must stay valid and unchanged until the
/// write call returns. This is how the NN module saves `[String: Tensor]` state dicts without first
/// copying them into `[Float]`.
public struct TensorView {
    public var name: String
    public var shape: [Int]
    public var values: UnsafeBufferPointer<Float>
    /// nil: the writer's default storage type.
    public var storage: StorageType?
    /// The output-channel axis for Q8 storage (``TensorRecord/channelAxis``).
    public var channelAxis: Int?

    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>, storage: StorageType? = nil,
                channelAxis: Int? = nil) {
        self.name = name
        self.shape = shape
        self.values = values
        self.storage = storage
        self.channelAxis = channelAxis
    }
}
