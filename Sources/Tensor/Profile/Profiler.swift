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

    /// A share of one entry's time: `part` (e.g. `GEMMs`, `input transform`) of the entry `owner`.
    public struct Part: Sendable {
        public var owner: String
        public var part: String
        public var seconds: Double
        public var calls: Int
    }

    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var detailed = false
    nonisolated(unsafe) private static var table: [String: Entry] = [:]
    nonisolated(unsafe) private static var partTable: [String: Part] = [:]
    private static let lock = NSLock()

    /// Whether ops record their time. Set it before timing; reading it is cheap.
    public static var isEnabled: Bool {
        get { lock.lock(); defer { lock.unlock() }; return enabled }
        set { lock.lock(); enabled = newValue; lock.unlock() }
    }

    /// Whether, while ``isEnabled``, the GEMM-based convolution paths also record the parts of their
    /// entries (``parts()``): transforms, GEMMs, im2col / col2im. Kept apart from the entries, so
    /// that the totals per entry and per category stay what they are without it.
    public static var isDetailed: Bool {
        get { lock.lock(); defer { lock.unlock() }; return detailed }
        set { lock.lock(); detailed = newValue; lock.unlock() }
    }

    /// Clears every entry and part.
    public static func reset() {
        lock.lock(); table = [:]; partTable = [:]; lock.unlock()
    }

    /// The entries, most time first.
    public static func entries() -> [Entry] {
        lock.lock(); defer { lock.unlock() }
        return table.values.sorted { $0.seconds > $1.seconds }
    }

    /// The parts recorded under ``isDetailed``, by owner, then most time first.
    public static func parts() -> [Part] {
        lock.lock(); defer { lock.unlock() }
        return partTable.values.sorted { ($0.owner, -$0.seconds) < ($1.owner, -$1.seconds) }
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

    /// Runs `body`, charging its wall time to part `part` of the entry `owner` when profiling is on
    /// and ``isDetailed``. Call it inside the ``measure(_:flops:_:)`` of `owner`.
    @inline(__always)
    public static func part<R>(_ owner: @autoclosure () -> String, _ part: String, _ body: () throws -> R) rethrows -> R {
        guard enabled && detailed else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let name = owner(), key = "\(name)\u{1F}\(part)"
        lock.lock(); defer { lock.unlock() }
        partTable[key, default: Part(owner: name, part: part, seconds: 0, calls: 0)].seconds += seconds
        partTable[key]!.calls += 1
        return result
    }
}
