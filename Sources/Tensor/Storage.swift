import Foundation

/// A 64-byte aligned, heap-allocated Float32 buffer. Tensors own one each; reshapes share it.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` floats, zero-filled.
    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, 64, (bytes + 63) & ~63)
        guard status == 0, let raw else { fatalError("TensorStorage: out of memory allocating \(bytes) bytes") }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` floats without clearing them (the caller overwrites every element).
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, 64, (bytes + 63) & ~63)
        guard status == 0, let raw else { fatalError("TensorStorage: out of memory allocating \(bytes) bytes") }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
