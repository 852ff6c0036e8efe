import Foundation
import Pix2Pix
import Tensor
import Zoo

/// Loaded translators, reused across requests and bounded by memory.
///
/// A ``Translator`` holds a network with mutable state, so one serves one translation at a time:
/// a request checks one out (loading it when none of that model and mode is idle) and checks it
/// back in. Idle translators beyond ``limitBytes`` are dropped least recently used first; a model
/// whose estimate alone exceeds the limit is loaded for its request and dropped after it.
///
/// The estimate is 8 bytes per generator parameter (fp32 weights plus oneDNN's reordered and, in
/// bf16, converted copies); activations are not counted (they live only while a translation runs
/// and are bounded by the tile size).
final class ModelCache: @unchecked Sendable {  // every field is guarded by `lock`
    struct Key: Hashable {
        var reference: String
        var mode: InferenceMode
    }

    private final class Slot {
        let key: Key
        let translator: Translator
        let bytes: Int
        var lastUsed: UInt64
        init(key: Key, translator: Translator, bytes: Int, lastUsed: UInt64) {
            self.key = key
            self.translator = translator
            self.bytes = bytes
            self.lastUsed = lastUsed
        }
    }

    let limitBytes: Int
    let precision: Precision
    private let lock = NSLock()
    private var idle: [Slot] = []
    private var busyBytes = 0
    private var clock: UInt64 = 0
    private var loads = 0

    init(limitBytes: Int, precision: Precision) {
        self.limitBytes = max(0, limitBytes)
        self.precision = precision
    }

    static func estimatedBytes(parameters: Int) -> Int { parameters * 8 }

    /// Memory held by loaded translators (idle and in use), by the estimate.
    var heldBytes: Int { lock.withLock { busyBytes + idle.reduce(0) { $0 + $1.bytes } } }
    var idleCount: Int { lock.withLock { idle.count } }
    /// Loads since the start (tests check reuse with it).
    var loadCount: Int { lock.withLock { loads } }

    /// Runs `body` with a translator of `entry` in `mode`, loaded or reused. Called on a
    /// translation thread.
    func with<T>(_ entry: ZooEntry, mode: InferenceMode, _ body: (Translator) throws -> T) throws -> T {
        let key = Key(reference: entry.reference, mode: mode)
        let bytes = Self.estimatedBytes(parameters: entry.card.architecture.generator.parameters)
        var slot: Slot? = lock.withLock {
            guard let index = idle.lastIndex(where: { $0.key == key }) else { return nil }
            let found = idle.remove(at: index)
            busyBytes += found.bytes
            return found
        }
        if slot == nil {
            // Make room first: idle models go before a new one is loaded.
            lock.withLock {
                busyBytes += bytes
                loads += 1
                evictLocked()
            }
            do {
                let translator = try Translator(entry: entry, mode: mode, precision: precision)
                slot = Slot(key: key, translator: translator, bytes: bytes, lastUsed: 0)
            } catch {
                lock.withLock { busyBytes -= bytes }
                throw error
            }
        }
        let taken = slot!
        defer {
            lock.withLock {
                busyBytes -= taken.bytes
                clock += 1
                taken.lastUsed = clock
                idle.append(taken)
                evictLocked()
            }
        }
        return try body(taken.translator)
    }

    /// Drops idle translators, least recently used first, until the held bytes fit the limit.
    private func evictLocked() {
        var held = busyBytes + idle.reduce(0) { $0 + $1.bytes }
        while held > limitBytes, let oldest = idle.indices.min(by: { idle[$0].lastUsed < idle[$1].lastUsed }) {
            held -= idle[oldest].bytes
            idle.remove(at: oldest)
        }
    }
}
