import Base
import CKernels
import Foundation
import Tensor

/// The arithmetic gradients travel in between ranks (`--allreduce-precision`).
public enum AllReducePrecision: String, Codable, Sendable, CaseIterable {
    /// Float32: the sum every rank gets is the sum of the ranks' gradients, rounded as float sums are.
    case fp32
    /// bfloat16 (the high 16 bits of a float, rounded to nearest even): half the bytes on the wire,
    /// about 3 significant digits per element and per partial sum.
    case bf16
}

/// Averages gradients over the ranks of a ``Communicator``: data-parallel training's step between
/// `backward()` and the optimizer.
///
/// Gradients are laid end to end in the optimizer's parameter order and all-reduced in buckets of
/// at most ``bucketBytes``: small tensors are packed into one bucket (one call instead of dozens),
/// large ones are reduced in place a bucket-sized slice at a time. Moderate buckets are faster than
/// one huge call (Open MPI's shared-memory all-reduce reaches 8–10 GB/s on 4 MB, ~2 GB/s on 228 MB)
/// and need no scratch the size of the model. Each result is the sum over the ranks divided by the
/// rank count, so every rank applies the same update.
public final class GradientAllReduce {
    public let communicator: any Communicator
    public let bucketBytes: Int
    public let precision: AllReducePrecision

    /// What the all-reduces cost so far: calls, bytes sent per rank (each rank's share of the
    /// payload), and wall-clock seconds.
    public struct Statistics: Sendable, Equatable {
        public var calls = 0
        public var bytes = 0
        public var seconds = 0.0
        public init() {}
    }
    public private(set) var statistics = Statistics()
    private var bucket: [Float]
    private var narrow: [UInt16]

    /// - Parameters:
    ///   - communicator: the ranks that average.
    ///   - bucketBytes: the most float bytes one all-reduce call carries (default 4 MiB).
    ///   - precision: fp32, or bf16 on the wire (see ``AllReducePrecision``).
    public init(communicator: any Communicator, bucketBytes: Int = 4 << 20, precision: AllReducePrecision = .fp32) {
        self.communicator = communicator
        self.bucketBytes = max(4096, bucketBytes)
        self.precision = precision
        bucket = []
        narrow = []
    }

    var bucketElements: Int { bucketBytes / MemoryLayout<Float>.stride }

    /// Replaces the gradient of every parameter that has one with its mean over the ranks. Every
    /// rank must call it with the same parameters, each with or without a gradient alike (the
    /// order is the list's). Nothing happens with one rank.
    public func average(_ parameters: [(key: String, tensor: Tensor)]) throws {
        guard communicator.isDistributed else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        defer { statistics.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let scale = 1 / Float(communicator.size)
        let capacity = bucketElements
        if bucket.count < capacity { bucket = [Float](repeating: 0, count: capacity) }
        var packed: [Tensor] = []
        var filled = 0
        func flush() throws {
            guard filled > 0 else { return }
            try bucket.withUnsafeMutableBufferPointer { buffer in
                try reduce(UnsafeMutableBufferPointer(rebasing: buffer[0..<filled]))
                var offset = 0
                for g in packed {
                    ck_affine(g.pointer, buffer.baseAddress! + offset, scale, 0, g.count)
                    offset += g.count
                }
            }
            packed.removeAll(keepingCapacity: true)
            filled = 0
        }
        for (_, p) in parameters {
            guard let g = p.grad else { continue }
            if g.count >= capacity / 2 {
                // Large: in place, a bucket-sized slice at a time.
                try flush()
                var offset = 0
                while offset < g.count {
                    let n = min(capacity, g.count - offset)
                    try reduce(UnsafeMutableBufferPointer(start: g.pointer + offset, count: n))
                    ck_affine(g.pointer + offset, g.pointer + offset, scale, 0, n)
                    offset += n
                }
            } else {
                if filled + g.count > capacity { try flush() }
                bucket.withUnsafeMutableBufferPointer { ck_copy($0.baseAddress! + filled, g.pointer, g.count) }
                packed.append(g)
                filled += g.count
            }
        }
        try flush()
    }

    /// Sums `values` over the ranks in place, in this reducer's precision.
    private func reduce(_ values: UnsafeMutableBufferPointer<Float>) throws {
        statistics.calls += 1
        switch precision {
        case .fp32:
            statistics.bytes += values.count * 4
            try Profiler.measure("allreduce|gradients") { try communicator.allReduce(values, .sum) }
        case .bf16:
            statistics.bytes += values.count * 2
            if narrow.count < values.count { narrow = [UInt16](repeating: 0, count: values.count) }
            try narrow.withUnsafeMutableBufferPointer { wire in
                let part = UnsafeMutableBufferPointer(rebasing: wire[0..<values.count])
                ck_f32_to_bf16(part.baseAddress!, values.baseAddress!, values.count)
                try Profiler.measure("allreduce|gradients") { try communicator.allReduceSum(bfloat16: part) }
                ck_bf16_to_f32(values.baseAddress!, part.baseAddress!, values.count)
            }
        }
    }
}

extension Module {
    /// Makes every ``BatchNorm2d`` of this tree share batch statistics over `group` in training
    /// (synchronised batch norm), or, with nil, use each process's own batch again.
    public final func synchronizeBatchStatistics(over group: (any Communicator)?) {
        for (_, m) in namedModules() {
            if let bn = m as? BatchNorm2d { bn.statisticsGroup = group }
        }
    }

    /// Copies rank `root`'s parameters and buffers to every rank of `communicator` (all ranks
    /// hold the same architecture): how data-parallel ranks start from identical weights.
    public final func broadcastState(from root: Int = 0, over communicator: any Communicator) throws {
        guard communicator.isDistributed else { return }
        try Self.broadcast(stateEntries().map(\.tensor), from: root, over: communicator)
    }

    /// Replaces every buffer (batch norm's running statistics) with its mean over the ranks, so
    /// that every rank holds the same ones (each rank's batches update them differently when the
    /// statistics are not synchronised).
    public final func averageBuffers(over communicator: any Communicator) throws {
        guard communicator.isDistributed else { return }
        let buffers = namedBuffers().map(\.tensor)
        let total = buffers.reduce(0) { $0 + $1.count }
        guard total > 0 else { return }
        var values = [Float](repeating: 0, count: total)
        var offset = 0
        for t in buffers {
            values.withUnsafeMutableBufferPointer { ck_copy($0.baseAddress! + offset, t.pointer, t.count) }
            offset += t.count
        }
        try communicator.allReduce(&values, .sum)
        let scale = 1 / Float(communicator.size)
        offset = 0
        for t in buffers {
            values.withUnsafeBufferPointer { ck_affine(t.pointer, $0.baseAddress! + offset, scale, 0, t.count) }
            t.markModified()
            offset += t.count
        }
    }

    /// Broadcasts the values of `tensors` (same shapes on every rank) from `root`, in slices of at
    /// most 64 MiB.
    static func broadcast(_ tensors: [Tensor], from root: Int, over communicator: any Communicator) throws {
        let slice = 16 << 20
        for t in tensors {
            var offset = 0
            while offset < t.count {
                let n = min(slice, t.count - offset)
                try communicator.broadcast(UnsafeMutableBufferPointer(start: t.pointer + offset, count: n), root: root)
                offset += n
            }
            t.markModified()
        }
    }
}
