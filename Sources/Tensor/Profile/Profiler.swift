import Dispatch
import Foundation

/// An opt-in, process-wide profile of where engine time goes: seconds, calls and FLOPs per
/// category (e.g. `conv2d fwd`, `reorder weights`, `batchNorm bwd`).
///
/// Off by default (one flag test per op). `pix2pix bench train --profile` turns it on, runs the
/// steps and prints ``entries()`` as a table. Timings are wall-clock around the oneDNN call (or
/// kernel), so they include the thread team's start-up.
public enum Profiler {
    /// One row of the profile.
    public struct Entry: Sendable {
        public var name: String
        public var seconds: Double
        public var calls: Int
        public var flops: Double
    }

    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var table: [String: Entry] = [:]
    private static let lock = NSLock()

    /// Whether ops record their time. Set it before timing; reading it is cheap.
    public static var isEnabled: Bool {
        get { lock.lock(); defer { lock.unlock() }; return enabled }
        set { lock.lock(); enabled = newValue; lock.unlock() }
    }

    /// Clears every entry.
    public static func reset() {
        lock.lock(); table = [:]; lock.unlock()
    }

    /// The entries, most time first.
    public static func entries() -> [Entry] {
        lock.lock(); defer { lock.unlock() }
        return table.values.sorted { $0.seconds > $1.seconds }
    }

    /// Adds one call of `seconds` (and `flops`) to `name`.
    public static func add(_ name: String, seconds: Double, flops: Double = 0) {
        lock.lock(); defer { lock.unlock() }
        table[name, default: Entry(name: name, seconds: 0, calls: 0, flops: 0)].seconds += seconds
        table[name]!.calls += 1
        table[name]!.flops += flops
    }

    /// Runs `body`, charging its wall time to `name` when profiling is on.
    @inline(__always)
    public static func measure<R>(_ name: @autoclosure () -> String, flops: Double = 0, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        add(name(), seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, flops: flops)
        return result
    }
}
