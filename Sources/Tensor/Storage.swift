import CKernels
import Foundation

/// A 64-byte aligned, heap-allocated Float32 buffer. Tensors own one each; reshapes share it.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Counts changes to the values made by the engine's in-place writers (``Tensor/assign(_:)``,
    /// the optimizer, initialisers, state-dict loads). Derived copies of the values — a
    /// convolution's weights reordered into oneDNN's blocked layout — are kept while the version
    /// is unchanged. Code that writes through ``pointer`` itself calls ``markModified()`` after.
    public private(set) var version: UInt64 = 0

    /// Whether derived copies of these values may be cached by version. Set for module parameters
    /// (`NN.Module.registerParameter`): their writers bump ``version``. Other tensors — inputs,
    /// or weights a caller perturbs through ``pointer`` (gradient checks) — are never cached.
    public var tracksVersions = false

    /// Records that the values changed, so that cached copies of them are rebuilt on next use.
    @inline(__always) public func markModified() { version &+= 1 }

    /// Keeps freed tensor buffers in the process heap instead of returning them to the kernel.
    ///
    /// glibc serves large blocks (≥ 128 KiB, adjusted upward as blocks are freed) with a fresh
    /// `mmap` and unmaps them on `free`, and trims the heap top beyond 128 KiB. A training step
    /// allocates and frees the same activation and gradient sizes every time, so each step would
    /// page-fault (and zero) hundreds of megabytes anew: on a VM that cost ~20 % of a unet_256
    /// step. With mmap and trimming raised, freed blocks return to malloc's free lists and the next
    /// step reuses them. Applied once, before the first tensor buffer is allocated. This is glibc's
    /// setting, for applications that embed the library on glibc's malloc; the `pix2pix`
    /// executable runs on tcmalloc, whose `mallopt` changes nothing and which keeps freed spans
    /// for reuse itself.
    static let heapConfigured: Bool = {
        ck_heap_keep_freed_blocks() == 1
    }()

    /// Allocates `count` floats, zero-filled.
    public init(count: Int) {
        _ = Self.heapConfigured
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
        _ = Self.heapConfigured
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
