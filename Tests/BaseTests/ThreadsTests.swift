import Base
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
