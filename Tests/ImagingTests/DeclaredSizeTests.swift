import Base
import Foundation
import Testing
@testable import Imaging

/// Decompression bombs and forged HDF5 extents: what a file declares is checked against the pixel
/// budget and the file's own size before anything is allocated. Every forged file is made here,
/// a few hundred bytes to a few KB.
@Suite("Declared sizes are checked before allocating")
struct DeclaredSizeTests {
    // MARK: - Forging

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func putBigEndian(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for k in 0..<4 { bytes[offset + k] = UInt8((value >> (24 - 8 * UInt32(k))) & 0xFF) }
    }

    /// A real 8×8 PNG whose IHDR (with a correct CRC) declares `width` × `height`.
    static func forgedPNG(width: UInt32, height: UInt32, channels: Int = 3) throws -> [UInt8] {
        var png = try patternImage(width: 8, height: 8, channels: channels).pngData()
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        putBigEndian(width, into: &png, at: 16)
        putBigEndian(height, into: &png, at: 20)
        putBigEndian(crc32(png[12..<29]), into: &png, at: 29)
        return png
    }

    /// A real 8×8 JPEG whose SOF declares `width` × `height`.
    static func forgedJPEG(width: UInt16, height: UInt16) throws -> [UInt8] {
        var jpeg = try patternImage(width: 8, height: 8, channels: 3).jpegData()
        let sof = try #require((0..<(jpeg.count - 9)).first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) })
        jpeg[sof + 5] = UInt8(height >> 8); jpeg[sof + 6] = UInt8(height & 0xFF)
        jpeg[sof + 7] = UInt8(width >> 8); jpeg[sof + 8] = UInt8(width & 0xFF)
        return jpeg
    }

    // MARK: - PNG and JPEG

