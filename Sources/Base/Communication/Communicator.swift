import Foundation

/// How values from every process are combined by ``Communicator/allReduce(_:_:)``.
public enum ReduceOperation: String, Sendable, CaseIterable {
    case sum, max, min
}

/// The processes that train one model together (the ranks of an MPI job), as the layers above
/// see them: collective operations that every rank calls in the same order with buffers of the
/// same length. Nothing above `Base` needs to know which transport carries them; the `Distributed`
/// module implements this protocol over MPI, and ``SingleProcess`` is the one-process group every
/// program starts with.
///
/// Every call is *collective*: a rank that calls ``allReduce(_:_:)`` waits until all ranks have
/// called it. A rank that stops calling (an error, a different branch) stalls the others, so code
/// that uses a communicator keeps every branch that contains a collective identical on all ranks.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0 ..< ``size``.
    var rank: Int { get }
    /// How many processes take part (1 without `mpirun`).
    var size: Int { get }
    /// Combines `values` element-wise over all ranks, in place: afterwards every rank holds the
    /// same result.
    func allReduce(_ values: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws
    /// ``allReduce(_:_:)`` for doubles (statistics and counts that need the precision).
    func allReduce(_ values: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) throws
    /// Sums bfloat16 values (bit patterns: the high halves of floats) element-wise over all ranks,
    /// in place, each partial sum rounded to bfloat16 (nearest even): half the bytes of a float
    /// all-reduce. The default widens to floats, sums them with ``allReduce(_:_:)`` and rounds once.
    func allReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws
    /// Replaces `bytes` on every rank with the bytes of rank `root` (all ranks pass the same length).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Every rank's `bytes` (the same length on every rank), concatenated in rank order.
    func allGather(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8]
    /// Returns once every rank has called it.
    func barrier() throws
}

extension Communicator {
    public func allReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws {
        guard isDistributed else { return }
        var wide = values.map { Float(bitPattern: UInt32($0) << 16) }
        try allReduce(&wide, .sum)
        for i in values.indices { values[i] = BFloat16Bits.rounding(wide[i]) }
    }

    /// Rank 0: the one process that writes files and prints progress.
    public var isWriter: Bool { rank == 0 }
    /// Whether more than one process takes part.
    public var isDistributed: Bool { size > 1 }

    /// ``allReduce(_:_:)`` on an array.
    public func allReduce(_ values: inout [Float], _ operation: ReduceOperation) throws {
        try values.withUnsafeMutableBufferPointer { try allReduce($0, operation) }
    }

    public func allReduce(_ values: inout [Double], _ operation: ReduceOperation) throws {
        try values.withUnsafeMutableBufferPointer { try allReduce($0, operation) }
    }

    /// True on every rank when `flag` is true on any rank (a stop request, a failure).
    public func anyTrue(_ flag: Bool) throws -> Bool {
        guard isDistributed else { return flag }
        var value = [flag ? 1.0 : 0.0]
        try allReduce(&value, .max)
        return value[0] > 0
    }

    /// Rank `root`'s byte array on every rank, whatever length the others passed (the length is
    /// broadcast first).
    public func broadcast(_ bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        guard isDistributed else { return bytes }
        var length = [Double(rank == root ? bytes.count : 0)]
        try length.withUnsafeMutableBytes { try broadcast($0, root: root) }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length[0]))
        try out.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return out
    }

    /// Rank `root`'s floats copied into `values` on every rank (all ranks pass the same count).
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int = 0) throws {
        try broadcast(UnsafeMutableRawBufferPointer(values), root: root)
    }

    /// Every rank's byte array (lengths may differ), in rank order.
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard isDistributed else { return [bytes] }
        var length = Int64(bytes.count)
        let lengths = try withUnsafeBytes(of: &length) { try allGather(UnsafeRawBufferPointer($0)) }
            .withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        let longest = Int(lengths.max() ?? 0)
        let padded = bytes + [UInt8](repeating: 0, count: longest - bytes.count)
        let all = try padded.withUnsafeBytes { try allGather($0) }
        return lengths.enumerated().map { r, n in Array(all[(r * longest)..<(r * longest + Int(n))]) }
    }
}

/// The group of one process: every collective returns at once and leaves its buffers as they are
/// (the sum, maximum or minimum of one value is that value).
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduce(_ values: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws {}
    public func allReduce(_ values: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) throws {}
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func allGather(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] { Array(bytes) }
    public func barrier() throws {}
}

/// bfloat16 as bit patterns: the high 16 bits of a float.
public enum BFloat16Bits {
    /// The bfloat16 nearest to `value` (ties to even; NaN stays a quiet NaN).
    /// Branch-free (a select), so that loops over it vectorise.
    @inline(__always) public static func rounding(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        let quietNaN = UInt16(truncatingIfNeeded: bits >> 16) | 0x40
        return (bits & 0x7FFF_FFFF) > 0x7F80_0000 ? quietNaN : rounded
    }
}
