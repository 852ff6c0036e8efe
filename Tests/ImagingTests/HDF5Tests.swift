import Base
import Foundation
import Testing
@testable import Imaging

@Suite("HDF5 datasets")
struct HDF5Tests {
    @Test("Seed layout full/sketch (uint8 NCHW) is detected and read exactly")
    func seedFullSketch() throws {
        let path = Fixtures.path("hdf5/seed_fullsketch.h5")
        let info = try HDF5PairedDataset.describe(path: path)
        #expect(info.layout == .seedFullSketch)
        #expect(info.splits.map(\.name) == ["train", "test"])
        #expect(info.split(named: "train")?.a.axes == .nchw)
        let ds = try HDF5PairedDataset(path: path, split: "train")
        #expect(ds.count == 4 && ds.width == 12 && ds.height == 16 && ds.channelsA == 3 && ds.channelsB == 3)
        for n in [0, 3] {
            let (a, b) = try ds.pair(at: n)
            for (x, y, c) in [(0, 0, 0), (11, 15, 2), (5, 7, 1), (3, 9, 2)] {
                #expect(Int(b[x, y, c]) == (n * 31 + c * 7 + y * 3 + x) % 256, "full n\(n) (\(x),\(y),c\(c))")
                #expect(Int(a[x, y, c]) == (n * 13 + c * 5 + y * 11 + x * 2) % 256, "sketch n\(n) (\(x),\(y),c\(c))")
            }
        }
        let batch = try ds.pairs(in: 1..<4)
        let third = try ds.pair(at: 3).b
        #expect(batch.count == 3 && batch[2].b == third)
        let test = try HDF5PairedDataset(path: path, split: "test", direction: .bToA)
        #expect(test.count == 2)
        #expect(try test.pair(at: 1).a == (try ds.pair(at: 1)).b, "BtoA swaps A and B")
        #expect(throws: ImagingError.missingSplit(path: path, split: "val", available: ["train", "test"])) {
            try HDF5PairedDataset(path: path, split: "val")
        }
    }

    @Test("Seed layout gen/raw (float32 0-255 NHWC, gray or uint8 edges) is detected and read exactly")
    func seedGenRaw() throws {
        let grayPath = Fixtures.path("hdf5/seed_genraw_gray.h5")
        let info = try HDF5PairedDataset.describe(path: grayPath)
        #expect(info.layout == .seedGenRaw)
        #expect(info.splits.map(\.name) == ["train", "val"])
        #expect(info.split(named: "train")?.b.elementType == .float32)
        let ds = try HDF5PairedDataset(path: grayPath, split: "train")
        #expect(ds.channelsA == 1 && ds.channelsB == 3 && ds.count == 4)
        let (a, b) = try ds.pair(at: 2)
        for (x, y) in [(0, 0), (11, 15), (4, 6)] {
            for c in 0..<3 { #expect(Int(b[x, y, c]) == (2 * 17 + y * 5 + x * 3 + c * 29) % 256) }
            #expect(Int(a[x, y, 0]) == (2 * 7 + y * 9 + x * 4) % 256)
        }
        #expect(try HDF5PairedDataset(path: grayPath, split: "val").count == 3)

        let edges = try HDF5PairedDataset(path: Fixtures.path("hdf5/seed_genraw_edges.h5"))
        #expect(edges.layout == .seedGenRaw && edges.channelsA == 1)
        #expect(edges.storedSplit.a.axes == .nhw && edges.storedSplit.a.elementType == .uint8)
        let e = try edges.pair(at: 1).a
        for (x, y) in [(0, 0), (3, 0), (4, 0), (1, 2)] {
            #expect(e[x, y, 0] == ((1 + y + x) % 5 == 0 ? 0 : 255))
        }
    }

    @Test("A file with no known layout lists what it contains")
    func unknownLayout() throws {
        let path = Fixtures.path("hdf5/unknown.h5")
        do {
            _ = try HDF5PairedDataset(path: path)
            Issue.record("no error for an unknown layout")
        } catch let ImagingError.unknownLayout(p, contents) {
            #expect(p == path)
            #expect(contents.contains("features float64 5x7"))
            #expect(contents.contains("group/ (group)"))
            #expect(contents.contains("group/labels int32 5"))
        }
    }

    @Test("Mismatched A / B counts are a typed error naming both datasets")
    func mismatch() throws {
        do {
            _ = try HDF5PairedDataset(path: Fixtures.path("hdf5/mismatch.h5"))
            Issue.record("no error for mismatched counts")
        } catch let ImagingError.mismatch(_, message) {
            #expect(message.contains("train_data_sketch holds 3") && message.contains("train_data_full holds 4"))
        }
    }

    @Test("Corrupt and truncated HDF5 files give typed errors")
    func corrupt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try fileBytes(Fixtures.path("hdf5/seed_fullsketch.h5"))
        try AtomicFile.write(Array(good.prefix(good.count / 3)), to: URL(fileURLWithPath: dir.file("truncated.h5")))
        try AtomicFile.write(Array(repeating: 1, count: 4096), to: URL(fileURLWithPath: dir.file("garbage.h5")))
        for name in ["truncated.h5", "garbage.h5"] {
            do {
                _ = try HDF5PairedDataset(path: dir.file(name))
                Issue.record("\(name) opened")
            } catch let error as ImagingError {
                switch error {
                case let .corrupt(path, format, _):
                    #expect(path == dir.file(name) && format == "HDF5")
                case let .hdf5(path, _, _):
                    #expect(path == dir.file(name))
                default:
                    Issue.record("\(name): unexpected error \(error)")
                }
            }
        }
        #expect(throws: ImagingError.self) { try HDF5PairedDataset(path: dir.file("absent.h5")) }
    }

    @Test("Our layout: write then read is exact; attributes and manifest survive")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("pairs.h5")
        let writer = try HDF5PairWriter(path: path, width: 20, height: 12, channelsA: 1, channelsB: 3)
        var written: [(Image, Image)] = []
        for i in 0..<5 {
            let b = patternImage(width: 20, height: 12, channels: 3, seed: i)
            let a = b.grayscale()
            try writer.append(a: a, b: b, split: i < 3 ? "train" : "val")
            written.append((a, b))
        }
        #expect(throws: ImagingError.self) { try writer.append(a: written[0].1, b: written[0].1, split: "train") }
        writer.setAttribute("transform", .string("gray"))
        writer.setAttribute("seed", .integer(42))
        writer.setAttribute("split", .double(0.9))
        writer.setManifest(json: Array("{\"k\": 1}".utf8))
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the destination before finish()")
        try writer.finish()
        #expect(dir.contents() == ["pairs.h5"])

        let train = try HDF5PairedDataset(path: path, split: "train")
        #expect(train.layout == .pix2pixZoo && train.count == 3 && train.channelsA == 1 && train.channelsB == 3)
        for i in 0..<3 {
            let pair = try train.pair(at: i)
            #expect(pair.a == written[i].0 && pair.b == written[i].1)
        }
        let val = try HDF5PairedDataset(path: path, split: "val")
        #expect(try val.pairs(in: 0..<2).map(\.b) == [written[3].1, written[4].1])
        let attrs = val.fileDescription.attributes
        #expect(attrs["transform"] == .string("gray") && attrs["seed"] == .integer(42) && attrs["split"] == .double(0.9))
        let file = try HDF5File.open(path)
        #expect(try HDF5Dataset(file: file, name: "meta/manifest").readAllBytes() == Array("{\"k\": 1}".utf8))
    }

    @Test("Existing output is kept unless overwrite; abandoned writers leave nothing")
    func safety() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("out.h5")
        try AtomicFile.write(Array("old".utf8), to: URL(fileURLWithPath: path))
        #expect(throws: ImagingError.outputExists(path: path)) {
            try HDF5PairWriter(path: path, width: 8, height: 8, channelsA: 1, channelsB: 3)
        }
        do {
            let writer = try HDF5PairWriter(path: path, width: 8, height: 8, channelsA: 1, channelsB: 3, overwrite: true)
            try writer.append(a: Image(width: 8, height: 8, channels: 1), b: Image(width: 8, height: 8, channels: 3), split: "train")
            writer.abandon()
        }
        #expect(try fileBytes(path) == Array("old".utf8))
        #expect(dir.contents() == ["out.h5"])
    }
}
