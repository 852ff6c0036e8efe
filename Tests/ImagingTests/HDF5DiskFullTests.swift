import Base
import Foundation
import Testing
@testable import Imaging

/// A full disk under a real libhdf5 write: the writer's descriptor is pointed at /dev/full, so
/// the library's own writes fail with ENOSPC (no root, no tmpfs needed). The writer must report
/// the typed error naming the destination, close the library's objects (datasets, then the file)
/// without crashing, leave neither the destination nor staging debris, and leave the library able
/// to write the next file.
@Suite("A full disk during an HDF5 write", .serialized)
struct HDF5DiskFullTests {
    static func checkClean(_ dir: TemporaryDirectory, destination: String, error: ImagingError?) throws {
        let error = try #require(error)
        guard case let .hdf5(path, _, detail) = error else {
            Issue.record("expected an HDF5 error, got \(error)")
            return
        }
        #expect(path == destination, "the error names the destination, not the staging name")
        #expect(detail.contains("No space left on device"), "\(detail)")
        #expect(error.description.contains("Hint"), "\(error.description)")
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(dir.contents().filter { StagedOutput.isStagingName($0) } == [], "\(dir.contents())")
        #expect(!HDF5Lib.openFileNames().contains { $0.hasPrefix(dir.path) }, "the library holds nothing open: \(HDF5Lib.openFileNames())")
    }

    @Test("HDF5PairWriter: ENOSPC while appending or finishing gives the typed error and closes cleanly")
    func pairWriter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let b = patternImage(width: 32, height: 32, channels: 3)
        let a = b.converted(toChannels: 1)
        for failAfter in [0, 3] {
            let path = dir.file("pairs-\(failAfter).h5")
            let writer = try HDF5PairWriter(path: path, width: 32, height: 32, channelsA: 1, channelsB: 3)
            writer.setAttribute("transform", .string("gray"))
            writer.setManifest(json: Array("{}".utf8))
            for _ in 0..<failAfter { try writer.append(a: a, b: b, split: "train") }
            try writer.simulateFullDisk()
            let error = #expect(throws: ImagingError.self) {
                for _ in 0..<8 { try writer.append(a: a, b: b, split: "val") }
                try writer.finish()
            }
            try Self.checkClean(dir, destination: path, error: error)
            #expect(throws: ImagingError.self) { try writer.finish() }
        }
        // The library still works: the next file is written and read back.
        let path = dir.file("after.h5")
        let writer = try HDF5PairWriter(path: path, width: 32, height: 32, channelsA: 1, channelsB: 3)
        try writer.append(a: a, b: b, split: "train")
        try writer.finish()
        #expect(try HDF5PairedDataset(path: path).pair(at: 0).b == b)
    }

    @Test("HDF5PredictionWriter: ENOSPC while appending predictions gives the typed error and closes cleanly")
    func predictionWriter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = Fixtures.path("hdf5/seed_genraw_gray.h5")
        let description = try HDF5PairedDataset.describe(path: source)
        let path = dir.file("pred.h5")
        let writer = try HDF5PredictionWriter(sourcePath: source, path: path, outputChannels: 3)
        try writer.simulateFullDisk()
        let error = #expect(throws: ImagingError.self) {
            for split in description.splits {
                for _ in 0..<split.count {
                    try writer.append(prediction: patternImage(width: split.a.width, height: split.a.height, channels: 3), split: split.name)
                }
            }
            try writer.finish()
        }
        try Self.checkClean(dir, destination: path, error: error)
        // And again with a fresh writer: the library is usable.
        let again = try HDF5PredictionWriter(sourcePath: source, path: path, outputChannels: 3)
        for split in description.splits {
            for _ in 0..<split.count {
                try again.append(prediction: patternImage(width: split.a.width, height: split.a.height, channels: 3), split: split.name)
            }
        }
        try again.finish()
        #expect(try HDF5PairedDataset.describe(path: path).layout == description.layout)
    }
}
