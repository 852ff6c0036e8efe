import Foundation
import Testing
@testable import Imaging

/// An in-memory dataset for loader tests.
final class MemoryDataset: PairedDataset, @unchecked Sendable {
    let name = "memory"
    let pairs: [(a: Image, b: Image)]
    init(_ pairs: [(a: Image, b: Image)]) { self.pairs = pairs }
    var count: Int { pairs.count }
    var width: Int { pairs[0].a.width }
    var height: Int { pairs[0].a.height }
    var channelsA: Int { pairs[0].a.channels }
    var channelsB: Int { pairs[0].b.channels }
    func pair(at index: Int) throws -> (a: Image, b: Image) {
        try checkIndex(index)
        return pairs[index]
    }
}

@Suite("Aligned folders and the loader")
struct DatasetTests {
    @Test("Aligned A|B folder: write then read, both directions")
    func alignedRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("aligned")
        let writer = try AlignedFolderWriter(path: out)
        var pairs: [(Image, Image)] = []
        for i in 0..<3 {
            let b = patternImage(width: 16, height: 10, channels: 3, seed: i)
            pairs.append((b.grayscale(), b))
            try writer.append(a: b.grayscale(), b: b, split: i < 2 ? "train" : "val")
        }
        writer.setMetadata("channels_a", 1)
        writer.setMetadata("channels_b", 3)
        #expect(!FileManager.default.fileExists(atPath: out))
        try writer.finish()
        #expect(dir.contents() == ["aligned"])

