import Base
import CKernels

/// A contiguous Float32 tensor with a shape; images are NHWC (`[batch, height, width, channels]`).
///
/// Tensors are reference types, as in PyTorch: a parameter is one object whose values the optimizer
/// updates in place and whose `grad` accumulates across `backward()` calls. Operations return new
/// tensors; when gradients are enabled (see ``withNoGrad(_:)``) and an input requires gradients,
/// the result records how it was made so that ``backward(gradient:)`` can run the chain rule.
public final class Tensor: CustomStringConvertible {
    /// The extent of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The elements, row-major (last axis fastest). Reshaped views share it.
    /// (`var` only so that autograd can test it for unique ownership; it is never reassigned.)
    public private(set) var storage: TensorStorage
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs you differentiate).
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf after `backward()`; `nil` until one arrives.
    public var grad: Tensor?
    /// How this tensor was computed, while a graph is recorded; `nil` for leaves and after backward.
    public internal(set) var gradFn: GradFn?

    /// Wraps a storage. `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == storage.count,
                     "Tensor(shape:storage:): shape \(shape) does not hold \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(zeros:): negative extent in \(shape)")
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// A tensor from row-major values; throws when `values.count` is not the product of `shape`.
    public convenience init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw TensorError.invalidArgument(
                op: "Tensor(shape:values:)",
                message: "shape \(shape) holds \(shape.allSatisfy { $0 >= 0 } ? shape.reduce(1, *) : -1) elements but \(values.count) values were given")
        }
        let storage = TensorStorage(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { ck_copy(storage.pointer, base, values.count) }
        }
        self.init(shape: shape, storage: storage)
    }

    /// A scalar tensor (shape `[]`).
    public convenience init(scalar: Float) {
        let storage = TensorStorage(uninitializedCount: 1)
        storage.pointer[0] = scalar
        self.init(shape: [], storage: storage)
    }

    /// An uninitialised tensor for kernels that overwrite every element.
    public static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(zeros: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = empty(shape)
        ck_fill(t.pointer, value, t.count)
        return t
    }

    /// Samples from N(mean, std²) with a seeded generator.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              using rng: inout RandomGenerator) -> Tensor {
        let t = empty(shape)
        let p = t.pointer
        for i in 0..<t.count { p[i] = mean + std * rng.nextNormal() }
        return t
    }

    /// Samples uniformly from [low, high) with a seeded generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               using rng: inout RandomGenerator) -> Tensor {
        let t = empty(shape)
        let p = t.pointer
        let span = high - low
        for i in 0..<t.count { p[i] = low + span * rng.nextUniform() }
        return t
    }

    /// Number of elements.
    @inline(__always) public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// Raw element pointer (row-major). Writing through it bypasses autograd; after writing a
    /// parameter's values this way, call ``markModified()``.
    @inline(__always) public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// A tensor is a leaf when no recorded operation produced it.
    public var isLeaf: Bool { gradFn == nil }

    /// A copy of the elements.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: the tensor has shape \(shape), not a single element")
        return pointer[0]
    }

    /// The same values, cut off from the graph (`requiresGrad == false`). Shares storage.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A deep copy, cut off from the graph.
    public func copy() -> Tensor {
        let t = Tensor.empty(shape)
        ck_copy(t.pointer, pointer, count)
        return t
    }

    /// Overwrites the values in place (no autograd). Shapes must have equal element counts.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: shape \(other.shape) into \(shape)")
        ck_copy(pointer, other.pointer, count)
        storage.markModified()
    }

    /// Records that the values were changed through ``pointer`` (see ``TensorStorage/markModified()``):
    /// call it after writing a parameter's values directly, so that convolutions do not reuse
    /// weights they reordered from the old values.
    public func markModified() { storage.markModified() }

    /// Sets `grad` to nil.
    public func zeroGrad() { grad = nil }

    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

/// Runs `body` with gradient recording off: no graph is built, results do not require gradients.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Whether operations currently record a graph.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

import Foundation

extension Tensor {
    /// Whether nothing but this tensor holds its storage (no reshaped view, no other tensor).
    /// Autograd uses it to adopt a freshly computed gradient as a leaf's `.grad` without a copy.
    var ownsStorageUniquely: Bool { isKnownUniquelyReferenced(&storage) }
}
