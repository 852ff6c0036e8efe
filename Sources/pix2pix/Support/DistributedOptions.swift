import ArgumentParser
import Base
import Distributed
import Foundation
import NN
import Pix2Pix

extension AllReducePrecision: ExpressibleByArgument {}

/// Data-parallel training flags (`mpirun -np N pix2pix train …`): how batch norm and the gradient
/// all-reduce behave across ranks. Both are recorded in the run's config; in a single process
/// they change nothing.
struct DistributedOptions: ParsableArguments {
    @Flag(name: .customLong("sync-batchnorm"),
          help: "Under mpirun: batch norm uses the statistics of all ranks' batches together, so N ranks × batch b train as one process with batch N·b (default: each rank's own batch, as the paper).")
    var syncBatchNorm = false
    @Option(name: .customLong("allreduce-precision"),
            help: "Under mpirun: the arithmetic gradients are averaged in: fp32 (default) or bf16 (half the bytes on the network).")
    var allReducePrecision: AllReducePrecision?

    func apply(to o: inout TrainingOptions) {
        if syncBatchNorm { o.syncBatchNorm = true }
        if let allReducePrecision { o.allReducePrecision = allReducePrecision }
    }
}

/// How a training command joins an MPI job: the world (one process unless `mpirun` / `srun`
/// started this one), the thread count of each rank, and what a rank does when it fails.
enum DistributedLaunch {
    /// Starts MPI when launched by mpirun / srun (else a world of one) and, with several ranks
    /// on a host, gives each rank the threads of its CPU set (``MPIRuntime/threadsPerRank(_:availableCPUs:processors:)``)
    /// unless `--threads` or `PIX2PIX_THREADS` chose a count.
    static func start(threads: ThreadsOption) throws -> any Communicator {
        let world = try MPIRuntime.start()
        if world.isDistributed, threads.threads == nil, ProcessInfo.processInfo.environment["PIX2PIX_THREADS"] == nil {
            Threads.set(MPIRuntime.threadsPerRank(world))
        }
        return world
    }

    /// The commands that run as data-parallel ranks; any other command started as one of several
    /// ranks would run once per rank, each writing the same files.
    static let rankCommands: [[String]] = [["train"], ["ablate"], ["bench", "train"], ["bench", "allreduce"]]

    /// The refusal to print when `arguments` (the command line) name a command that does not run
    /// under mpirun / srun with several ranks; nil when it does, or when this is a single process.
    static func unsupportedUnderMPI(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard MPIRuntime.isOneOfSeveralRanks(environment: environment) else { return nil }
        let words = Array(arguments.dropFirst().prefix { !$0.hasPrefix("-") })
        if rankCommands.contains(where: { words.starts(with: $0) }) { return nil }
        return "pix2pix \(words.joined(separator: " ")) does not run as several MPI ranks (each rank would do the whole job and write the same files). "
            + "Hint: under mpirun / srun, run `pix2pix train`, `pix2pix ablate` (one run per rank), `pix2pix bench train` or `pix2pix bench allreduce`; run other commands as one process"
    }

    /// Runs `body`. When it throws on a rank of a multi-rank job, the rank prints the error with its
    /// rank and host and ends the whole job (`MPI_Abort`): the other ranks would otherwise wait for
    /// it in their next collective. An `ExitCode` (an agreed stop) passes through.
    /// MPI is finalised here, on the main thread at a known point, before the process exits (not
    /// only from `atexit`, where other libraries' teardown may already run).
    static func run<R>(_ world: any Communicator, _ body: () throws -> R) throws -> R {
        do {
            let result = try body()
            MPIRuntime.finalize()
            return result
        } catch let error as ExitCode {
            MPIRuntime.finalize()
            throw error
        } catch {
            guard let mpi = world as? MPICommunicator, mpi.isDistributed else { throw error }
            let message = "pix2pix: rank \(mpi.rank) of \(mpi.size) (host \(mpi.hostName)) failed: \(error)\n"
                + "pix2pix: ending all ranks; the last complete checkpoint stays in the run directory\n"
            FileHandle.standardError.write(Data(message.utf8))
            mpi.abort(code: 1)
        }
    }
}
