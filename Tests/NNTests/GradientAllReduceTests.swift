import Base
import Foundation
import NN
import Testing
import Tensor

/// A stand-in for a second rank: every all-reduce adds 1 to each element (the other rank's
/// contribution), so a correct average of a value g is (g + 1) / 2 wherever the value was packed.
final class OtherRankAddsOne: Communicator, @unchecked Sendable {
    var calls = 0
    var elements = 0
    var rank: Int { 0 }
    var size: Int { 2 }
    func allReduce(_ values: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws {
        calls += 1
        elements += values.count
        for i in values.indices { values[i] += 1 }
    }
    func allReduce(_ values: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) throws {
        calls += 1
        elements += values.count
        for i in values.indices { values[i] += 1 }
    }
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    func allGather(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] { Array(bytes) + Array(bytes) }
    func barrier() throws {}
}

@Suite("Gradient all-reduce")
struct GradientAllReduceTests {
    /// Parameters of assorted sizes around a 1024-float bucket: small ones packed together, one that
    /// no longer fits, one reduced in place over several slices, one without a gradient.
    static func parameters() -> [(key: String, tensor: Tensor)] {
        var rng = RandomGenerator(seed: 41)
        return [10, 500, 300, 400, 3 * 1024 + 5, 7, 2, 1024].enumerated().map { i, n in
            let p = Tensor.zeros([n])
            if i != 5 { p.grad = Tensor.uniform([n], low: -2, high: 2, using: &rng) }
            return ("p\(i)", p)
        }
    }

    @Test("fp32: every gradient element becomes the mean over the ranks, in buckets, whatever its tensor's size")
    func fp32Buckets() throws {
        let parameters = Self.parameters()
        let before = parameters.map { $0.tensor.grad?.scalars }
        let other = OtherRankAddsOne()
        let reducer = GradientAllReduce(communicator: other, bucketBytes: 4096)
        try reducer.average(parameters)
        for (i, (key, p)) in parameters.enumerated() {
            guard let g = before[i] else { #expect(p.grad == nil, "\(key) gained a gradient"); continue }
            let expected = g.map { ($0 + 1) / 2 }
            #expect(p.grad?.scalars == expected, "\(key)")
        }
        let total = before.compactMap { $0?.count }.reduce(0, +)
        #expect(other.elements == total, "each gradient element is sent exactly once")
        #expect(reducer.statistics.bytes == total * 4)
        // [10, 500, 300] packed; 400 has no room left (a second bucket); 3077 in place as 4 slices;
        // [2] packed; 1024 in place.
        #expect(other.calls == 8)
    }

    @Test("bf16: gradients travel as bfloat16 (rounded to nearest even) and come back as the mean")
    func bf16() throws {
        let parameters = Self.parameters()
        let before = parameters.map { $0.tensor.grad?.scalars }
        let reducer = GradientAllReduce(communicator: OtherRankAddsOne(), bucketBytes: 4096, precision: .bf16)
        try reducer.average(parameters)
        func bf16(_ x: Float) -> Float { Float(bitPattern: UInt32(BFloat16Bits.rounding(x)) << 16) }
        for (i, (key, p)) in parameters.enumerated() {
            guard let g = before[i] else { continue }
            #expect(p.grad?.scalars == g.map { bf16(bf16($0) + 1) / 2 }, "\(key)")
        }
        #expect(reducer.statistics.bytes == before.compactMap { $0?.count }.reduce(0, +) * 2)
    }

    @Test("One rank: nothing is sent and nothing changes")
    func singleProcess() throws {
        let parameters = Self.parameters()
        let before = parameters.map { $0.tensor.grad?.scalars }
        try GradientAllReduce(communicator: SingleProcess()).average(parameters)
        #expect(parameters.map { $0.tensor.grad?.scalars } == before)
    }

    @Test("Batch-norm running statistics are averaged over the ranks; synchronised statistics are switched on and off")
    func buffersAndGroups() throws {
        let bn = try BatchNorm2d(channels: 3)
        let net = Sequential(try Conv2d(inputChannels: 3, outputChannels: 3, kernelSize: 3, padding: 1), bn)
        for k in 0..<3 { bn.runningMean.pointer[k] = Float(k); bn.runningVar.pointer[k] = Float(k + 2) }
        try net.averageBuffers(over: OtherRankAddsOne())
        #expect(bn.runningMean.scalars == [0.5, 1, 1.5])
        #expect(bn.runningVar.scalars == [1.5, 2, 2.5])
        net.synchronizeBatchStatistics(over: OtherRankAddsOne())
        #expect(bn.statisticsGroup != nil)
        net.synchronizeBatchStatistics(over: nil)
        #expect(bn.statisticsGroup == nil)
    }
}
