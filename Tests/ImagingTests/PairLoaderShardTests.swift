import Imaging
import Testing

/// Data-parallel shards of a PairLoader: N ranks with batch b take together exactly the pairs,
/// crops and flips one loader with batch N·b takes, step by step and epoch by epoch.
@Suite("PairLoader shards")
struct PairLoaderShardTests {
    static func pairs(_ n: Int) -> MemoryDataset {
        MemoryDataset((0..<n).map { i in
            let image = patternImage(width: 24, height: 24, channels: 3, seed: i)
            return (image, image.converted(toChannels: 1))
        })
    }

    static func options(batch: Int) -> PairLoaderOptions {
        PairLoaderOptions(batchSize: batch, loadSize: 28, cropSize: 20, seed: 9)
    }

    @Test("Ranks' batches, concatenated in rank order, are the one-process batch of N·b pairs (pixels, indices, epochs)",
          arguments: [(2, 1, 8), (2, 2, 8), (3, 2, 12), (4, 1, 8)])
    func concatenation(ranks: Int, batch: Int, pairs: Int) throws {
        let whole = try PairLoader(dataset: Self.pairs(pairs), options: Self.options(batch: ranks * batch))
        let shards = try (0..<ranks).map {
            try PairLoader(dataset: Self.pairs(pairs), options: Self.options(batch: batch), shard: PairLoaderShard(rank: $0, of: ranks))
        }
        #expect(shards.allSatisfy { $0.batchesPerEpoch == whole.batchesPerEpoch && $0.globalBatchSize == ranks * batch })
        for _ in 0..<(3 * whole.batchesPerEpoch) {
            if whole.isEpochFinished {
                #expect(shards.allSatisfy { $0.isEpochFinished })
                whole.startNextEpoch()
                shards.forEach { $0.startNextEpoch() }
            }
            let expected = try #require(try whole.nextBatch())
            let parts = try shards.map { try #require(try $0.nextBatch()) }
            #expect(parts.flatMap(\.indices) == expected.indices)
            #expect(parts.flatMap(\.a) == expected.a)
            #expect(parts.flatMap(\.b) == expected.b)
            #expect(parts.allSatisfy { $0.globalCount == expected.count && $0.epoch == expected.epoch })
            #expect(shards.allSatisfy { $0.state == whole.state })
        }
    }

    @Test("An uneven last step is split as evenly as possible; fewer pairs than ranks are left out of the epoch")
    func unevenTail() throws {
        // 7 pairs, 2 ranks × batch 2: steps of 4, then 3 (2 + 1).
        let seven = try (0..<2).map { try PairLoader(dataset: Self.pairs(7), options: Self.options(batch: 2), shard: PairLoaderShard(rank: $0, of: 2)) }
        #expect(seven[0].batchesPerEpoch == 2)
        _ = try seven.map { try $0.nextBatch() }
        let tail = try seven.map { try #require(try $0.nextBatch()) }
        #expect(tail.map(\.count) == [2, 1] && tail.allSatisfy { $0.globalCount == 3 })
        #expect(seven.allSatisfy { $0.isEpochFinished })
        // 9 pairs, 4 ranks × batch 2: one step of 8, then 1 pair for 4 ranks: left out.
        let nine = try (0..<4).map { try PairLoader(dataset: Self.pairs(9), options: Self.options(batch: 2), shard: PairLoaderShard(rank: $0, of: 4)) }
        #expect(nine[0].batchesPerEpoch == 1)
        _ = try nine.map { try $0.nextBatch() }
        #expect(nine.allSatisfy { $0.isEpochFinished })
        #expect(try nine[3].nextBatch() == nil)
    }

    @Test("A shard needs a valid rank and at least one pair per rank")
    func validation() {
        #expect(throws: ImagingError.self) { try PairLoader(dataset: Self.pairs(4), options: Self.options(batch: 1), shard: PairLoaderShard(rank: 2, of: 2)) }
        #expect(throws: ImagingError.self) { try PairLoader(dataset: Self.pairs(2), options: Self.options(batch: 1), shard: PairLoaderShard(rank: 0, of: 3)) }
    }
}