    @Test("a small PNG declaring 32768² is refused from its header with a typed error naming file, size and budget")
    func pngBomb() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("bomb.png")
        let bytes = try Self.forgedPNG(width: 32768, height: 32768)
        #expect(bytes.count < 1024)
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
        // The header itself is readable (header-only info never allocates pixels) ...
        #expect(try Image.readInfo(path: path) == ImageInfo(width: 32768, height: 32768, channels: 3, format: "PNG"))
        // ... but decoding is refused before the 3 GiB buffer.
        let clock = ContinuousClock()
        let start = clock.now
        let expected = ImagingError.overBudget(path: path, what: "PNG header", width: 32768, height: 32768, channels: 3,
                                               maxPixels: PixelBudget.default.maxPixels)
        #expect(throws: expected) { try Image.read(path: path) }
        #expect(clock.now - start < .seconds(1))
        let message = expected.description
        for part in [path, "32768x32768", "1074 MP", "3.00 GiB decoded", "134.2 MP", "--max-megapixels"] {
            #expect(message.contains(part), "\(message) should mention \(part)")
        }
        // The largest declarable PNG (2^31 − 1 per side) cannot overflow the check either.
        let huge = try Self.forgedPNG(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF)
        #expect(throws: ImagingError.self) { try Image.decode(huge, name: "huge.png") }
    }

    @Test("a 6 KB-class JPEG whose SOF claims 32768² is refused before libjpeg or we allocate")
    func jpegBomb() throws {
        let bytes = try Self.forgedJPEG(width: 32768, height: 32768)
        #expect(bytes.count < 6000)
        #expect(throws: ImagingError.overBudget(path: "bomb.jpg", what: "JPEG header (SOF)", width: 32768, height: 32768,
                                                channels: 3, maxPixels: PixelBudget.default.maxPixels)) {
            try Image.decode(bytes, name: "bomb.jpg")
        }
    }

    @Test("the budget is configurable: exactly width × height passes, one pixel less is refused, for PNG and JPEG")
    func configurableBudget() throws {
        let image = patternImage(width: 64, height: 48, channels: 3)
        for (name, bytes) in [("x.png", try image.pngData()), ("x.jpg", try image.jpegData())] {
            #expect(try Image.decode(bytes, name: name, budget: PixelBudget(maxPixels: 64 * 48)).width == 64)
            #expect(throws: ImagingError.self) { try Image.decode(bytes, name: name, budget: PixelBudget(maxPixels: 64 * 48 - 1)) }
        }
        let budget = try PixelBudget(megapixels: 0.001)
        #expect(budget.maxPixels == 1000)
        #expect(throws: ImagingError.self) { try Image.decode(try image.pngData(), name: "x.png", budget: budget) }
        for bad in [0.0, -1, .nan, .infinity, 2e6] {
            #expect(throws: ImagingError.self) { try PixelBudget(megapixels: bad) }
        }
        #expect(throws: ImagingError.self) { try PixelBudget(maxPixels: 0) }
        #expect(PixelBudget.default.maxPixels == 1 << 27)
        #expect(PixelBudget.default.allows(width: 8000, height: 8000), "a 64 MP photo fits the default budget")
        #expect(!PixelBudget.default.allows(width: Int.max, height: 2), "overflow is refused, not trapped")
    }

    // MARK: - HDF5 extents

    /// Writes a file whose `train/A` and `train/B` declare `shape` (uint8, nothing written).
    static func forgeOurLayout(_ path: String, shapeA: [Int], shapeB: [Int]? = nil, chunk: [Int]?, deflate: Int? = nil) throws {
        let file = try HDF5File.create(path)
        try file.createGroup("train")
        _ = try HDF5Dataset.declare(in: file, name: "train/A", type: .uint8, shape: shapeA, chunk: chunk, deflate: deflate)
        _ = try HDF5Dataset.declare(in: file, name: "train/B", type: .uint8, shape: shapeB ?? shapeA, chunk: chunk, deflate: deflate)
    }

    @Test("a 4 KB HDF5 file declaring 2 × 65536² pairs is refused by the pixel budget, before any read")
    func hdf5HugeImages() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("huge.h5")
        try Self.forgeOurLayout(path, shapeA: [2, 65536, 65536, 3], chunk: [1, 64, 64, 3])
        #expect(try #require(FileIO.size(path)) <= 8192)
        let expected = ImagingError.overBudget(path: path, what: "HDF5 dataset 'train/A' (2x65536x65536x3, NHWC)", width: 65536,
                                               height: 65536, channels: 3, maxPixels: PixelBudget.default.maxPixels)
        #expect(throws: expected) { try HDF5PairedDataset.describe(path: path) }
        #expect(throws: expected) { try HDF5PairedDataset(path: path) }
        #expect(throws: expected) { try DatasetInspector.inspect(path: path, previewPairs: 0) }
        #expect(throws: expected) {
            try HDF5PredictionWriter(sourcePath: path, path: dir.file("out.h5"), outputChannels: 3)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.h5")))
        // With the budget raised, the file's size still refuses it: 24 GiB declared, nothing stored.
        let big = try PixelBudget(maxPixels: 1 << 33)
        #expect(throws: ImagingError.declaredTooLarge(path: path, dataset: "train/A", shape: [2, 65536, 65536, 3],
                                                      declaredBytes: 2 * 65536 * 65536 * 3, availableBytes: 0,
                                                      reason: "the file stores only")) {
            try HDF5PairedDataset(path: path, budget: big)
        }
    }

    @Test("2^40 declared pairs, an overflowing extent, a contiguous extent never written: refused from the file's size")
    func hdf5ForgedCounts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // 2^40 pairs of 8×8 gray: 64 TiB declared in a few KB (validation would read fill values until killed).
        let many = dir.file("many.h5")
        try Self.forgeOurLayout(many, shapeA: [1 << 40, 8, 8, 1], chunk: [1, 8, 8, 1])
        #expect(throws: ImagingError.declaredTooLarge(path: many, dataset: "train/A", shape: [1 << 40, 8, 8, 1],
                                                      declaredBytes: 1 << 46, availableBytes: 0, reason: "the file stores only")) {
            try HDF5PairedDataset(path: many)
        }
        #expect(throws: ImagingError.self) { try DatasetInspector.inspect(path: many, previewPairs: 0) }
        // An extent whose byte count overflows 64 bits (float32: × 4).
        let overflow = dir.file("overflow.h5")
        do {
            let file = try HDF5File.create(overflow)
            _ = try HDF5Dataset.declare(in: file, name: "train_data_raw", type: .float32, shape: [1 << 50, 64, 64, 1], chunk: [1, 64, 64, 1])
            _ = try HDF5Dataset.declare(in: file, name: "train_data_gen", type: .float32, shape: [1 << 50, 64, 64, 3], chunk: [1, 64, 64, 3])
        }
        let error = #expect(throws: ImagingError.self) { try HDF5PairedDataset(path: overflow) }
        #expect(error?.description.contains("overflows 64-bit arithmetic") == true, "\(String(describing: error))")
        // Contiguous, declared but never written (nothing allocated).
        let contiguous = dir.file("contiguous.h5")
        try Self.forgeOurLayout(contiguous, shapeA: [4, 16, 16, 3], chunk: nil)
        #expect(throws: ImagingError.declaredTooLarge(path: contiguous, dataset: "train/A", shape: [4, 16, 16, 3],
                                                      declaredBytes: 3072, availableBytes: 0, reason: "the file stores only")) {
            try HDF5PairedDataset.describe(path: contiguous)
        }
        // A compressed dataset may not declare more than 1032 times what it stores.
        let compressed = dir.file("compressed.h5")
        try Self.forgeOurLayout(compressed, shapeA: [100_000, 16, 16, 3], chunk: [1, 16, 16, 3], deflate: 6)
        let refused = #expect(throws: ImagingError.self) { try HDF5PairedDataset.describe(path: compressed) }
        #expect(refused?.description.contains("1032:1") == true, "\(String(describing: refused))")
    }

    @Test("genuine compressed and extendible files still open, and a forged manifest is not read whole")
    func hdf5GenuineStillWorks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("deflate.h5")
        do {
            let file = try HDF5File.create(path)
            try file.createGroup("train")
            let a = try HDF5Dataset.declare(in: file, name: "train/A", type: .uint8, shape: [0, 16, 16, 1], chunk: [1, 16, 16, 1], deflate: 9)
            let b = try HDF5Dataset.declare(in: file, name: "train/B", type: .uint8, shape: [0, 16, 16, 3], chunk: [1, 16, 16, 3], deflate: 9)
            for _ in 0..<3 {          // constant images: the best case for deflate
                try a.append(floats: [Float](repeating: 7, count: 256))
                try b.append(floats: [Float](repeating: 9, count: 768))
            }
            // A manifest declaring 2^40 bytes.
            try file.createGroup("meta")
            _ = try HDF5Dataset.declare(in: file, name: "meta/manifest", type: .uint8, shape: [1 << 40], chunk: [4096])
        }
        let dataset = try HDF5PairedDataset(path: path)
        #expect(dataset.count == 3)
        #expect(try dataset.pair(at: 2).b.pixels.allSatisfy { $0 == 9 })
        #expect(throws: ImagingError.declaredTooLarge(path: path, dataset: "meta/manifest", shape: [1 << 40], declaredBytes: 1 << 40,
                                                      availableBytes: 0, reason: "the file stores only")) {
            try HDF5PredictionWriter(sourcePath: path, path: dir.file("out.h5"), outputChannels: 3)
        }
    }

    // MARK: - Non-finite values

    /// Seed gen/raw layout (float32): three pairs; pair 1's A holds a NaN, pair 2's B +inf and -inf.
    static func nonFiniteFile(_ path: String) throws {
        let file = try HDF5File.create(path)
        let raw = try HDF5Dataset(creatingIn: file, name: "train_data_raw", type: .float32, itemShape: [4, 4, 1])
        let gen = try HDF5Dataset(creatingIn: file, name: "train_data_gen", type: .float32, itemShape: [4, 4, 3])
        for n in 0..<3 {
            var a = (0..<16).map { Float($0 * 10 + n) }
            var b = (0..<48).map { Float($0 * 5) }
            if n == 1 { a[5] = .nan }
            if n == 2 { b[0] = .infinity; b[47] = -.infinity }
            try raw.append(floats: a)
            try gen.append(floats: b)
        }
    }

    @Test("NaN / infinite inputs are refused naming file, dataset, split and pair; inspect counts them and its range never hides them")
    func nonFiniteInputs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("nan.h5")
        try Self.nonFiniteFile(path)
        let dataset = try HDF5PairedDataset(path: path)
        #expect(try dataset.pair(at: 0).a.width == 4)
        let nan = ImagingError.nonFinite(path: path, dataset: "train_data_raw", split: "train", index: 1, nan: 1, infinite: 0)
        #expect(throws: nan) { try dataset.pair(at: 1) }
        #expect(throws: nan) { try dataset.pairs(in: 0..<3) }
        #expect(throws: ImagingError.nonFinite(path: path, dataset: "train_data_gen", split: "train", index: 2, nan: 0, infinite: 2)) {
            try dataset.pair(at: 2)
        }
        #expect(nan.description.contains("pair 1") && nan.description.contains("data inspect"))

        let report = try DatasetInspector.inspect(path: path, previewPairs: 2)
        let lines = report.lines
        #expect(lines.contains("  train A values: 0–152; 1 NaN and 0 infinite value(s) in 1 pair(s) (first: 1)"), "\(lines)")
        #expect(lines.contains("  train B values: 0–235; 0 NaN and 2 infinite value(s) in 1 pair(s) (first: 2)"), "\(lines)")
        #expect(lines.contains { $0.contains("warning") && $0.contains("refuse") })
        #expect(report.preview == nil, "pair 1 cannot be shown")

        // A split of only NaN says so instead of printing a range.
        var statistics = DatasetInspector.ValueStatistics()
        statistics.add([.nan, .nan], firstPair: 0, perPair: 1)
        #expect(statistics.summary == "no finite values; 2 NaN and 0 infinite value(s) in 2 pair(s) (first: 0, 1)")
    }
}
