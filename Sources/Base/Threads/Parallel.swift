import Dispatch

/// Runs `body(worker, index)` for every index in `0..<count` on `min(threads, count)` threads.
///
/// Worker `w` takes indices `w, w + W, w + 2W, …`, so results written at their index never depend
/// on the thread count. A worker stops at its first error; the error of the lowest failing index
/// is thrown after all workers have stopped. With one thread (or one index) it runs inline.
public func parallelFor<E: Error>(_ count: Int, threads: Int = Threads.count,
                                  _ body: (_ worker: Int, _ index: Int) throws(E) -> Void) throws(E) {
    let w = max(1, min(threads, count))
    if w == 1 {
        for i in 0..<max(0, count) { try body(0, i) }
        return
    }
    let errors = UnsafeMutableBufferPointer<E?>.allocate(capacity: count)
    errors.initialize(repeating: nil)
    defer { errors.deinitialize(); errors.deallocate() }
    // Each index is written by exactly one worker, and the caller keeps everything alive for the call.
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable((body, errors))
        DispatchQueue.concurrentPerform(iterations: w) { worker in
            let (body, errors) = shared.value
            var i = worker
            while i < count {
                do throws(E) { try body(worker, i) } catch { errors[i] = error; return }
                i += w
            }
        }
    }
    if let first = errors.first(where: { $0 != nil }), let error = first { throw error }
}

/// Runs `body(start, end)` over `0..<n` split into at most ``Threads/count`` contiguous ranges.
/// Small problems (< 2·`grain` elements) run inline: a dispatch costs more than it saves there.
/// Range starts are multiples of 16 elements so that no two threads write one cache line of floats.
@inline(__always)
public func parallelRanges(_ n: Int, grain: Int = 1 << 16, _ body: (_ start: Int, _ end: Int) -> Void) {
    let threads = Threads.count
    if threads <= 1 || n < grain * 2 {
        body(0, n)
        return
    }
    let parts = min(threads, n / grain)
    let chunk = ((n + parts - 1) / parts + 15) & ~15
    parallelFor(parts, threads: parts) { (_, p) throws(Never) in
        let start = p * chunk
        let end = min(n, start + chunk)
        if start < end { body(start, end) }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees that every access is
/// race-free (disjoint slots of a buffer, or a value only read).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