        let train = try AlignedFolderDataset(directory: out, split: "train")
        #expect(train.count == 2 && train.width == 16 && train.height == 10)
        #expect(train.channelsA == 1 && train.channelsB == 3, "channels come from dataset.json")
        let p = try train.pair(at: 1)
        #expect(p.a == pairs[1].0 && p.b == pairs[1].1)
        let swapped = try AlignedFolderDataset(directory: out, split: "val", direction: .bToA)
        #expect(swapped.channelsA == 3 && swapped.channelsB == 1)
        #expect(try swapped.pair(at: 0).a == pairs[2].1)
        #expect(try openPairedDataset(path: out, split: "val").count == 1)
        #expect(throws: ImagingError.outputExists(path: out)) { try AlignedFolderWriter(path: out) }
    }

    @Test("A folder with no images and odd inputs give typed errors")
    func alignedErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileIO.makeDirectories(dir.file("empty"))
        #expect(throws: ImagingError.self) { try AlignedFolderDataset(directory: dir.file("empty")) }
        try FileIO.makeDirectories(dir.file("thin"))
        try Image(width: 1, height: 5, channels: 1).write(path: dir.file("thin/x.png"))
        #expect(throws: ImagingError.self) { try AlignedFolderDataset(directory: dir.file("thin")) }
    }

    func identicalPairs(_ n: Int, size: Int = 24) -> MemoryDataset {
        MemoryDataset((0..<n).map { i in
            let image = patternImage(width: size, height: size, channels: 3, seed: i)
            return (image, image)
        })
    }

    @Test("Jitter applies the same resize, crop and flip to A and B")
    func jitterSameForAAndB() throws {
        let loader = try PairLoader(dataset: identicalPairs(6), options: PairLoaderOptions(batchSize: 3, loadSize: 30, cropSize: 20, seed: 7))
        var flips = Set<Bool>(), offsets = Set<Int>()
        while let batch = try loader.nextBatch() {
            #expect(batch.a == batch.b, "A and B had different jitter")
            #expect(batch.shapeA == [3, 20, 20, 3])
            for p in 0..<3 {
                let j = loader.jitter(epoch: batch.epoch, position: loader.position - 3 + p)
                flips.insert(j.flip)
                offsets.insert(j.cropX)
            }
        }
        #expect(flips.count == 2 && offsets.count > 1, "jitter should vary over the pairs")
        // The batch really holds the jittered crop of the chosen pair.
        let manual = try PairLoader(dataset: identicalPairs(6), options: PairLoaderOptions(batchSize: 1, loadSize: 30, cropSize: 20, seed: 7))
        let first = try #require(try manual.nextBatch())
        let params = manual.jitter(epoch: 0, position: 0)
        let expected = params.apply(to: try manual.dataset.pair(at: first.indices[0]).a)
        #expect(first.a == expected.unitFloats())
    }

    @Test("Seeded order and jitter; state restores exactly; epochs reshuffle")
    func determinismAndResume() throws {
        let options = PairLoaderOptions(batchSize: 2, loadSize: 28, cropSize: 24, seed: 11, channelsA: 1)
        let a = try PairLoader(dataset: identicalPairs(7), options: options)
        let b = try PairLoader(dataset: identicalPairs(7), options: options)
        var batchesA: [PairBatch] = []
        for _ in 0..<2 {
            while let batch = try a.nextBatch() { batchesA.append(batch) }
            a.startNextEpoch()
        }
        #expect(batchesA.count == 8 && batchesA[3].count == 1, "7 pairs in batches of 2: 4 per epoch, the last partial")
        #expect(batchesA[0].shapeA == [2, 24, 24, 1] && batchesA[0].shapeB == [2, 24, 24, 3])
        #expect(Set(batchesA[0..<4].flatMap(\.indices)) == Set(0..<7))
        #expect(batchesA[0..<4].flatMap(\.indices) != batchesA[4..<8].flatMap(\.indices), "each epoch has its own order")
        // Run b for 5 batches, save, restore into a fresh loader, continue.
        for _ in 0..<4 { _ = try b.nextBatch() }
        #expect(try b.nextBatch() == nil)
        b.startNextEpoch()
        _ = try b.nextBatch()
        let saved = try JSONDecoder().decode(PairLoaderState.self, from: try JSONEncoder().encode(b.state))
        let c = try PairLoader(dataset: identicalPairs(7), options: options)
        try c.restore(saved)
        var rest: [PairBatch] = []
        while let batch = try c.nextBatch() { rest.append(batch) }
        #expect(rest.map(\.indices) == batchesA[5...].map(\.indices))
        #expect(rest.map(\.a) == batchesA[5...].map(\.a))
        #expect(throws: ImagingError.self) {
            try PairLoader(dataset: identicalPairs(8), options: options).restore(saved)
        }
    }

    @Test("Evaluation options: no jitter, dataset order, dropLast")
    func evaluation() throws {
        let ds = identicalPairs(5, size: 16)
        let loader = try PairLoader(dataset: ds, options: .evaluation(size: 16, batchSize: 2))
        let first = try #require(try loader.nextBatch())
        #expect(first.indices == [0, 1])
        #expect(Array(first.a[0..<(16 * 16 * 3)]) == ds.pairs[0].a.unitFloats())
        var drop = PairLoaderOptions.evaluation(size: 16, batchSize: 2)
        drop.dropLast = true
        let dropping = try PairLoader(dataset: ds, options: drop)
        #expect(dropping.batchesPerEpoch == 2)
        var n = 0
        while try dropping.nextBatch() != nil { n += 1 }
        #expect(n == 2)
        #expect(throws: ImagingError.self) { try PairLoader(dataset: ds, options: PairLoaderOptions(loadSize: 10, cropSize: 16)) }
    }

    @Test("Loader works on an HDF5 seed file end to end")
    func hdf5Loader() throws {
        let ds = try HDF5PairedDataset(path: Fixtures.path("hdf5/seed_genraw_gray.h5"))
        let loader = try PairLoader(dataset: ds, options: PairLoaderOptions(batchSize: 4, loadSize: 16, cropSize: 12, seed: 1))
        let batch = try #require(try loader.nextBatch())
        #expect(batch.shapeA == [4, 12, 12, 1] && batch.shapeB == [4, 12, 12, 3])
        #expect(batch.a.allSatisfy { $0 >= -1 && $0 <= 1 })
    }
}
