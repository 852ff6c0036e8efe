import Foundation

/// Splits independent chunk jobs over a few threads. Each worker owns one scratch slot and takes
/// indices worker, worker + W, worker + 2W, ...; results land at their index, so the output (and the
/// bytes written) never depend on the thread count.
enum Workers {
    /// `PIX2PIX_THREADS` when set to a positive integer, otherwise the active core count.
    static var defaultCount: Int {
        if let s = ProcessInfo.processInfo.environment["PIX2PIX_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(worker, index)` for every index in 0..<count on `min(workers, count)` threads, and
    /// rethrows the error of the lowest failing index.
    static func run(count: Int, workers: Int, _ body: (_ worker: Int, _ index: Int) throws -> Void) throws {
        let w = max(1, min(workers, count))
        if w == 1 {
            for i in 0..<count { try body(0, i) }
            return
        }
        let errors = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: count)
        errors.initialize(repeating: nil)
        defer { errors.deinitialize(); errors.deallocate() }
        // Each index is written by exactly one worker, and the caller keeps everything alive for the call.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable((body, errors))
            DispatchQueue.concurrentPerform(iterations: w) { worker in
                let (body, errors) = shared.value
                var i = worker
                while i < count {
                    do { try body(worker, i) } catch { errors[i] = error; return }
                    i += w
                }
            }
        }
        if let first = errors.first(where: { $0 != nil }) { throw first! }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees the access is race-free.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
