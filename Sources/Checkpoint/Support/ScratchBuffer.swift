/// A 64-byte-aligned, growable byte buffer reused across chunks (large allocations are page-faulted
/// afresh each time, so reusing them matters for tensors of many small chunks).
final class ScratchBuffer {
    private(set) var pointer: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = capacity
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 64), alignment: 64)
    }

    deinit { pointer.deallocate() }

    /// At least `count` bytes (contents not kept when it grows).
    func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if count > capacity {
            pointer.deallocate()
            pointer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
            capacity = count
        }
        return pointer
    }
}
