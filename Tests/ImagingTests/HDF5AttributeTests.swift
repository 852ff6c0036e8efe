import Base
import Foundation
import Testing
@testable import Imaging

/// String attributes (issue 16): our writers store fixed-length strings; variable-length ones (files
/// of earlier versions, h5py) still read, but a forged global-heap reference or a damaged attribute
/// message is reported instead of letting libhdf5 1.10.8 crash (`H5HG_read`, `H5A__close`).
@Suite("HDF5 attributes")
struct HDF5AttributeTests {
    /// `pix2pix data build` output of an earlier version: 16 attributes, 6 variable-length strings in
    /// one global heap collection.
    static let legacyPath = Fixtures.path("hdf5/legacy_vlen_attributes.h5")

    static let legacyStrings: [String: String] = [
        "format": "pix2pixzoo-pairs", "tool_version": "pix2pix data build", "transform": "gray", "transform_params": "{}",
    ]

    @Test("our writers store string attributes fixed-length (no global heap); they read back exactly")
    func fixedLength() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("pairs.h5")
        let writer = try HDF5PairWriter(path: path, width: 8, height: 8, channelsA: 1, channelsB: 3)
        let b = patternImage(width: 8, height: 8, channels: 3)
        try writer.append(a: b.grayscale(), b: b, split: "train")
        let long = String(repeating: "é/ü ", count: 4000)                  // 24 000 UTF-8 bytes
        writer.setAttribute("transform", .string("gray"))
        writer.setAttribute("empty", .string(""))
        writer.setAttribute("long", .string(long))
        writer.setAttribute("seed", .integer(-3))
        try writer.finish()
        #expect(!(try fileBytes(path)).contains(subsequence: Array("GCOL".utf8)), "no global heap collection in the file")
        let attributes = try HDF5File.open(path).attributes()
        #expect(attributes == ["transform": .string("gray"), "empty": .string(""), "long": .string(long), "seed": .integer(-3)])

