/// A failure of the MPI layer, naming the call, this process's rank and what to check.
public enum DistributedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An MPI call returned an error code.
    case mpi(call: String, rank: Int, code: Int32, message: String)
    /// `MPI_Init_thread` did not grant the thread level the trainer needs.
    case threadLevel(provided: Int32, required: Int32)
    /// A collective was asked for something the ranks cannot agree on.
    case invalidArgument(operation: String, message: String)

    public var description: String {
        switch self {
        case let .mpi(call, rank, code, message):
            return "rank \(rank): \(call) failed with MPI error \(code): \(message). Hint: a rank has probably died (see the messages above from mpirun or srun), or the network between the hosts is down; the last complete checkpoint stays in the run directory"
        case let .threadLevel(provided, required):
            return "MPI_Init_thread granted thread level \(provided), below the \(required) (MPI_THREAD_SERIALIZED) that training needs. Hint: use an MPI library built with thread support (Debian's openmpi-bin is)"
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        }
    }
}
