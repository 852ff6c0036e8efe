import Dispatch
import Foundation

/// The number of threads Pix2PixZoo uses: both cores by default, `PIX2PIX_THREADS` overrides.
public enum Threads {
    public static let count: Int = {
        if let text = ProcessInfo.processInfo.environment["PIX2PIX_THREADS"], let n = Int(text), n >= 1 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

/// Runs `body(start, end)` over `0..<n` split into at most `Threads.count` contiguous ranges.
/// Small problems (< `grain` elements) run inline: a dispatch costs more than it saves there.
/// Public so that other modules (the optimizer, image kernels) share one policy.
@inline(__always)
public func parallelRanges(_ n: Int, grain: Int = 1 << 16, _ body: (Int, Int) -> Void) {
    let threads = Threads.count
    if threads <= 1 || n < grain * 2 {
        body(0, n)
        return
    }
    let parts = min(threads, n / grain)
    // Chunks are multiples of 16 floats so that no two threads write one cache line.
    let chunk = ((n + parts - 1) / parts + 15) & ~15
    // The body only touches disjoint ranges of buffers the caller keeps alive for the call.
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let start = p * chunk
            let end = min(n, start + chunk)
            if start < end { box.value(start, end) }
        }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees the access is race-free.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
