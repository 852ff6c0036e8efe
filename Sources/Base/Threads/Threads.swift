import Foundation

/// The thread policy of Pix2PixZoo: how many threads every parallel loop and every oneDNN
/// primitive may use. Set once by the command line (`--threads`) or by an embedding program
/// with ``set(_:)``; read by ``parallelFor(_:threads:_:)``, ``parallelRanges(_:grain:_:)``,
/// the checkpoint codec workers and the oneDNN runtime (which applies it to its OpenMP team
/// before each primitive).
///
/// The default is the `PIX2PIX_THREADS` environment variable when it holds a positive integer,
/// otherwise the number of CPUs this process may run on (its affinity mask, so that a process
/// pinned to one core by `mpirun` or `taskset` does not oversubscribe it).
public enum Threads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var chosen: Int?

    /// The count of the innermost ``with(_:_:)`` on this task, if any.
    @TaskLocal private static var scoped: Int?

    /// The thread count in effect: the innermost ``with(_:_:)`` of the current task, else the
    /// process's setting.
    public static var count: Int {
        if let scoped { return scoped }
        lock.lock()
        defer { lock.unlock() }
        return chosen ?? defaultCount
    }

    /// Sets the thread count for the whole process (nil: back to the default).
    /// - Precondition: `count` is nil or ≥ 1 (the CLI validates `--threads` first).
    public static func set(_ count: Int?) {
        precondition(count.map { $0 >= 1 } ?? true, "Threads.set needs a count ≥ 1, got \(count!)")
        lock.lock()
        chosen = count
        lock.unlock()
    }

    /// Runs `body` with ``count`` set to `count` for the current task only (the calls `body`
    /// makes on this thread, such as parallel loops and oneDNN primitives), leaving the process's
    /// setting and other tasks alone: how a training run computes with the thread count it recorded.
    /// - Precondition: `count` ≥ 1.
    public static func with<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        precondition(count >= 1, "Threads.with needs a count ≥ 1, got \(count)")
        return try $scoped.withValue(count) { try body() }
    }

    /// Whether ``set(_:)`` chose the count (false: the default applies).
    public static var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return chosen != nil
    }

    /// `PIX2PIX_THREADS` if set to a positive integer, else the CPUs in the affinity mask.
    public static let defaultCount: Int = {
        if let text = ProcessInfo.processInfo.environment["PIX2PIX_THREADS"], let n = Int(text), n >= 1 { return n }
        return availableCPUs
    }()

    /// CPUs this process may run on (`sched_getaffinity` on Linux, looked up at run time because
    /// Swift's Glibc module hides the GNU extension), at least 1.
    public static var availableCPUs: Int {
        #if os(Linux)
        typealias GetAffinity = @convention(c) (Int32, Int, UnsafeMutableRawPointer?) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity") {
            let call = unsafeBitCast(symbol, to: GetAffinity.self)
            var mask = [UInt64](repeating: 0, count: 16)   // 1024 CPUs, glibc's cpu_set_t
            let ok = mask.withUnsafeMutableBytes { call(0, $0.count, $0.baseAddress) } == 0
            let n = mask.reduce(0) { $0 + $1.nonzeroBitCount }
            if ok && n >= 1 { return n }
        }
        #endif
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
