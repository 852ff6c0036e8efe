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

    public init(name: String, shape: [Int], values: [Float], storage: StorageType? = nil) {
        self.name = name
        self.shape = shape
        self.values = values
        self.storage = storage
    }

    /// The product of `shape`.
    public var elementCount: Int { shape.reduce(1, *) }
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

    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>, storage: StorageType? = nil) {
        self.name = name
        self.shape = shape
        self.values = values
        self.storage = storage
    }
}