        // Longer than an object header message can hold: a typed error naming the attribute.
        let file = try HDF5File.create(dir.file("long.h5"))
        do {
            try file.setAttribute("huge", .string(String(repeating: "x", count: 70_000)))
            Issue.record("a 70 000-byte attribute was written")
        } catch let ImagingError.invalidArgument(operation, message) {
            #expect(operation.contains("'huge'") && message.contains("keep long lists in a dataset"))
        }
        try file.close()
    }

    @Test("variable-length string attributes of earlier versions still read (fixture, and written here)")
    func legacyFilesRead() throws {
        let attributes = try HDF5File.open(Self.legacyPath).attributes()
        #expect(attributes.count == 16)
        for (name, value) in Self.legacyStrings { #expect(attributes[name] == .string(value), "\(name)") }
        #expect(attributes["source_files"]?.stringValue?.hasPrefix("{\"train\":[") == true)
        #expect(attributes["crop_size"] == .integer(16) && attributes["split"] == .double(1))
        let description = try HDF5PairedDataset.describe(path: Self.legacyPath)
        #expect(description.attributes == attributes && description.notes.isEmpty)

        // The old writer's code path (kept for this): empty, ASCII and multi-byte strings.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("legacy.h5")
        let file = try HDF5File.create(path)
        let values = ["empty": "", "ascii": "gray", "utf8": "Zürich → 東京", "long": String(repeating: "0123456789", count: 5000)]
        for (name, value) in values { try file.setAttribute(name, .string(value), legacyVariableLength: true) }
        try file.close()
        #expect(try fileBytes(path).contains(subsequence: Array("GCOL".utf8)), "written to the global heap")
        #expect(try HDF5File.open(path).attributes() == values.mapValues { .string($0) })
    }

    @Test("translating a legacy file to HDF5 copies its string attributes fixed-length, leaving out those too long")
    func predictionCopiesAttributes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = dir.file("source.h5")
        try AtomicFile.write(try fileBytes(Self.legacyPath), to: URL(fileURLWithPath: source))
        let file = try HDF5File.open(source, writable: true)
        try file.setAttribute("huge", .string(String(repeating: "x", count: 70_000)), legacyVariableLength: true)
        try file.close()
        #expect(try HDF5File.open(source).attributes()["huge"]?.stringValue?.count == 70_000)

        let path = dir.file("pred.h5")
        let writer = try HDF5PredictionWriter(sourcePath: source, path: path, outputChannels: 3, attributes: ["model": .string("m@1.0.0")])
        try writer.append(prediction: patternImage(width: 16, height: 16, channels: 3), split: "train")
        try writer.finish()
        #expect(!(try fileBytes(path)).contains(subsequence: Array("GCOL".utf8)), "no variable-length string written")
        var expected = try HDF5File.open(Self.legacyPath).attributes()
        expected["model"] = .string("m@1.0.0")
        #expect(try HDF5File.open(path).attributes() == expected)
    }

    /// Where the legacy fixture keeps its strings: the collection, its objects' headers (index → offset)
    /// and the attributes' 16-byte references (sequence length, collection address, object index).
    struct Heap {
        var bytes: [UInt8]
        var collection: Int
        var objects: [UInt32: Int] = [:]
        var references: [Int] = []

        init(_ bytes: [UInt8]) throws {
            self.bytes = bytes
            collection = try #require(bytes.firstRange(of: Array("GCOL".utf8))?.lowerBound)
            let size = Int(Self.le(bytes, collection + 8, 8))
            var p = collection + 16
            while p + 16 <= collection + size {
                let index = UInt32(Self.le(bytes, p, 2))
                if index == 0 { break }
                objects[index] = p
                p += 16 + (Int(Self.le(bytes, p + 8, 8)) + 7) & ~7
            }
            let address = Self.leBytes(UInt64(collection), 8)
            for i in 4..<(bytes.count - 12) where Array(bytes[i..<i + 8]) == address {
                if let object = objects[UInt32(Self.le(bytes, i + 8, 4))], Self.le(bytes, i - 4, 4) == Self.le(bytes, object + 8, 8) {
                    references.append(i - 4)
                }
            }
        }

        static func le(_ b: [UInt8], _ at: Int, _ count: Int) -> UInt64 {
            (0..<count).reversed().reduce(0) { $0 << 8 | UInt64(b[at + $1]) }
        }

        static func leBytes(_ value: UInt64, _ count: Int) -> [UInt8] {
            (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        }

        func with(_ value: UInt64, at offset: Int, size: Int) -> [UInt8] {
            var b = bytes
            b.replaceSubrange(offset..<offset + size, with: Self.leBytes(value, size))
            return b
        }
    }

    @Test("forged global-heap references and collections: the string is reported unreadable, the rest reads, nothing crashes")
    func forgedHeap() throws {
        let legacy = try HDF5File.open(Self.legacyPath).attributes()
        let heap = try Heap(try fileBytes(Self.legacyPath))
        #expect(heap.objects.count == 6 && heap.references.count == 6)
        let ref = heap.references[0], object = try #require(heap.objects[UInt32(Heap.le(heap.bytes, ref + 12, 4))])
        // (bytes, how many strings become unreadable, what the reason says)
        let cases: [(String, [UInt8], Int, String)] = [
            ("object index past the collection", heap.with(60_000, at: ref + 12, size: 4), 1, "is not in its collection"),
            ("object index 0 (free space)", heap.with(0, at: ref + 12, size: 4), 1, "index 0"),
            ("collection address past the end", heap.with(1 << 40, at: ref + 4, size: 8), 1, "lies outside the 19656-byte file"),
            ("address overflowing 64 bits", heap.with(UInt64.max - 3, at: ref + 4, size: 8), 1, "lies outside"),
            ("address of no collection", heap.with(UInt64(heap.collection + 16), at: ref + 4, size: 8), 1, "no GCOL signature"),
            ("length shorter than the object", heap.with(1, at: ref, size: 4), 1, "declares 1 bytes but its global heap object holds"),
            ("length of 1 GiB", heap.with(1 << 30, at: ref, size: 4), 1, "more than the 16.00 MiB read"),
            ("object size past the collection", heap.with(1 << 40, at: object + 8, size: 8), 6, "past the end of its 4096-byte collection"),
            ("object size of 1 MiB", heap.with(1 << 20, at: object + 8, size: 8), 6, "past the end"),
            ("collection size past the file", heap.with(1 << 20, at: heap.collection + 8, size: 8), 6, "declares 1048576 bytes"),
            ("collection size below its header", heap.with(8, at: heap.collection + 8, size: 8), 6, "declares 8 bytes"),
            ("collection version 2", heap.with(2, at: heap.collection + 4, size: 1), 6, "version 2"),
        ]
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for (name, bytes, unreadable, reason) in cases {
            let path = dir.file("forged.h5")
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
            let description = try HDF5PairedDataset.describe(path: path)
            let bad = description.attributes.filter { legacy[$0.key] != $0.value }
            #expect(description.attributes.count == 16 && bad.count == unreadable, "\(name): \(bad)")
            for (key, value) in bad {
                guard case let .other(text) = value else { Issue.record("\(name): \(key) = \(value)"); continue }
                #expect(text.hasPrefix("unreadable string: ") && text.contains(reason), "\(name): \(text)")
            }
            #expect(try HDF5PairedDataset(path: path, split: "train").pair(at: 0).a.width == 16, "\(name): the pairs still read")
        }
    }

    @Test("a damaged attribute message (late in the header) is a note, not a crash in H5Aiterate2: the structural check finds it, libhdf5 never decodes it")
    func damagedAttributeMessage() throws {
        var bytes = try fileBytes(Self.legacyPath)
        // The 14th attribute message ("transform"): its header (version 1) is 8 bytes before its name.
        let name = try #require(bytes.firstRange(of: Array("transform\0".utf8))?.lowerBound)
        #expect(bytes[name - 8] == 1)
        bytes[name - 8] = 9
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("damaged.h5")
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
        let description = try HDF5PairedDataset.describe(path: path)
        #expect(description.attributes.isEmpty)
        #expect(description.notes.contains { $0.hasPrefix("attributes not shown: the attribute messages of '/' are damaged: an attribute message of / has version 9") },
                "\(description.notes)")
        do {
            _ = try HDF5File.open(path).attributes()
            Issue.record("damaged attributes listed")
        } catch let ImagingError.corrupt(file, format, reason) {
            #expect(file == path && format == "HDF5" && reason.contains("damaged"))
        }
        #expect(try HDF5PairedDataset(path: path, split: "train").count == 1, "the pairs still read")
    }

    @Test("the global heap parser: objects found, bounds and indexes checked")
    func globalHeapParser() throws {
        func collection(_ objects: [(UInt16, [UInt8])], size: Int = 4096) -> [UInt8] {
            var b = Array("GCOL".utf8) + [1, 0, 0, 0] + Heap.leBytes(UInt64(size), 8)
            for (index, data) in objects {
                b += Heap.leBytes(UInt64(index), 2) + [1, 0, 0, 0, 0, 0] + Heap.leBytes(UInt64(data.count), 8)
                b += data + [UInt8](repeating: 0, count: (8 - data.count % 8) % 8)
            }
            return b + [UInt8](repeating: 0, count: size - b.count)
        }
        let c = collection([(1, Array("gray".utf8)), (7, Array("0123456789".utf8)), (2, [])])
        #expect(try HDF5GlobalHeap.declaredSize(header: Array(c.prefix(16)), sizeofSize: 8) == 4096)
        #expect(Array(try HDF5GlobalHeap.object(1, in: c, sizeofSize: 8)) == Array("gray".utf8))
        #expect(Array(try HDF5GlobalHeap.object(7, in: c, sizeofSize: 8)) == Array("0123456789".utf8))
        #expect(try HDF5GlobalHeap.object(2, in: c, sizeofSize: 8).isEmpty)
        #expect(throws: HDF5GlobalHeap.Problem.self) { try HDF5GlobalHeap.object(3, in: c, sizeofSize: 8) }
        #expect(throws: HDF5GlobalHeap.Problem.self) { try HDF5GlobalHeap.object(0, in: c, sizeofSize: 8) }
        var overlong = c
        overlong.replaceSubrange(24..<32, with: Heap.leBytes(4096, 8))               // object 1 claims 4096 bytes
        #expect(throws: HDF5GlobalHeap.Problem.self) { try HDF5GlobalHeap.object(1, in: overlong, sizeofSize: 8) }
        #expect(throws: HDF5GlobalHeap.Problem.self) { try HDF5GlobalHeap.declaredSize(header: Array("GCOX".utf8) + Array(c[4..<16]), sizeofSize: 8) }
        #expect(throws: HDF5GlobalHeap.Problem.self) { try HDF5GlobalHeap.declaredSize(header: Array(c.prefix(10)), sizeofSize: 8) }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool { firstRange(of: subsequence) != nil }
}
