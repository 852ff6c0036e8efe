import Base
import Foundation
import Testing
@testable import Imaging

@Suite("Pair builder")
struct BuilderTests {
    /// A source folder with the committed sample crops (128x128 gray, 64x64 RGB), in a sub-folder
    /// too, to exercise recursive discovery.
    func sourceFolder(_ dir: TemporaryDirectory) throws -> String {
        let src = dir.file("photos")
        try FileIO.makeDirectories(src + "/nested")
        for name in ["astronaut", "coffee", "chelsea", "rocket"] {
            let sub = name == "rocket" ? "/nested" : ""
            try (try Fixtures.image("canny/gray_\(name).png")).write(path: "\(src)\(sub)/\(name).jpg")
        }
        try (try Fixtures.image("color/rgb_chelsea.png")).write(path: src + "/colour.png")
        try AtomicFile.write(Array("notes".utf8), to: URL(fileURLWithPath: src + "/readme.txt"))
        return src
    }

    @Test("Same seed gives the same bytes; another seed differs; contents are sane")
    func deterministicHDF5() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = try sourceFolder(dir)
        func build(_ name: String, seed: UInt64) throws -> PairBuildSummary {
            try PairBuilder.build(PairBuildOptions(trainSources: [src], transform: .canny(CannyOptions(lowThreshold: 60, highThreshold: 140, invert: true)),
                                                   size: 48, cropsPerImage: 3, split: 0.8, seed: seed, output: dir.file(name)))
        }
        let s1 = try build("a.h5", seed: 5)
        _ = try build("b.h5", seed: 5)
        _ = try build("c.h5", seed: 6)
        #expect(try fileBytes(dir.file("a.h5")) == (try fileBytes(dir.file("b.h5"))))
        #expect(try fileBytes(dir.file("a.h5")) != (try fileBytes(dir.file("c.h5"))))
        #expect(s1.trainImages == 4 && s1.valImages == 1, "5 images, split 0.8 → 4 train, 1 val")
        #expect(s1.trainPairs + s1.missingPairs == 12 && s1.valPairs + 0 <= 3)
        let train = try HDF5PairedDataset(path: dir.file("a.h5"), split: "train")
        #expect(train.count == s1.trainPairs && train.width == 48 && train.channelsA == 1 && train.channelsB == 3)
        let (a, b) = try train.pair(at: 0)
        #expect(Set(a.pixels).isSubset(of: [0, 255]), "canny A is binary")
        #expect(a == (try b.cannyEdges(CannyOptions(lowThreshold: 60, highThreshold: 140, invert: true))))
        let attrs = train.fileDescription.attributes
        #expect(attrs["transform"] == .string("canny") && attrs["crop_size"] == .integer(48) && attrs["seed"] == .integer(5))
        #expect(attrs["transform_params"]?.stringValue?.contains("\"low_threshold\":60") == true)
        #expect(attrs["source_files"]?.stringValue?.contains("nested/rocket.jpg") == true)
        #expect(dir.contents().filter { $0.hasPrefix(".") }.isEmpty, "no temporary files left")
    }

    @Test("Aligned output, gray transform, exact pair counts")
    func alignedGray() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = try sourceFolder(dir)
        let summary = try PairBuilder.build(PairBuildOptions(trainSources: [src], valSources: [Fixtures.path("color/rgb_chelsea.png")],
                                                             transform: .gray, size: 40, trainCount: 7, valCount: 2, seed: 1,
                                                             format: .aligned, output: dir.file("set")))
        #expect(summary.trainPairs == 7 && summary.valPairs == 2)
        let train = try AlignedFolderDataset(directory: dir.file("set"), split: "train")
        #expect(train.count == 7 && train.channelsA == 1 && train.channelsB == 3 && train.width == 40)
        let pair = try train.pair(at: 3)
        #expect(pair.a == pair.b.grayscale())
        #expect(try AlignedFolderDataset(directory: dir.file("set"), split: "val").count == 2)
    }

    @Test("Bad input: too-small images, corrupt files, no images; nothing half-written")
    func badInput() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = try sourceFolder(dir)
        let out = dir.file("out.h5")
        #expect(throws: ImagingError.imageTooSmall(path: src + "/colour.png", width: 64, height: 64, needed: 100)) {
            try PairBuilder.build(PairBuildOptions(trainSources: [src], size: 100, split: 1, output: out))
        }
        try AtomicFile.write(Array((try Fixtures.image("color/rgb_chelsea.png").jpegData()).prefix(500)), to: URL(fileURLWithPath: src + "/zz_broken.jpg"))
        do {
            try PairBuilder.build(PairBuildOptions(trainSources: [src], size: 32, split: 1, output: out))
            Issue.record("a truncated source was accepted")
        } catch let ImagingError.corrupt(path, format, _) {
            #expect(path == src + "/zz_broken.jpg" && format == "JPEG")
        }
        try FileIO.makeDirectories(dir.file("none"))
        #expect(throws: ImagingError.self) {
            try PairBuilder.build(PairBuildOptions(trainSources: [dir.file("none")], output: out))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(dir.contents() == ["none", "photos"], "no partial or temporary output")
        #expect(throws: ImagingError.self) {
            try PairBuilder.build(PairBuildOptions(trainSources: [src], size: 32, split: 1.5, output: out))
        }
    }

    // scripts/bootstrap (run by `make test`) provides every photo, so these tests are never skipped.
    @Test("Default photo set: deterministic build")
    func defaultPhotos() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let photos = try DefaultPhotoSet.locate()
        #expect(photos.train.count == 26 && photos.val.count == 5)
        #expect(!photos.train.contains { $0.hasSuffix("umang_by_Abhishek_Mudgal.jpg") })
        func build(_ name: String) throws -> PairBuildSummary {
            var options = try PairBuildOptions.defaultPhotos(output: dir.file(name), collection: .nature)
            options.size = 64
            options.trainCount = 2
            options.valCount = 1
            options.seed = 3
            return try PairBuilder.build(options)
        }
        let summary = try build("a.h5")
        _ = try build("b.h5")
        #expect(summary.trainPairs == 2 && summary.valPairs == 1)
        #expect(try fileBytes(dir.file("a.h5")) == (try fileBytes(dir.file("b.h5"))))
    }

    @Test("Default photo set: the full collection is present, disjoint, licensed, and matches bootstrap")
    func fullCollection() throws {
        let photos = try DefaultPhotoSet.locate(.full)
        #expect(photos.train.count == 135 && photos.val.count == 15)
        #expect(Set(photos.train).isDisjoint(with: photos.val))
        #expect(Set(photos.train + photos.val).count == 150)
        #expect(Set(DefaultPhotoSet.photos.map(\.path)).count == DefaultPhotoSet.photos.count)
        for photo in DefaultPhotoSet.photos {
            #expect(!photo.license.isEmpty, "\(photo.name) has no licence")
            #expect(DefaultPhotoSet.file(of: photo) != nil, "\(photo.path) missing")
        }
        // Every photo decodes (JPEG headers and data), and none is tiny.
        for path in photos.train + photos.val {
            let image = try Image.read(path: path)
            #expect(min(image.width, image.height) >= 256, "\(path): \(image.width)×\(image.height)")
        }
        // The packages bootstrap installs or unpacks are exactly those the table names.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bootstrap = try String(contentsOf: root.appendingPathComponent("scripts/bootstrap"), encoding: .utf8)
        for package in DefaultPhotoSet.installedPackages + DefaultPhotoSet.extractedPackages {
            #expect(bootstrap.contains("\n  \(package)\n"), "scripts/bootstrap does not list \(package)")
        }
        #expect(Set(DefaultPhotoSet.photos.map(\.package)) == Set(DefaultPhotoSet.installedPackages + DefaultPhotoSet.extractedPackages))
        let nature = try DefaultPhotoSet.locate(.nature)
        #expect(nature.train.count == 26 && nature.val.count == 5)
        #expect(DefaultPhotoSet.licenceSummary(.full).contains("krank (public domain"))
    }

    @Test("Default photo set: a missing photo names itself, its package and the fix")
    func missingPhoto() throws {
        #expect(throws: ImagingError.self) { try DefaultPhotoSet.locate(.full, extractionRoot: "/nonexistent-photo-root") }
        do { _ = try DefaultPhotoSet.locate(.full, extractionRoot: "/nonexistent-photo-root") } catch {
            let text = "\(error)"
            #expect(text.contains("kphotoalbum") && text.contains("scripts/bootstrap"), "\(text)")
        }
    }
}
