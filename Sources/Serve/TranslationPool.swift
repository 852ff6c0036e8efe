import Base
import Foundation

/// Bounded concurrency for the work that costs: `workers` long-lived threads run translations (a
/// oneDNN call keeps the OpenMP team of the thread it runs on, so fixed threads reuse theirs), at
/// most `queueLimit` requests wait for one, and anything beyond is refused at once with 503 and a
/// Retry-After estimated from recent translation times.
///
/// A request that waits or runs longer than its timeout gets 503: if it was still waiting it is
/// dropped from the queue; if it was running, the work finishes on its thread (a forward pass
/// cannot be interrupted safely) and its result is discarded, so the slot stays counted as busy
/// until then.
final class TranslationPool: @unchecked Sendable {  // every mutable field is guarded by `condition`
    let workers: Int
    let queueLimit: Int
    let threadsPerJob: Int

    private let condition = NSCondition()
    private var pending: [Job] = []
    private var running = 0
    private var stopping = false
    private var nextID = 0
    /// Exponential moving average of recent job durations (seconds), for Retry-After.
    private var averageSeconds = 1.0

    private final class Job: @unchecked Sendable {  // `run` is set once before the job is queued
        let id: Int
        let run: () -> Void
        init(id: Int, run: @escaping () -> Void) {
            self.id = id
            self.run = run
        }
    }

    init(workers: Int, queueLimit: Int, threadsPerJob: Int) {
        self.workers = max(1, workers)
        self.queueLimit = max(0, queueLimit)
        self.threadsPerJob = max(1, threadsPerJob)
        for index in 0..<self.workers {
            let thread = Thread { self.workerLoop() }  // the threads hold the pool until stop()
            thread.name = "pix2pix-serve-translate-\(index)"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Translations running and waiting now.
    var load: (running: Int, queued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (running, pending.count)
    }

    /// Runs `work` on a worker thread and returns its result.
    /// - Throws: ``ServeError/busy(running:queued:retryAfter:)`` when every slot and queue place is
    ///   taken, ``ServeError/timedOut(seconds:retryAfter:)`` after `timeout`, or what `work` throws.
    func run<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let ticket = Ticket<T>()
        return try await withCheckedThrowingContinuation { continuation in
            ticket.attach(continuation)
            condition.lock()
            guard running + pending.count < workers + queueLimit else {
                let error = ServeError.busy(running: running, queued: pending.count, retryAfter: retryAfterLocked(extra: 1))
                condition.unlock()
                ticket.finish(.failure(error))
                return
            }
            nextID += 1
            let id = nextID
            let threads = threadsPerJob
            let job = Job(id: id) {
                guard ticket.start() else { return }  // timed out while waiting
                let result = Result { try Threads.with(threads) { try work() } }
                ticket.finish(result)
            }
            pending.append(job)
            condition.signal()
            condition.unlock()
            let seconds = Int(timeout.components.seconds)
            ticket.timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled, let self else { return }
                let retryAfter = self.removePending(id: id)
                ticket.finish(.failure(ServeError.timedOut(seconds: seconds, retryAfter: retryAfter)))
            }
        }
    }

    /// Drops a job that is still waiting; the Retry-After for the timed-out request.
    private func removePending(id: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        pending.removeAll { $0.id == id }
        return retryAfterLocked(extra: 0)
    }

    private func retryAfterLocked(extra: Int) -> Int {
        let ahead = Double(running + pending.count + extra) / Double(workers)
        return max(1, Int((ahead * averageSeconds).rounded(.up)))
    }

    /// Lets the worker threads end once the queue is empty (after the server stopped accepting).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func workerLoop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty {
                condition.unlock()
                return
            }
            let job = pending.removeFirst()
            running += 1
            condition.unlock()
            let start = Date()
            job.run()
            let seconds = Date().timeIntervalSince(start)
            condition.lock()
            running -= 1
            averageSeconds = 0.7 * averageSeconds + 0.3 * max(0.01, seconds)
            condition.unlock()
        }
    }
}

/// One request's way back: the first of the worker's result and the timeout resumes the
/// continuation; the other is ignored.
private final class Ticket<T: Sendable>: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var finished = false
    var timer: Task<Void, Never>? {
        get { lock.withLock { _timer } }
        set {
            lock.lock()
            if finished { lock.unlock(); newValue?.cancel(); return }
            _timer = newValue
            lock.unlock()
        }
    }
    private var _timer: Task<Void, Never>?

    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// The worker takes the job: false when the request already timed out.
    func start() -> Bool {
        lock.withLock {
            !finished
        }
    }

    func finish(_ result: Result<T, any Error>) {
        lock.lock()
        guard !finished, let continuation else { lock.unlock(); return }
        finished = true
        self.continuation = nil
        let timer = _timer
        _timer = nil
        lock.unlock()
        timer?.cancel()
        continuation.resume(with: result)
    }
}
