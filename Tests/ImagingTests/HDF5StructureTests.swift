import Base
import Foundation
import Testing
@testable import Imaging

/// The structural check made before libhdf5 opens a file (issue 16, `HDF5GroupCheck`): forged group
/// structures, heaps, B-trees, chunk shapes and compact layouts that made libhdf5 1.10.8 crash,
/// read out of bounds or loop forever are refused with a typed error naming the file; files in
/// every format libhdf5 writes still read. Without the check, the first cases crash this process.
@Suite("HDF5 structural check")
struct HDF5StructureTests {
    /// Byte surgery on a small file with a version-0 superblock and version-1 object headers.
    struct Surgery {
        var bytes: [UInt8]

        func le(_ at: Int, _ count: Int) -> Int {
            Int((0..<count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[at + $1]) })
        }

        mutating func set(_ value: UInt64, at: Int, size: Int) {
            for i in 0..<size { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }

        /// The root group's object header (the superblock's root symbol table entry).
        var rootHeader: Int { le(64, 8) }

        /// Where the body of the first message of `type` in the version-1 object header at
        /// `header` (or one of its continuation blocks) begins.
        func message(_ type: Int, inHeaderAt header: Int) throws -> Int {
            var blocks = [(header + 16, le(header + 8, 4))]
            while let (start, length) = blocks.popLast() {
                var at = start
                while at + 8 <= start + length {
                    if le(at, 2) == type { return at + 8 }
                    if le(at, 2) == 0x10 { blocks.append((le(at + 8, 8), le(at + 16, 8))) }
                    at += 8 + le(at + 2, 2)
                }
            }
            throw Failure("no message of type \(type) in the object header at \(header)")
        }

        func find(_ signature: String) throws -> Int {
            guard let at = bytes.firstRange(of: Array(signature.utf8))?.lowerBound else { throw Failure("no \(signature)") }
            return at
        }

        func find(_ pattern: [UInt8]) throws -> Int {
            guard let at = bytes.firstRange(of: pattern)?.lowerBound else { throw Failure("no \(pattern)") }
            return at
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Opens, describes and reads every pair of `bytes` written to a file; returns the error.
    static func readAll(_ bytes: [UInt8], in dir: TemporaryDirectory) -> Error? {
        let path = dir.file("forged.h5")
        do {
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
            let description = try HDF5PairedDataset.describe(path: path)
            for split in description.splits {
                let dataset = try HDF5PairedDataset(path: path, split: split.name)
                for i in 0..<dataset.count { _ = try dataset.pair(at: i) }
            }
            return nil
        } catch {
            return error
        }
    }

    static func expectCorrupt(_ error: Error?, _ expected: String, _ name: String, dir: TemporaryDirectory) {
        guard case let .corrupt(path, format, reason)? = error as? ImagingError else {
            Issue.record("\(name): expected a corrupt-file error, got \(String(describing: error))")
            return
        }
        #expect(path == dir.file("forged.h5") && format == "HDF5", "\(name)")
        #expect(reason.contains(expected), "\(name): \(reason)")
    }

    @Test("forged groups: heap address undefined or outside, looping free list, names and keys past the heap, B-tree and headers out of place")
    func forgedGroups() throws {
        let original = Surgery(bytes: try fileBytes(Fixtures.path("hdf5/legacy_vlen_attributes.h5")))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(Self.readAll(original.bytes, in: dir) == nil, "the unmodified file reads")

        let table = try original.message(0x11, inHeaderAt: original.rootHeader)
        let btree = original.le(table, 8), heap = original.le(table + 8, 8)
        #expect(Array(original.bytes[btree..<btree + 4]) == Array("TREE".utf8) && Array(original.bytes[heap..<heap + 4]) == Array("HEAP".utf8))
        let heapSize = original.le(heap + 8, 8), heapData = original.le(heap + 24, 8)
        let snod = try original.find("SNOD")

        var cases: [(String, (inout Surgery) -> Void, String)] = [
            // The libhdf5 crash (H5Lvisit → H5HL_protect → memcpy from NULL).
            ("undefined heap address", { $0.set(.max, at: table + 8, size: 8) }, "the local heap of group / has an undefined address"),
            ("heap past the file", { $0.set(1 << 40, at: table + 8, size: 8) }, "the local heap of group / at 1099511627776 lies outside the file"),
            ("heap data segment past the file", { $0.set(1 << 30, at: heap + 8, size: 8) }, "declares a data segment of 1073741824 bytes"),
            ("heap signature", { $0.bytes[heap] = 0x58 }, "has no \"HEAP\" signature"),
            ("B-tree signature", { $0.bytes[btree] = 0x58 }, "a B-tree node of group / has no \"TREE\" signature"),
            ("B-tree of another type", { $0.bytes[btree + 4] = 1 }, "has node type 1"),
            ("B-tree key past the heap", { $0.set(UInt64(heapSize + 8), at: btree + 24, size: 8) }, "past its \(heapSize)-byte local heap"),
            ("name offset past the heap", { $0.set(UInt64(heapSize + 8), at: snod + 8, size: 8) }, "a name of group / is at \(heapSize + 8)"),
            ("object header past the file", { $0.set(1 << 40, at: snod + 16, size: 8) }, "lies outside the file"),
            ("symbol node version", { $0.bytes[snod + 4] = 7 }, "has version 7 (1 expected)"),
            ("cache type 5", { $0.set(5, at: snod + 24, size: 4) }, "has cache type 5"),
        ]
        // A free list that points at itself: libhdf5 allocates a node per step, forever.
        cases.append(("looping free list", { s in
            s.set(8, at: heap + 16, size: 8)
            s.set(8, at: heapData + 8, size: 8)
            s.set(16, at: heapData + 16, size: 8)
        }, "the free list of the local heap of group / loops"))
        for (name, forge, expected) in cases {
            var forged = original
            forge(&forged)
            Self.expectCorrupt(Self.readAll(forged.bytes, in: dir), expected, name, dir: dir)
        }
    }

    @Test("forged datasets: chunk shape against the stored chunk, a 0-byte element type, a compact layout shorter than its extent")
    func forgedDatasets() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var chunked = Surgery(bytes: try fileBytes(Fixtures.path("hdf5/legacy_vlen_attributes.h5")))
        // train/A: uint8 chunks of 1 × 16 × 16 × 1, element size 1 (layout message, 4-byte dims).
        let dims = try chunked.find([1, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        chunked.set(247, at: dims + 8, size: 4)
        Self.expectCorrupt(Self.readAll(chunked.bytes, in: dir), "stores 256 bytes where its shape [1, 16, 247, 1] needs 3952", "chunk shape", dir: dir)
        chunked.set(0, at: dims + 8, size: 4)
        Self.expectCorrupt(Self.readAll(chunked.bytes, in: dir), "has a chunk dimension of 0", "chunk dimension 0", dir: dir)

        var typed = Surgery(bytes: try fileBytes(Fixtures.path("hdf5/legacy_vlen_attributes.h5")))
        // An unsigned 8-bit datatype message: class 0 version 1, size 1, offset 0, precision 8.
        let type = try typed.find([0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0])
        typed.set(0, at: type + 4, size: 4)
        Self.expectCorrupt(Self.readAll(typed.bytes, in: dir), "has a size of 0 bytes", "0-byte elements", dir: dir)

        var compact = Surgery(bytes: try fileBytes(Fixtures.path("hdf5/compact_layout.h5")))
        #expect(Self.readAll(compact.bytes, in: dir) == nil, "the unmodified compact file reads")
        // Layout message version 3, class 0 (compact), 2 × 3 × 16 × 12 = 1152 bytes.
        let layout = try compact.find([3, 0, 0x80, 0x04])
        compact.set(16, at: layout + 2, size: 2)
        Self.expectCorrupt(Self.readAll(compact.bytes, in: dir), "stores 16 bytes compactly but its shape and type need 1152", "compact", dir: dir)
    }

    @Test("a variable-length string type declaring another size than its heap reference hides the attributes with a note (libhdf5 would copy 16 bytes out of 12)")
    func forgedVariableLengthType() throws {
        var forged = Surgery(bytes: try fileBytes(Fixtures.path("hdf5/legacy_vlen_attributes.h5")))
        // A variable-length string datatype: class 9 version 1 (string, UTF-8), size 16 (4 + an 8-byte address + 4).
        let type = try forged.find([0x19, 0x01, 0x01, 0, 0x10, 0, 0, 0])
        forged.set(12, at: type + 4, size: 4)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("forged.h5")
        try AtomicFile.write(forged.bytes, to: URL(fileURLWithPath: path))
        let description = try HDF5PairedDataset.describe(path: path)
        #expect(description.attributes.isEmpty)
        #expect(description.notes.contains { $0.contains("is variable-length but declares 12 bytes (16 expected)") }, "\(description.notes)")
        #expect(try HDF5PairedDataset(path: path, split: "train").pair(at: 0).a.width == 16, "the pairs still read")
    }

    @Test("files in the 1.8+ format and compact datasets read; links in dense storage are refused as unsupported")
    func formats() throws {
        let latest = try HDF5PairedDataset(path: Fixtures.path("hdf5/latest_format.h5"), split: "train")
        #expect(latest.count == 2)
        let compact = try HDF5PairedDataset(path: Fixtures.path("hdf5/compact_layout.h5"), split: "train")
        #expect(compact.count == 2)
        #expect(try latest.pair(at: 1).b.pixels == compact.pair(at: 1).b.pixels, "the same pixels in either format")
        let description = try HDF5PairedDataset.describe(path: Fixtures.path("hdf5/latest_format.h5"))
        // libver=latest keeps even a few attributes behind an attribute-info message: not listed, said so.
        #expect(description.notes.contains { $0.contains("indexed (HDF5 1.8+ attribute storage)") }, "\(description.notes)")

        let dense = Fixtures.path("hdf5/dense_links.h5")
        #expect {
            _ = try HDF5PairedDataset.describe(path: dense)
        } throws: { error in
            guard case let .unsupported(path, reason)? = error as? ImagingError else { return false }
            return path == dense && reason.contains("group / keeps its links in dense storage") && reason.contains("h5repack")
        }
    }

    @Test("groups reached by several hard links (a cycle back to the root) read when their headers count the links; a header counting one is refused")
    func hardLinkCycles() throws {
        for format in ["earliest", "latest"] {
            let path = Fixtures.path("hdf5/hard_link_cycle_\(format).h5")
            // libhdf5 lists each object once, under its first name in name order: "alias".
            let pairs = try HDF5PairedDataset(path: path, split: "alias")
            #expect(pairs.count == 2, "\(format)")
            #expect(try pairs.pair(at: 1).b.pixels.allSatisfy { $0 == 255 }, "\(format): B is all white")
        }
        // A fuzzed file whose group links to itself while its header counts one link: libhdf5 would
        // list it again on every lap (a stack overflow, or gigabytes of paths).
        let forged = Fixtures.path("hdf5/hard_link_cycle_counted_once.h5")
        #expect {
            _ = try HDF5PairedDataset.describe(path: forged)
        } throws: { error in
            guard case let .corrupt(path, _, reason)? = error as? ImagingError else { return false }
            return path == forged && reason.contains("is reached by more than one link, but its object header counts one")
        }
    }
}
