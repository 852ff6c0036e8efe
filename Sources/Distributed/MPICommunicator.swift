import Base
import CMPI
import Foundation

/// ``Communicator`` over MPI's `MPI_COMM_WORLD`: the ranks started by `mpirun -np N` or Slurm's
/// `srun`. Create it with ``MPIRuntime/start()``, which initialises MPI once per process.
///
/// Calls are serialised by a lock (MPI is initialised with `MPI_THREAD_SERIALIZED`), so a
/// collective issued from any thread is safe; the trainer issues them all from one. Errors are
/// returned, not fatal (`MPI_ERRORS_RETURN`), and become ``DistributedError/mpi(call:rank:code:message:)``.
/// Buffers longer than `Int32.max` elements (MPI counts are 32-bit) go in chunks.
public final class MPICommunicator: Communicator, @unchecked Sendable {  // all state is immutable or guarded by `lock`
    public let rank: Int
    public let size: Int
    /// The host's name as MPI reports it (`MPI_Get_processor_name`).
    public let hostName: String
    /// Ranks on this host (a shared-memory split of the world) and this rank's index among them.
    public let localSize: Int
    public let localRank: Int
    private let comm: MPI_Comm
    private let lock = NSLock()
    /// Elements per MPI call: counts are `Int32`.
    static let maximumChunk = Int(Int32.max) / 8

    init() throws {
        comm = cmpi_comm_world()
        var value: Int32 = 0
        try Self.check(MPI_Comm_rank(comm, &value), "MPI_Comm_rank", rank: -1)
        rank = Int(value)
        try Self.check(MPI_Comm_size(comm, &value), "MPI_Comm_size", rank: rank)
        size = Int(value)
        try Self.check(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler", rank: rank)
        var name = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        try Self.check(MPI_Get_processor_name(&name, &length), "MPI_Get_processor_name", rank: rank)
        hostName = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The ranks that share this host's memory: how many split its CPUs when none is pinned.
        var local: MPI_Comm?
        try Self.check(MPI_Comm_split_type(comm, Int32(MPI_COMM_TYPE_SHARED), Int32(rank), cmpi_info_null(), &local),
                       "MPI_Comm_split_type", rank: rank)
        try Self.check(MPI_Comm_size(local, &value), "MPI_Comm_size", rank: rank)
        localSize = Int(value)
        try Self.check(MPI_Comm_rank(local, &value), "MPI_Comm_rank", rank: rank)
        localRank = Int(value)
        _ = MPI_Comm_free(&local)
    }

    static func check(_ code: Int32, _ call: String, rank: Int) throws {
        guard code != cmpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        _ = MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DistributedError.mpi(call: call, rank: rank, code: code, message: message)
    }

    private func check(_ code: Int32, _ call: String) throws { try Self.check(code, call, rank: rank) }

    private static func handle(_ operation: ReduceOperation) -> MPI_Op {
        switch operation {
        case .sum: return cmpi_sum()
        case .max: return cmpi_max()
        case .min: return cmpi_min()
        }
    }

    /// In-place all-reduce of `count` elements of `type` at `base`, in chunks.
    private func allReduce(_ base: UnsafeMutableRawPointer?, count: Int, stride: Int, type: MPI_Datatype,
                           _ operation: ReduceOperation) throws {
        guard size > 1, count > 0, let base else { return }
        try lock.withLock {
            var offset = 0
            while offset < count {
                let n = min(Self.maximumChunk, count - offset)
                try check(MPI_Allreduce(cmpi_in_place(), base + offset * stride, Int32(n), type, Self.handle(operation), comm),
                          "MPI_Allreduce(\(n) × \(stride)-byte values, \(operation.rawValue))")
                offset += n
            }
        }
    }

    public func allReduce(_ values: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws {
        try allReduce(UnsafeMutableRawPointer(values.baseAddress), count: values.count, stride: 4, type: cmpi_float(), operation)
    }

    public func allReduce(_ values: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) throws {
        try allReduce(UnsafeMutableRawPointer(values.baseAddress), count: values.count, stride: 8, type: cmpi_double(), operation)
    }

    /// bfloat16 values (the high halves of floats) summed element-wise: `--allreduce-precision bf16`.
    public func allReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws {
        guard size > 1, values.count > 0 else { return }
        let op = try BF16Sum.operation()
        try lock.withLock {
            var offset = 0
            while offset < values.count {
                let n = min(Self.maximumChunk, values.count - offset)
                try check(MPI_Allreduce(cmpi_in_place(), values.baseAddress! + offset, Int32(n), cmpi_uint16(), op, comm),
                          "MPI_Allreduce(\(n) bfloat16 values, sum)")
                offset += n
            }
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard size > 1, bytes.count > 0, let base = bytes.baseAddress else { return }
        guard (0..<size).contains(root) else {
            throw DistributedError.invalidArgument(operation: "broadcast", message: "root rank \(root) is outside 0..<\(size)")
        }
        try lock.withLock {
            var offset = 0
            while offset < bytes.count {
                let n = min(Self.maximumChunk, bytes.count - offset)
                try check(MPI_Bcast(base + offset, Int32(n), cmpi_byte(), Int32(root), comm), "MPI_Bcast(\(n) bytes from rank \(root))")
                offset += n
            }
        }
    }

    public func allGather(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard size > 1 else { return Array(bytes) }
        guard bytes.count <= Self.maximumChunk else {
            throw DistributedError.invalidArgument(operation: "allGather", message: "\(bytes.count) bytes per rank is more than one MPI call carries")
        }
        var out = [UInt8](repeating: 0, count: bytes.count * size)
        try lock.withLock {
            try out.withUnsafeMutableBytes { target in
                try check(MPI_Allgather(bytes.baseAddress, Int32(bytes.count), cmpi_byte(), target.baseAddress, Int32(bytes.count), cmpi_byte(), comm),
                          "MPI_Allgather(\(bytes.count) bytes per rank)")
            }
        }
        return out
    }

    public func barrier() throws {
        guard size > 1 else { return }
        try lock.withLock { try check(MPI_Barrier(comm), "MPI_Barrier") }
    }

    /// Ends every rank of the job at once (`MPI_Abort`): what a rank does when it fails, so that the
    /// others do not wait for it in the next collective. Does not return.
    public func abort(code: Int32) -> Never {
        _ = MPI_Abort(comm, code)
        exit(code)
    }
}

/// The MPI reduction that sums bfloat16 values (MPI has no bfloat16 type): each value is widened to
/// a float, added, and rounded back to nearest-even.
enum BF16Sum {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var created: MPI_Op?

    static func operation() throws -> MPI_Op {
        try lock.withLock {
            if let created { return created }
            var op: MPI_Op?
            let function: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?,
                                          UnsafeMutablePointer<MPI_Datatype?>?) -> Void = { input, inout_, length, _ in
                guard let input, let inout_, let length else { return }
                let a = UnsafeBufferPointer(start: input.assumingMemoryBound(to: UInt16.self), count: Int(length.pointee))
                let b = UnsafeMutableBufferPointer(start: inout_.assumingMemoryBound(to: UInt16.self), count: Int(length.pointee))
                for i in 0..<a.count {
                    b[i] = BFloat16Bits.rounding(Float(bitPattern: UInt32(a[i]) << 16) + Float(bitPattern: UInt32(b[i]) << 16))
                }
            }
            try MPICommunicator.check(MPI_Op_create(function, 1, &op), "MPI_Op_create(bfloat16 sum)", rank: -1)
            created = op
            return op!
        }
    }
}
