import Dispatch
import Foundation

/// Runs `body(worker, index)` for every index in `0..<count` on `min(threads, count)` threads.
///
/// Worker `w` takes indices `w, w + W, w + 2W, …`, so results written at their index never depend
/// on the thread count. A worker stops at its first error; the error of the lowest failing index
/// is thrown after all workers have stopped. With one thread (or one index) it runs inline.
///
/// The workers are the calling thread's OpenMP team, the threads oneDNN's primitives run on
/// (``OpenMPTeam``), so that loops and primitives never compete for the cores; without libgomp,
/// or for a loop inside a loop body, libdispatch's.
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
        let worker: (Int) -> Void = { worker in
            var i = worker
            while i < count {
                do throws(E) { try body(worker, i) } catch { errors[i] = error; return }
                i += w
            }
        }
        if OpenMPTeam.run(w, worker) { return }
        let shared = UncheckedSendable(worker)
        DispatchQueue.concurrentPerform(iterations: w) { shared.value($0) }
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

/// The OpenMP team of the calling thread (libgomp, which libdnnl links), for the parallel loops.
///
/// oneDNN's primitives run on libgomp's threads; after each one, its workers spin for a while
/// before they sleep. Loops run on other threads (libdispatch's) then competed with those
/// spinning workers for the cores (on 2 cores: 3 running threads), and 12 % of a training step's
/// CPU samples were libgomp's spin. Running the loops on the same team reuses the spinning
/// workers, so no core is shared. Where libgomp is absent, or inside a parallel region (a nested
/// loop), ``run(_:_:)`` declines and the caller falls back.
enum OpenMPTeam {
    private typealias Body = @convention(c) (UnsafeMutableRawPointer?) -> Void
    private typealias Parallel = @convention(c) (Body, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    private typealias Query = @convention(c) () -> Int32

    private struct Entries {
        let parallel: Parallel, threadNum: Query, teamSize: Query, inParallel: Query
    }

    private static let entries: Entries? = {
        guard let p = dlsym(nil, "GOMP_parallel"), let t = dlsym(nil, "omp_get_thread_num"),
              let n = dlsym(nil, "omp_get_num_threads"), let i = dlsym(nil, "omp_in_parallel") else { return nil }
        return Entries(parallel: unsafeBitCast(p, to: Parallel.self), threadNum: unsafeBitCast(t, to: Query.self),
                       teamSize: unsafeBitCast(n, to: Query.self), inParallel: unsafeBitCast(i, to: Query.self))
    }()

    /// Whether libgomp is in the process.
    static var isAvailable: Bool { entries != nil }

    /// Whether the calling thread is inside an active parallel region (a team's loop body).
    static var insideTeam: Bool { entries.map { $0.inParallel() != 0 } ?? false }

    private struct Job {
        let workers: Int
        let worker: (Int) -> Void
    }

    /// Runs `worker(w)` for every w in `0..<threads` on the team (the caller is thread 0; a team
    /// smaller than asked for runs the rest in turn); false (nothing run) without libgomp or
    /// inside a parallel region.
    static func run(_ threads: Int, _ worker: @escaping (Int) -> Void) -> Bool {
        guard let entries, entries.inParallel() == 0 else { return false }
        var job = Job(workers: threads, worker: worker)
        withUnsafeMutablePointer(to: &job) { pointer in
            entries.parallel({ context in
                let job = context!.assumingMemoryBound(to: Job.self).pointee
                let team = OpenMPTeam.entries!
                let size = max(1, Int(team.teamSize()))
                var w = Int(team.threadNum())
                while w < job.workers {
                    job.worker(w)
                    w += size
                }
            }, UnsafeMutableRawPointer(pointer), UInt32(threads), 0)
        }
        return true
    }
}
