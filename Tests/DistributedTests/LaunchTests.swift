import Base
import Distributed
import Testing

@Suite("MPI launch detection and the thread policy")
struct LaunchTests {
    @Test("MPI starts only under a launcher, or when PIX2PIX_MPI says so")
    func detection() {
        #expect(!MPIRuntime.isLaunched(environment: [:]))
        #expect(MPIRuntime.isLaunched(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(MPIRuntime.isLaunched(environment: ["PMIX_RANK": "0"]))
        #expect(MPIRuntime.isLaunched(environment: ["PMI_RANK": "3"]))
        #expect(!MPIRuntime.isLaunched(environment: ["OMPI_COMM_WORLD_SIZE": "2", "PIX2PIX_MPI": "0"]))
        #expect(MPIRuntime.isLaunched(environment: ["PIX2PIX_MPI": "1"]))
    }

    @Test("Pinned ranks use their own CPUs; unpinned ranks share the host's")
    func threads() {
        #expect(MPIRuntime.threadsPerRank(availableCPUs: 1, processors: 16, localRanks: 16) == 1)
        #expect(MPIRuntime.threadsPerRank(availableCPUs: 4, processors: 16, localRanks: 4) == 4)
        #expect(MPIRuntime.threadsPerRank(availableCPUs: 16, processors: 16, localRanks: 4) == 4)
        #expect(MPIRuntime.threadsPerRank(availableCPUs: 2, processors: 2, localRanks: 4) == 1)
        #expect(MPIRuntime.threadsPerRank(availableCPUs: 8, processors: 8, localRanks: 1) == 8)
    }
}

@Suite("Ranks of an MPI job, before MPI starts")
struct RankEnvironmentTests {
    @Test("One of several ranks: a world size above 1 or a rank above 0; never with PIX2PIX_MPI=0")
    func severalRanks() {
        #expect(!MPIRuntime.isOneOfSeveralRanks(environment: [:]))
        #expect(!MPIRuntime.isOneOfSeveralRanks(environment: ["OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"]))
        #expect(MPIRuntime.isOneOfSeveralRanks(environment: ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "0"]))
        #expect(MPIRuntime.isOneOfSeveralRanks(environment: ["PMIX_RANK": "3"]))
        #expect(!MPIRuntime.isOneOfSeveralRanks(environment: ["PMIX_RANK": "0"]))
        #expect(MPIRuntime.isOneOfSeveralRanks(environment: ["PMI_SIZE": "2", "PMI_RANK": "0"]))
        #expect(!MPIRuntime.isOneOfSeveralRanks(environment: ["OMPI_COMM_WORLD_SIZE": "4", "PIX2PIX_MPI": "0"]))
    }
}
