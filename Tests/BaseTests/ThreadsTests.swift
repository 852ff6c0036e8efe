@testable import Base
import Testing

@Suite(.serialized) struct ThreadsTests {
    @Test func theCountIsSetDirectly() {
        let before = Threads.count
        Threads.set(3)
        #expect(Threads.count == 3 && Threads.isSet)
        Threads.set(nil)
        #expect(Threads.count == Threads.defaultCount && !Threads.isSet)
        #expect(before >= 1 && Threads.availableCPUs >= 1)
    }

    @Test func parallelForVisitsEveryIndexOnceWhateverTheThreads() {
        for threads in [1, 2, 5] {
            var hits = [Int](repeating: 0, count: 1000)
            hits.withUnsafeMutableBufferPointer { buffer in
                let b = UncheckedSendable(buffer)
                parallelFor(1000, threads: threads) { (_, i) throws(Never) in b.value[i] += 1 }
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
    }

    @Test func loopsRunOnTheOpenMPTeamAndNestedLoopsStillVisitEveryIndexOnce() {
        // The test process links libdnnl, hence libgomp: the loops run on its team (the threads
        // oneDNN's primitives use), and a loop inside a loop body falls back to libdispatch.
        #expect(OpenMPTeam.isAvailable)
        #expect(!OpenMPTeam.insideTeam)
        let inside = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64 * 100)
        inside.initialize(repeating: false)
        hits.initialize(repeating: 0)
        defer { inside.deallocate(); hits.deallocate() }
        let (i0, h0) = (UncheckedSendable(inside), UncheckedSendable(hits))
        parallelFor(64, threads: 2) { (_, i) throws(Never) in
            i0.value[i] = OpenMPTeam.insideTeam
            parallelFor(100, threads: 2) { (_, j) throws(Never) in h0.value[i * 100 + j] += 1 }
        }
        #expect(inside.allSatisfy { $0 })
        #expect(hits.allSatisfy { $0 == 1 })
        #expect(!OpenMPTeam.insideTeam)
    }

    @Test func theLowestFailingIndexIsThrown() {
        struct Failure: Error, Equatable { let index: Int }
        #expect(throws: Failure(index: 3)) {
            try parallelFor(100, threads: 4) { (_, i) throws(Failure) in if i == 3 || i == 50 { throw Failure(index: i) } }
        }
    }

    @Test func rangesCoverEverythingInCacheLineChunks() {
        Threads.set(2)
        defer { Threads.set(nil) }
        let n = 300_001
        var covered = [UInt8](repeating: 0, count: n)
        covered.withUnsafeMutableBufferPointer { buffer in
            let b = UncheckedSendable(buffer)
            parallelRanges(n, grain: 1000) { start, end in
                #expect(start % 16 == 0)
                for i in start..<end { b.value[i] += 1 }
            }
        }
        #expect(covered.allSatisfy { $0 == 1 })
    }
}
