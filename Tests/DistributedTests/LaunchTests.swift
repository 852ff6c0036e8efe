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
