import Base
import CMPI
import Foundation

/// Starting MPI, once per process, only when a launcher started this process.
///
/// `pix2pix` links MPI but calls `MPI_Init` only under `mpirun` / `mpiexec` or Slurm's `srun`
/// (they set `OMPI_COMM_WORLD_SIZE`, `PMIX_RANK` or `PMI_RANK`), so a plain `pix2pix train` runs
/// as one process without MPI's start-up (about 0.3 s) or its spinning progress engine.
/// `PIX2PIX_MPI=1` starts MPI anyway (a singleton world of one rank); `PIX2PIX_MPI=0` never does.
public enum MPIRuntime {
    /// The variables a launcher sets for every rank (Open MPI's mpirun, PMIx and PMI-2 launchers).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Whether this process was started by an MPI launcher (or `PIX2PIX_MPI` says to start MPI).
    public static func isLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch environment["PIX2PIX_MPI"] {
        case "1"?: return true
        case "0"?: return false
        default: return launcherVariables.contains { environment[$0] != nil }
        }
    }

    /// Whether a launcher started this process as one of several ranks, as far as the environment
    /// tells before MPI starts: a world size above 1, or a rank above 0.
    public static func isOneOfSeveralRanks(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if environment["PIX2PIX_MPI"] == "0" { return false }
        let sizes = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"].compactMap { environment[$0].flatMap { Int($0) } }
        let ranks = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"].compactMap { environment[$0].flatMap { Int($0) } }
        return sizes.contains { $0 > 1 } || ranks.contains { $0 > 0 }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var world: (any Communicator)?

    /// The world: over MPI when launched (``isLaunched(environment:)``), else ``SingleProcess``.
    /// The first call initialises MPI (`MPI_Init_thread`, serialized calls) and registers
    /// `MPI_Finalize` to run at exit; later calls return the same communicator.
    public static func start() throws -> any Communicator {
        try lock.withLock {
            if let world { return world }
            let started: any Communicator
            if isLaunched() {
                var provided: Int32 = 0
                try MPICommunicator.check(MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided), "MPI_Init_thread", rank: -1)
                atexit { MPIRuntime.finalize() }
                guard provided >= cmpi_thread_serialized() else {
                    throw DistributedError.threadLevel(provided: provided, required: cmpi_thread_serialized())
                }
                started = try MPICommunicator()
            } else {
                started = SingleProcess()
            }
            world = started
            return started
        }
    }

    /// `MPI_Finalize` if MPI is running and not yet finalised: call it once every rank is done with
    /// collectives (it waits for the others). ``start()`` also registers it with `atexit`.
    public static func finalize() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }

    /// Worker threads for one rank when neither `--threads` nor `PIX2PIX_THREADS` sets them: the
    /// CPUs of the rank's affinity mask (mpirun pins each rank to one core by default), except
    /// that ranks left unpinned (`--bind-to none`, every CPU in every mask) share the host's CPUs
    /// among them instead of each taking all of them.
    public static func threadsPerRank(_ communicator: any Communicator,
                                      availableCPUs: Int = Threads.availableCPUs,
                                      processors: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        guard let mpi = communicator as? MPICommunicator, mpi.localSize > 1 else { return max(1, availableCPUs) }
        return threadsPerRank(availableCPUs: availableCPUs, processors: processors, localRanks: mpi.localSize)
    }

    /// The rule of ``threadsPerRank(_:availableCPUs:processors:)``, for `localRanks` ranks on a host.
    public static func threadsPerRank(availableCPUs: Int, processors: Int, localRanks: Int) -> Int {
        if localRanks > 1 && availableCPUs >= processors { return max(1, availableCPUs / localRanks) }
        return max(1, availableCPUs)
    }
}
