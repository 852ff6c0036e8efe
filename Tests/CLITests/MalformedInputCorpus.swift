import Base
import Checkpoint
import Foundation
import Imaging
import Pix2Pix

/// The project's own generator of malformed inputs (issue 16, item 6): systematic mutations of small
/// valid files — a checkpoint, a PNG, a JPEG and an HDF5 pair file made here — truncated at every
/// structural boundary, bit-flipped, with forged lengths, offsets, shapes, dtypes and declared sizes,
/// wrong magic, empty, NaN payloads. ``MalformedInputTests`` runs each through the commands that read it.
///
/// Mutations that go behind a checksum re-seal it (preamble, header and chunk CRC-32s of `.pzck`,
/// chunk CRCs of PNG), so that the check behind it is what gets tested, not the checksum.
struct MalformedCase: Sendable {
    enum Kind: String, Sendable { case checkpoint, image, hdf5 }

    /// What a command must do with the file. Every case must end without a signal, within the time
    /// and memory bounds; a `.typedError` case must also exit 1 naming the file.
    enum Expectation: Sendable, Equatable {
        /// Malformed: exit status 1 and the file's name on stderr.
        case typedError
        /// May be valid after all (a flipped bit in an unused field, a huge but genuine image, a
        /// checkpoint whose odd model section only the model commands read): exit 0 or a typed error.
        case acceptedOrTypedError
    }

    var name: String
    var kind: Kind
    var fileExtension: String
    var bytes: [UInt8]
    /// Per command (`ckpt`, `eval`, `translate`, `inspect`); commands not listed expect `.typedError`.
    var relaxed: Set<String> = []
    /// A FIFO rather than a regular file (bytes ignored).
    var isFIFO = false

    func expectation(command: String) -> Expectation { relaxed.contains(command) || relaxed.contains("*") ? .acceptedOrTypedError : .typedError }

    /// The file name in the corpus folder.
    var fileName: String { name.replacingOccurrences(of: "/", with: "-") + "." + fileExtension }
}

/// The valid files every mutation starts from, written by the library itself.
struct CorpusBase {
    let checkpoint: [UInt8]         // inference, f32, zstd
    let rawCheckpoint: [UInt8]      // inference, f32, codec none
    let zeroChunkFrame: [UInt8]     // one zstd frame of 4 MiB of zeros, as the writer stores it
    let png: [UInt8]
    let jpeg: [UInt8]
    let hdf5: [UInt8]
    let bigPNG: [UInt8]             // a genuine 8192² gray PNG (67 MP)

    static let side = 64

    static func make(in directory: URL) throws -> CorpusBase {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 2], discriminatorOverrides: ["ndf": 2], seed: 1)
        let zstd = directory.appendingPathComponent("base-zstd.pzck"), raw = directory.appendingPathComponent("base-raw.pzck")
        try ModelCheckpoint.saveInference(model, to: zstd)
        try ModelCheckpoint.saveInference(model, to: raw, compressionLevel: nil)
        let zeros = try CheckpointWriter(storage: .f32).encode(
            kind: .inference, model: ["generator": ["name": "x", "family": "x", "config": [:]]],
            tensors: [TensorRecord(name: "zeros", shape: [1 << 20], values: [Float](repeating: 0, count: 1 << 20))])
        let zerosFile = try PZCKFile(zeros)
        let zeroChunk = zerosFile.chunks(of: 0)[0]

        var rgb = Image(width: side, height: side, channels: 3)
        for y in 0..<side { for x in 0..<side { for c in 0..<3 { rgb[x, y, c] = UInt8((x * 4 + y * 2 + c * 85) & 0xFF) } } }
        let h5 = directory.appendingPathComponent("base.h5")
        let writer = try HDF5PairWriter(path: h5.path, width: side, height: side, channelsA: 3, channelsB: 3)
        for split in ["train", "val"] {
            for _ in 0..<2 { try writer.append(a: rgb, b: rgb, split: split) }
        }
        try writer.finish()
        return CorpusBase(checkpoint: try [UInt8](Data(contentsOf: zstd)), rawCheckpoint: try [UInt8](Data(contentsOf: raw)),
                          zeroChunkFrame: Array(zerosFile.data[zeroChunk.offset..<zeroChunk.offset + zeroChunk.stored]),
                          png: try rgb.pngData(), jpeg: try rgb.jpegData(quality: 90),
                          hdf5: try [UInt8](Data(contentsOf: h5)),
                          bigPNG: try Image(width: 8192, height: 8192, channels: 1).pngData())
    }
}

// MARK: - .pzck structure

/// A parsed `.pzck` file, for forging: preamble fields, header object, data area.
struct PZCKFile {
    static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x43, 0x4B, 0x0D, 0x0A, 0x1A]

    let bytes: [UInt8]
    let headerLength: Int
    let header: [String: JSONValue]
    let dataStart: Int
    let data: [UInt8]

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        headerLength = Int(readLE(UInt64.self, bytes, at: 16))
        guard case .object(let object) = try JSONValue(parsing: Array(bytes[32..<32 + headerLength])) else {
            throw CorpusError("the base checkpoint's header is not an object")
        }
        header = object
        dataStart = alignUp(32 + headerLength)
        data = Array(bytes[dataStart..<bytes.count - 16])
    }

    var tensors: [[String: JSONValue]] { header["tensors"]!.arrayValue!.map { $0.objectValue! } }

    func chunks(of tensor: Int) -> [(offset: Int, stored: Int)] {
        tensors[tensor]["chunks"]!.arrayValue!.map { ($0["offset"]!.intValue!, $0["stored_length"]!.intValue!) }
    }

    /// A whole file from a header object and a data area: checksums, lengths and trailer all valid
    /// (chunk CRCs are taken from the header as given; ``resealChunks(_:data:)`` recomputes them).
    static func container(header: [UInt8], data: [UInt8], major: UInt16 = 1, minor: UInt16 = 0, flags: UInt32 = 0) -> [UInt8] {
        ContainerFraming.file(header: header, data: data, major: major, minor: minor, flags: flags)
    }

    /// This file with `header` (and optionally another data area), sealed.
    func with(header object: [String: JSONValue], data newData: [UInt8]? = nil) -> [UInt8] {
        PZCKFile.container(header: JSONValue.object(object).serialized(), data: newData ?? data)
    }

    /// `object` with every chunk's crc32 recomputed from `data` (where the chunk lies inside it).
    static func resealChunks(_ object: [String: JSONValue], data: [UInt8]) -> [String: JSONValue] {
        var object = object
        guard case .array(var tensors)? = object["tensors"] else { return object }
        for t in tensors.indices {
            guard case .object(var tensor) = tensors[t], case .array(var chunks)? = tensor["chunks"] else { continue }
            for c in chunks.indices {
                guard case .object(var chunk) = chunks[c], let offset = chunk["offset"]?.intValue,
                      let stored = chunk["stored_length"]?.intValue, offset >= 0, stored >= 0, offset + stored <= data.count else { continue }
                chunk["crc32"] = .int(Int(Checksum.crc32(Array(data[offset..<offset + stored]))))
                chunks[c] = .object(chunk)
            }
            tensor["chunks"] = .array(chunks)
            tensors[t] = .object(tensor)
        }
        object["tensors"] = .array(tensors)
        return object
    }
}

struct CorpusError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func alignUp(_ n: Int) -> Int { (n + 63) / 64 * 64 }

func readLE<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    var v: T = 0
    for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
    return v
}

func writeLE<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], at offset: Int) {
    for i in 0..<MemoryLayout<T>.size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
}

func writeBE<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], at offset: Int) {
    let n = MemoryLayout<T>.size
    for i in 0..<n { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * (n - 1 - i))) }
}

func readBE32(_ bytes: [UInt8], at offset: Int) -> Int {
    (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
}

func flipped(_ bytes: [UInt8], at offset: Int, bit: Int = 0) -> [UInt8] {
    var out = bytes
    out[offset] ^= UInt8(1 << (bit & 7))
    return out
}

/// `count` offsets spread evenly over 1..<size (excluding 0 and size).
func spread(_ count: Int, over size: Int) -> [Int] {
    guard size > 1 else { return [] }
    return (1...count).map { $0 * size / (count + 1) }.filter { $0 > 0 && $0 < size }
}

// MARK: - The corpus

enum MalformedCorpus {
    /// Every case, in a fixed order.
    static func cases(base: CorpusBase) throws -> [MalformedCase] {
        var all: [MalformedCase] = []
        all += try checkpoints(base)
        all += images(base)
        all += hdf5(base)
        var seen = Set<String>()
        return all.filter { seen.insert($0.name).inserted }
    }

    // MARK: Checkpoints

    static func checkpoints(_ base: CorpusBase) throws -> [MalformedCase] {
        let file = try PZCKFile(base.checkpoint)
        let bytes = base.checkpoint
        var out: [MalformedCase] = []
        func add(_ name: String, _ bytes: [UInt8], relaxed: Set<String> = []) {
            out.append(MalformedCase(name: "ckpt/" + name, kind: .checkpoint, fileExtension: "pzck", bytes: bytes, relaxed: relaxed))
        }
        // A forged model section: a container like any other for `ckpt inspect`, whose job is the
        // container; the model commands (eval, translate) must refuse it.
        let modelOnly: Set<String> = ["ckpt"]

        // Truncation at every structural boundary: magic, preamble fields, header, data start, every
        // chunk's start / second byte / last byte (first 12 tensors and the last), trailer; and spread.
        var cuts: Set<Int> = [0, 1, 4, 7, 8, 9, 10, 12, 16, 20, 24, 28, 31, 32, 33,
                              32 + file.headerLength / 2, 32 + file.headerLength - 1, 32 + file.headerLength,
                              file.dataStart - 1, file.dataStart, bytes.count - 16, bytes.count - 9, bytes.count - 8, bytes.count - 1]
        let tensorCount = file.tensors.count
        for t in Array(0..<min(8, tensorCount)) + [tensorCount - 1] {
            for chunk in file.chunks(of: t) {
                let start = file.dataStart + chunk.offset
                cuts.formUnion([start, start + 1, start + chunk.stored - 1])
            }
        }
        cuts.formUnion(spread(16, over: bytes.count))
        for cut in cuts.sorted() where cut < bytes.count { add("truncated-at-\(cut)", Array(bytes.prefix(cut))) }

        // Extra bytes after the trailer.
        add("trailing-1-byte", bytes + [0])
        add("trailing-64-bytes", bytes + [UInt8](repeating: 0, count: 64))
        add("trailing-second-trailer", bytes + bytes.suffix(16))

        // Bit flips in the preamble: as found (the preamble checksum stops them), and re-sealed so
        // that the field itself is judged (the minor version may change: readers accept newer minors).
        for offset in 0..<32 { add("preamble-flip-\(offset)", flipped(bytes, at: offset, bit: offset)) }
        for offset in 8..<28 {
            var forged = flipped(bytes, at: offset, bit: offset % 3 == 0 ? 7 : offset)
            if !(24..<28).contains(offset) {  // a flipped header checksum stays flipped
                let declared = Int(truncatingIfNeeded: readLE(UInt64.self, forged, at: 16))
                if declared >= 0, declared <= forged.count - 32 { writeLE(Checksum.crc32(Array(forged[32..<32 + declared])), &forged, at: 24) }
            }
            writeLE(Checksum.crc32(Array(forged[0..<28])), &forged, at: 28)
            add("preamble-flip-\(offset)-resealed", forged, relaxed: (10..<12).contains(offset) ? ["*"] : [])
        }
        // Header bytes flipped without resealing (the header checksum stops them).
        for offset in spread(16, over: file.headerLength) { add("header-flip-\(offset)", flipped(bytes, at: 32 + offset, bit: offset)) }
        // Wrong magic / version / flags, sealed.
        add("magic-zeroed", [UInt8](repeating: 0, count: 8) + bytes.dropFirst(8))
        add("major-2", PZCKFile.container(header: JSONValue.object(file.header).serialized(), data: file.data, major: 2))
        add("major-0", PZCKFile.container(header: JSONValue.object(file.header).serialized(), data: file.data, major: 0))
        add("flags-1", PZCKFile.container(header: JSONValue.object(file.header).serialized(), data: file.data, flags: 1))
        // Declared header length forged: past the end, beyond the 16 MiB bound, 2^63, zero.
        let lengths: [(String, UInt64)] = [("past-end", UInt64(bytes.count)), ("17MiB", UInt64(17 << 20)), ("2^63", UInt64(1) << 63),
                                           ("zero", 0), ("one-short", UInt64(file.headerLength - 1)), ("max", UInt64.max)]
        for (label, length) in lengths {
            var forged = bytes
            writeLE(length, &forged, at: 16)
            writeLE(Checksum.crc32(Array(forged[0..<28])), &forged, at: 28)
            add("header-length-\(label)", forged)
        }

        // Header JSON that is not a valid header, sealed.
        let badHeaders: [(String, String)] = [
            ("not-json", "this is not JSON"), ("truncated-object", "{\"kind\": \"inference\""), ("array", "[]"),
            ("number", "42"), ("empty", ""), ("nesting-10000", String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000)),
            ("duplicate-keys", "{\"kind\":\"inference\",\"kind\":\"training\"}"), ("nan-literal", "{\"data_length\": NaN}"),
            ("bom", "\u{FEFF}{}"), ("lone-surrogate", "{\"producer\": \"\\ud800\"}"),
        ]
        for (label, text) in badHeaders { add("header-\(label)", PZCKFile.container(header: Array(text.utf8), data: file.data)) }
        add("header-invalid-utf8", PZCKFile.container(header: Array("{\"producer\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8), data: file.data))

        // Header fields forged one at a time (sealed; chunk CRCs stay valid).
        func header(_ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
            var object = file.header
            change(&object)
            return file.with(header: object)
        }
        add("kind-bogus", header { $0["kind"] = "bogus" })
        add("kind-missing", header { $0["kind"] = nil })
        add("kind-number", header { $0["kind"] = 1 })
        add("producer-missing", header { $0["producer"] = nil })
        add("model-missing", header { $0["model"] = nil })
        add("model-array", header { $0["model"] = [] })
        add("metadata-number", header { $0["metadata"] = 3 })
        add("sections-array", header { $0["sections"] = [] })
        add("tensors-missing", header { $0["tensors"] = nil })
        add("tensors-object", header { $0["tensors"] = [:] })
        add("tensors-empty", header { $0["tensors"] = [] }, relaxed: modelOnly)
        let dataLength = file.header["data_length"]!.intValue!
        let dataLengths: [(String, JSONValue)] = [
            ("plus-64", .int(dataLength + 64)), ("minus-64", .int(dataLength - 64)), ("negative", .int(-64)),
            ("fraction", .number(JSONNumber(text: "64.5")!)), ("2^62", .int(1 << 62)), ("unaligned", .int(dataLength + 1)),
            ("missing", .null), ("huge-literal", .number(JSONNumber(text: "1" + String(repeating: "0", count: 40))!)),
        ]
        for (label, value) in dataLengths {
            add("data-length-\(label)", header { $0["data_length"] = value.isNull ? nil : value })
        }

        // The model section: configs a header may carry (the generator is built from them).
        func model(_ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
            header {
                var m = $0["model"]!.objectValue!
                change(&m)
                $0["model"] = .object(m)
            }
        }
        func generatorConfig(_ key: String, _ value: JSONValue?) -> [UInt8] {
            model {
                var g = $0["generator"]!.objectValue!
                var c = g["config"]!.objectValue!
                c[key] = value
                g["config"] = .object(c)
                $0["generator"] = .object(g)
            }
        }
        func discriminatorConfig(_ key: String, _ value: JSONValue?) -> [UInt8] {
            model {
                var d = $0["discriminator"]!.objectValue!
                var c = d["config"]!.objectValue!
                c[key] = value
                d["config"] = .object(c)
                $0["discriminator"] = .object(d)
            }
        }
        let huge: [(String, JSONValue)] = [("2^62", .int(1 << 62)), ("2^40", .int(1 << 40)), ("100000", .int(100_000)),
                                           ("400", .int(400)), ("zero", .int(0)), ("negative", .int(-1)),
                                           ("fraction", .number(JSONNumber(text: "2.5")!)), ("string", "8"), ("null", .null)]
        for (label, value) in huge { add("g-ngf-\(label)", generatorConfig("ngf", value), relaxed: modelOnly) }
        for (label, value) in huge where label != "400" {
            add("g-input-channels-\(label)", generatorConfig("input_channels", value), relaxed: modelOnly)
            add("g-output-channels-\(label)", generatorConfig("output_channels", value), relaxed: modelOnly)
        }
        for depth in [-1, 0, 1, 5, 7, 30, 62, 63, 64, 1000] {
            add("g-depth-\(depth)", generatorConfig("depth", .int(depth)), relaxed: modelOnly)
        }
        add("g-norm-bogus", generatorConfig("norm", "bogus"), relaxed: modelOnly)
        add("g-dropout-number", generatorConfig("dropout", 3), relaxed: modelOnly)
        add("g-ngf-missing", generatorConfig("ngf", nil), relaxed: modelOnly)
        add("g-name-unknown", model { $0["generator"] = .object($0["generator"]!.objectValue!.merging(["name": "unet_9000"]) { $1 }) },
            relaxed: modelOnly)
        add("g-family-wrong", model { $0["generator"] = .object($0["generator"]!.objectValue!.merging(["family": "patchgan"]) { $1 }) },
            relaxed: modelOnly)
        add("g-config-array", model { $0["generator"] = .object($0["generator"]!.objectValue!.merging(["config": []]) { $1 }) },
            relaxed: modelOnly)
        add("g-missing", model { $0["generator"] = nil }, relaxed: modelOnly)
        for (label, value) in huge where ["2^62", "2^40", "100000", "zero", "negative"].contains(label) {
            add("d-ndf-\(label)", discriminatorConfig("ndf", value), relaxed: modelOnly)
            add("d-input-channels-\(label)", discriminatorConfig("input_channels", value), relaxed: modelOnly)
        }
        for layers in [-1, 0, 40, 1000] { add("d-layers-\(layers)", discriminatorConfig("layers", .int(layers)), relaxed: modelOnly) }
        add("d-norm-bogus", discriminatorConfig("norm", "bogus"), relaxed: modelOnly)

        // The tensor table: one forged field of one row at a time.
        func tensor(_ index: Int, _ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
            header {
                var rows = $0["tensors"]!.arrayValue!
                var row = rows[index].objectValue!
                change(&row)
                rows[index] = .object(row)
                $0["tensors"] = .array(rows)
            }
        }
        let first = file.tensors[0]
        let firstShape = first["shape"]!.arrayValue!.map { $0.intValue! }
        let shapes: [(String, JSONValue)] = [
            ("scalar", []), ("zero", [0]), ("reversed", .array(firstShape.reversed().map { .int($0) })),
            ("extra-dim", .array((firstShape + [1]).map { .int($0) })), ("2^40x2^40x0", [.int(1 << 40), .int(1 << 40), 0]),
            ("negative", [-1]), ("fraction", [.number(JSONNumber(text: "1.5")!)]), ("2^62", [.int(1 << 62)]),
            ("2^31-squared", [.int(1 << 31), .int(1 << 31)]), ("string", ["4"]), ("not-array", 4),
        ]
        // Same element count, other shape: a sound container (ckpt inspect), a wrong model (eval, translate).
        for (label, shape) in shapes {
            add("t-shape-\(label)", tensor(0) { $0["shape"] = shape }, relaxed: ["reversed", "extra-dim"].contains(label) ? modelOnly : [])
        }
        for dtype in ["F64", "int8", "f32", "F16", ""] { add("t-dtype-\(dtype.isEmpty ? "empty" : dtype)", tensor(0) { $0["dtype"] = .string(dtype) }) }
        add("t-dtype-number", tensor(0) { $0["dtype"] = 7 })
        add("t-codec-lz4", tensor(0) { $0["codec"] = "lz4" })
        add("t-codec-none", tensor(0) { $0["codec"] = "none" })
        add("t-filter-delta", tensor(0) { $0["filter"] = "delta" })
        add("t-name-empty", tensor(0) { $0["name"] = "" })
        add("t-name-missing", tensor(0) { $0["name"] = nil })
        add("t-name-duplicate", tensor(0) { $0["name"] = file.tensors[1]["name"]! })
        // A 100 KB name is legal for the container (`ckpt inspect` must print it fast and shortened);
        // the model commands refuse it as an unexpected tensor.
        add("t-name-100KB", tensor(0) { $0["name"] = .string("generator." + String(repeating: "x", count: 100_000)) }, relaxed: modelOnly)
        add("t-name-control-chars", tensor(0) { $0["name"] = "generator.\u{0}\n\u{1B}[31m" }, relaxed: modelOnly)
        add("t-row-string", header {
            var rows = $0["tensors"]!.arrayValue!
            rows[0] = "generator.model.0.weight"
            $0["tensors"] = .array(rows)
        })
        add("t-removed", header { $0["tensors"] = .array(Array($0["tensors"]!.arrayValue!.dropFirst())) }, relaxed: modelOnly)
        add("t-renamed", tensor(0) { $0["name"] = "generator.unexpected" }, relaxed: modelOnly)
        add("t-names-swapped", header {
            var rows = $0["tensors"]!.arrayValue!
            var a = rows[0].objectValue!, b = rows[1].objectValue!
            (a["name"], b["name"]) = (b["name"], a["name"])
            rows[0] = .object(a)
            rows[1] = .object(b)
            $0["tensors"] = .array(rows)
        }, relaxed: modelOnly)
        func chunk(_ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
            tensor(0) {
                var chunks = $0["chunks"]!.arrayValue!
                var c = chunks[0].objectValue!
                change(&c)
                chunks[0] = .object(c)
                $0["chunks"] = .array(chunks)
            }
        }
        let c0 = first["chunks"]!.arrayValue![0].objectValue!
        let offset0 = c0["offset"]!.intValue!, stored0 = c0["stored_length"]!.intValue!, raw0 = c0["raw_length"]!.intValue!
        let other = file.chunks(of: 1)[0]
        add("t-chunks-empty", tensor(0) { $0["chunks"] = [] })
        add("t-chunks-missing", tensor(0) { $0["chunks"] = nil })
        add("t-chunk-string", tensor(0) { $0["chunks"] = ["x"] })
        add("t-chunk-duplicated", tensor(0) { $0["chunks"] = .array($0["chunks"]!.arrayValue! + $0["chunks"]!.arrayValue!) })
        let chunkForgeries: [(String, String, JSONValue?)] = [
            ("offset-unaligned", "offset", .int(offset0 + 1)), ("offset-past-end", "offset", .int(dataLength)),
            ("offset-overlap", "offset", .int(other.offset)), ("offset-negative", "offset", .int(-64)),
            ("offset-2^62", "offset", .int(1 << 62)), ("offset-missing", "offset", nil),
            ("stored-zero", "stored_length", 0), ("stored-plus-one", "stored_length", .int(stored0 + 1)),
            ("stored-huge", "stored_length", .int(1 << 40)), ("stored-minus-one", "stored_length", .int(stored0 - 1)),
            ("raw-zero", "raw_length", 0), ("raw-4MiB-plus-1", "raw_length", .int((4 << 20) + 1)),
            ("raw-plus-4", "raw_length", .int(raw0 + 4)), ("raw-minus-4", "raw_length", .int(raw0 - 4)),
            ("raw-odd", "raw_length", .int(raw0 - 1)), ("raw-2^62", "raw_length", .int(1 << 62)),
            ("crc-wrong", "crc32", .int(Int(c0["crc32"]!.intValue! ^ 1))), ("crc-2^32", "crc32", .int(1 << 32)),
            ("crc-negative", "crc32", .int(-1)), ("crc-string", "crc32", "0"),
        ]
        for (label, key, value) in chunkForgeries { add("t-chunk-\(label)", chunk { $0[key] = value }) }

        // The data area: zstd frames damaged behind valid chunk CRCs. The frames carry no content
        // checksum, so a byte changed inside a literal block may decode to other values: only the frame
        // header and structure are sure to be caught.
        for (t, label) in [(0, "first"), (tensorCount / 2, "middle"), (tensorCount - 1, "last")] {
            let c = file.chunks(of: t)[0]
            for (position, name) in [(0, "frame-magic"), (4, "frame-descriptor"), (5, "frame-header"), (c.stored / 2, "block"),
                                     (c.stored - 1, "end")] where position < c.stored {
                var data = file.data
                data[c.offset + position] ^= 0x5A
                add("zstd-\(label)-\(name)", file.with(header: PZCKFile.resealChunks(file.header, data: data), data: data),
                    relaxed: ["block", "end"].contains(name) ? ["*"] : [])
            }
        }
        // Non-finite weights (codec none, so the values are the bytes): the model commands must refuse them.
        let raw = try PZCKFile(base.rawCheckpoint)
        let rawRows = raw.tensors
        let weightIndex = rawRows.firstIndex { $0["name"]!.stringValue!.hasSuffix(".weight") && $0["shape"]!.arrayValue!.count == 4 }!
        let varianceIndex = rawRows.firstIndex { $0["name"]!.stringValue!.hasSuffix("running_var") }
        for (label, bits) in [("nan", Float.nan.bitPattern), ("inf", Float.infinity.bitPattern), ("minus-inf", (-Float.infinity).bitPattern)] {
            for (row, where_) in [(weightIndex, "weight")] + (varianceIndex.map { [($0, "running-var")] } ?? []) {
                // The writer byte-shuffles even uncompressed chunks: byte j of element i is at j·m + i.
                let c = raw.chunks(of: row)[0], m = c.stored / 4
                func set(_ data: inout [UInt8], element i: Int) {
                    for j in 0..<4 { data[c.offset + j * m + i] = UInt8(truncatingIfNeeded: bits >> (8 * j)) }
                }
                var all = raw.data, one = raw.data
                for i in 0..<m { set(&all, element: i) }
                set(&one, element: m / 2)
                add("\(label)-\(where_)-all", raw.with(header: PZCKFile.resealChunks(raw.header, data: all), data: all), relaxed: modelOnly)
                add("\(label)-\(where_)-one", raw.with(header: PZCKFile.resealChunks(raw.header, data: one), data: one), relaxed: modelOnly)
            }
        }
        // A decompression bomb: an extra 4 GiB tensor of zeros made of 1024 copies of one 4 MiB zstd frame
        // (≈ 0.3 MB on disk). Genuine data, so reading it is allowed — in bounded memory.
        var bombData = file.data
        var bombChunks: [JSONValue] = []
        for _ in 0..<1024 {
            bombData += [UInt8](repeating: 0, count: alignUp(bombData.count) - bombData.count)
            bombChunks.append(["offset": .int(bombData.count), "stored_length": .int(base.zeroChunkFrame.count), "raw_length": .int(4 << 20),
                               "crc32": .int(Int(Checksum.crc32(base.zeroChunkFrame)))])
            bombData += base.zeroChunkFrame
        }
        let bombRow: JSONValue = ["name": "generator.bomb", "dtype": "F32", "codec": "zstd", "filter": "byteshuffle",
                                  "shape": [.int(1 << 30)], "chunks": .array(bombChunks)]
        var bombHeader = file.header
        bombHeader["tensors"] = .array(file.header["tensors"]!.arrayValue! + [bombRow])
        bombHeader["data_length"] = .int(alignUp(bombData.count))
        add("zstd-bomb-4GiB-tensor", file.with(header: bombHeader, data: bombData), relaxed: modelOnly)

        // Not checkpoints at all.
        add("empty", [])
        add("one-byte", [0x89])
        add("magic-only", PZCKFile.magic)
        add("png-bytes", base.png)
        add("hdf5-bytes", Array(base.hdf5.prefix(4096)))
        add("zip-pytorch", Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 60) + Array("archive/data.pkl".utf8))
        add("text", Array("hello, I am not a checkpoint\n".utf8))
        add("json", Array("{\"kind\": \"inference\"}".utf8))
        out.append(MalformedCase(name: "ckpt/fifo", kind: .checkpoint, fileExtension: "pzck", bytes: [], isFIFO: true))
        return out
    }

    // MARK: Images

    /// PNG chunks: (offset of the length field, data length, type).
    static func pngChunks(_ png: [UInt8]) -> [(offset: Int, length: Int, type: String)] {
        var chunks: [(offset: Int, length: Int, type: String)] = []
        var at = 8
        while at + 12 <= png.count {
            let length = readBE32(png, at: at)
            chunks.append((at, length, String(decoding: png[at + 4..<at + 8], as: UTF8.self)))
            at += 12 + length
        }
        return chunks
    }

    /// `png` with the CRC of the chunk at `offset` recomputed.
    static func resealPNG(_ png: [UInt8], chunkAt offset: Int) -> [UInt8] {
        var out = png
        let length = readBE32(png, at: offset)
        writeBE(Checksum.crc32(Array(out[offset + 4..<offset + 8 + length])), &out, at: offset + 8 + length)
        return out
    }

    /// JPEG marker segments before the scan: (offset of the marker, marker byte, segment length).
    static func jpegSegments(_ jpeg: [UInt8]) -> [(offset: Int, marker: UInt8, length: Int)] {
        var segments: [(offset: Int, marker: UInt8, length: Int)] = []
        var at = 2
        while at + 4 <= jpeg.count, jpeg[at] == 0xFF {
            let marker = jpeg[at + 1]
            let length = Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3])
            segments.append((at, marker, length))
            if marker == 0xDA { break }
            at += 2 + length
        }
        return segments
    }

    static func images(_ base: CorpusBase) -> [MalformedCase] {
        var out: [MalformedCase] = []
        func add(_ name: String, _ ext: String, _ bytes: [UInt8], relaxed: Set<String> = []) {
            out.append(MalformedCase(name: "img/" + name, kind: .image, fileExtension: ext, bytes: bytes, relaxed: relaxed))
        }
        // PNG: truncation at every chunk boundary and inside each chunk's fields.
        let png = base.png
        let chunks = pngChunks(png)
        var cuts: Set<Int> = [0, 1, 4, 7, 8]
        for c in chunks { cuts.formUnion([c.offset, c.offset + 4, c.offset + 8, c.offset + 8 + c.length / 2, c.offset + 8 + c.length, c.offset + 11 + c.length]) }
        cuts.formUnion(spread(8, over: png.count))
        // libpng forgives a missing or cut IEND (a warning): from its start on, a truncation may pass.
        let iendStart = chunks.first { $0.type == "IEND" }?.offset ?? png.count
        for cut in cuts.sorted() where cut < png.count {
            add("png-truncated-at-\(cut)", "png", Array(png.prefix(cut)), relaxed: cut >= iendStart ? ["*"] : [])
        }
        let ihdr = chunks.first { $0.type == "IHDR" }!.offset
        func ihdrForged(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var out = png
            change(&out)
            return resealPNG(out, chunkAt: ihdr)
        }
        // Declared sizes: zero, enormous (the data cannot fill them: the header must be judged first).
        for (label, w, h) in [("0x64", 0, 64), ("64x0", 64, 0), ("32768x32768", 32768, 32768), ("65535x65535", 65535, 65535),
                              ("2^31-1x1", Int(Int32.max), 1), ("1x100000000", 1, 100_000_000), ("100000x100000", 100_000, 100_000)] {
            add("png-ihdr-\(label)", "png", ihdrForged { writeBE(UInt32(w), &$0, at: ihdr + 8); writeBE(UInt32(h), &$0, at: ihdr + 12) })
        }
        let fields: [(String, Int, UInt8)] = [("depth-3", 16, 3), ("depth-32", 16, 32), ("color-1", 17, 1), ("color-5", 17, 5),
                                              ("color-7", 17, 7), ("compression-1", 18, 1), ("filter-1", 19, 1), ("interlace-2", 20, 2),
                                              ("palette-no-plte", 17, 3)]
        for (label, offset, value) in fields {
            add("png-ihdr-\(label)", "png", ihdrForged { $0[ihdr + offset] = value })
        }
        for byte in 0..<13 { add("png-ihdr-flip-\(byte)", "png", ihdrForged { $0[ihdr + 8 + byte] ^= 0x10 }, relaxed: ["*"]) }
        add("png-ihdr-crc-wrong", "png", flipped(png, at: ihdr + 8 + 13 + 3))
        add("png-ihdr-length-huge", "png", { var o = png; writeBE(UInt32(0x7FFF_FFFF), &o, at: ihdr); return o }())
        add("png-signature-wrong", "png", flipped(png, at: 1))
        if let idat = chunks.first(where: { $0.type == "IDAT" }) {
            for (label, position) in [("zlib-header", 0), ("zlib-flags", 1), ("deflate-start", 2), ("middle", idat.length / 2),
                                      ("adler", idat.length - 2)] where position < idat.length {
                var damaged = png
                damaged[idat.offset + 8 + position] ^= 0xA5
                add("png-idat-\(label)-resealed", "png", resealPNG(damaged, chunkAt: idat.offset))
            }
            add("png-idat-crc-wrong", "png", flipped(png, at: idat.offset + 8 + idat.length))
            add("png-idat-length-huge", "png", { var o = png; writeBE(UInt32(0x7FFF_FFFF), &o, at: idat.offset); return o }())
            add("png-idat-removed", "png", Array(png[0..<idat.offset] + png[(idat.offset + 12 + idat.length)...]))
        }
        if let iend = chunks.first(where: { $0.type == "IEND" }) {
            add("png-iend-missing", "png", Array(png.prefix(iend.offset)), relaxed: ["*"])
        }
        // A genuine 67-megapixel image: valid, so it may be translated — within the memory bound.
        add("png-genuine-8192x8192", "png", base.bigPNG, relaxed: ["*"])

        // JPEG: truncation at every marker segment, inside the scan.
        let jpeg = base.jpeg
        let segments = jpegSegments(jpeg)
        var jcuts: Set<Int> = [0, 1, 2, 3, jpeg.count - 2, jpeg.count - 1]
        for s in segments { jcuts.formUnion([s.offset, s.offset + 2, s.offset + 4, s.offset + 2 + s.length / 2]) }
        if let sos = segments.last, sos.marker == 0xDA { jcuts.formUnion(spread(4, over: jpeg.count - sos.offset).map { sos.offset + $0 }) }
        for cut in jcuts.sorted() where cut < jpeg.count {
            // The end of the scan is forgiven by libjpeg (a warning): only the last two bytes may pass.
            add("jpeg-truncated-at-\(cut)", "jpg", Array(jpeg.prefix(cut)), relaxed: cut >= jpeg.count - 2 ? ["*"] : [])
        }
        if let sof = segments.first(where: { $0.marker == 0xC0 || $0.marker == 0xC1 || $0.marker == 0xC2 }) {
            func sofForged(_ change: (inout [UInt8]) -> Void) -> [UInt8] { var o = jpeg; change(&o); return o }
            let at = sof.offset + 4  // precision, height(2), width(2), components
            for (label, w, h) in [("0x64", 0, 64), ("64x0", 64, 0), ("32768x32768", 32768, 32768), ("65500x65500", 65500, 65500),
                                  ("65500x1", 65500, 1)] {
                add("jpeg-sof-\(label)", "jpg", sofForged { writeBE(UInt16(h), &$0, at: at + 1); writeBE(UInt16(w), &$0, at: at + 3) })
            }
            add("jpeg-sof-precision-12", "jpg", sofForged { $0[at] = 12 })
            add("jpeg-sof-precision-16", "jpg", sofForged { $0[at] = 16 })
            add("jpeg-sof-components-0", "jpg", sofForged { $0[at + 5] = 0 })
            add("jpeg-sof-components-2", "jpg", sofForged { $0[at + 5] = 2 })
            add("jpeg-sof-components-4", "jpg", sofForged { $0[at + 5] = 4 })
            add("jpeg-sof-sampling-0", "jpg", sofForged { $0[at + 7] = 0 })
            add("jpeg-sof-sampling-5x5", "jpg", sofForged { $0[at + 7] = 0x55 })
            add("jpeg-sof-quant-table-9", "jpg", sofForged { $0[at + 8] = 9 })
            add("jpeg-sof-progressive-marker", "jpg", sofForged { $0[sof.offset + 1] = 0xC2 })
            add("jpeg-sof-arithmetic-marker", "jpg", sofForged { $0[sof.offset + 1] = 0xC9 })
            add("jpeg-sof-lossless-marker", "jpg", sofForged { $0[sof.offset + 1] = 0xC3 })
        }
        for s in segments {
            let tag = String(s.marker, radix: 16, uppercase: true)
            add("jpeg-seg-\(s.offset)-\(tag)-length-0", "jpg", { var o = jpeg; writeBE(UInt16(0), &o, at: s.offset + 2); return o }())
            add("jpeg-seg-\(s.offset)-\(tag)-length-max", "jpg", { var o = jpeg; writeBE(UInt16(0xFFFF), &o, at: s.offset + 2); return o }())
            if s.marker == 0xDB || s.marker == 0xC4 {
                add("jpeg-seg-\(s.offset)-\(tag)-table-id-9", "jpg", { var o = jpeg; o[s.offset + 4] = s.marker == 0xDB ? 0x09 : 0x19; return o }())
            }
            if s.marker == 0xC4 {
                add("jpeg-seg-\(s.offset)-C4-counts-overflow", "jpg",
                    { var o = jpeg; for i in 0..<16 where s.offset + 5 + i < o.count { o[s.offset + 5 + i] = 0xFF }; return o }())
            }
        }
        add("jpeg-soi-only", "jpg", [0xFF, 0xD8])
        add("jpeg-soi-eoi", "jpg", [0xFF, 0xD8, 0xFF, 0xD9])
        add("jpeg-double-soi", "jpg", [0xFF, 0xD8] + jpeg)
        if let sos = segments.last, sos.marker == 0xDA {
            let scan = sos.offset + 2 + sos.length
            for fraction in [3, 2] {
                var damaged = jpeg
                for i in stride(from: scan + (jpeg.count - scan) / fraction, to: min(jpeg.count - 2, scan + (jpeg.count - scan) / fraction + 16), by: 1) {
                    damaged[i] = 0xFF
                }
                add("jpeg-scan-garbage-\(fraction)", "jpg", damaged, relaxed: ["*"])
            }
        }

        // Not images.
        add("empty-png", "png", [])
        add("empty-jpg", "jpg", [])
        add("text-png", "png", Array("not an image\n".utf8))
        add("checkpoint-bytes-png", "png", Array(base.checkpoint.prefix(2048)))
        add("gif-bytes", "png", Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 32))
        out.append(MalformedCase(name: "img/fifo", kind: .image, fileExtension: "png", bytes: [], isFIFO: true))
        return out
    }

    // MARK: HDF5

    /// Offsets of dataspace messages for shape [n, h, w, c] with max dims [unlimited, h, w, c]
    /// (version-1 dataspace: 8-byte extents, then 8-byte maxima), in file order.
    static func dataspaces(_ h5: [UInt8], shape: [Int]) -> [Int] {
        var pattern: [UInt8] = []
        for v in shape { var b = [UInt8](repeating: 0, count: 8); writeLE(UInt64(v), &b, at: 0); pattern += b }
        pattern += [UInt8](repeating: 0xFF, count: 8)
        for v in shape.dropFirst() { var b = [UInt8](repeating: 0, count: 8); writeLE(UInt64(v), &b, at: 0); pattern += b }
        guard h5.count >= pattern.count else { return [] }
        return (0...(h5.count - pattern.count)).filter { i in h5[i] == pattern[0] && Array(h5[i..<i + pattern.count]) == pattern }
    }

    static func hdf5(_ base: CorpusBase) -> [MalformedCase] {
        var out: [MalformedCase] = []
        let h5 = base.hdf5
        func add(_ name: String, _ bytes: [UInt8], relaxed: Set<String> = []) {
            out.append(MalformedCase(name: "h5/" + name, kind: .hdf5, fileExtension: "h5", bytes: bytes, relaxed: relaxed))
        }
        var cuts: Set<Int> = [0, 1, 4, 7, 8, 9, 16, 24, 40, 56, 64, 96, 136]
        cuts.formUnion(spread(40, over: h5.count))
        for cut in cuts.sorted() where cut < h5.count { add("truncated-at-\(cut)", Array(h5.prefix(cut))) }
        // Superblock and root group bytes flipped: many fields are addresses and sizes; some flips
        // land on unused bytes and leave a valid file.
        for offset in stride(from: 0, to: min(h5.count, 800), by: 16) { add("flip-\(offset)", flipped(h5, at: offset, bit: offset), relaxed: ["*"]) }
        add("signature-wrong", flipped(h5, at: 1))
        // Declared shapes forged in the dataspace messages (A and B of a split together, or one).
        let spaces = dataspaces(h5, shape: [2, CorpusBase.side, CorpusBase.side, 3])
        func forged(_ which: [Int], _ shape: [Int], maxima: [Int]? = nil) -> [UInt8] {
            var o = h5
            for index in which where index < spaces.count {
                let at = spaces[index]
                for (i, v) in shape.enumerated() { writeLE(UInt64(truncatingIfNeeded: v), &o, at: at + 8 * i) }
                for (i, v) in (maxima ?? Array(shape.dropFirst())).enumerated() { writeLE(UInt64(truncatingIfNeeded: v), &o, at: at + 8 * (5 + i)) }
            }
            return o
        }
        let all = Array(0..<spaces.count)
        let s = CorpusBase.side
        if spaces.count >= 2 {
            add("shape-2^40-pairs", forged(all, [1 << 40, s, s, 3]))
            add("shape-2^62-pairs", forged(all, [1 << 62, s, s, 3]))
            add("shape-1M-pairs", forged(all, [1 << 20, s, s, 3]))
            add("shape-65536-squared", forged(all, [2, 65536, 65536, 3]))
            add("shape-2^31-wide", forged(all, [2, 1, 1 << 31, 3]))
            add("shape-zero-height", forged(all, [2, 0, s, 3]))
            add("shape-2-channels", forged(all, [2, s, s, 2]))
            add("shape-count-mismatch", forged([0], [3, s, s, 3], maxima: [s, s, 3]))
            add("shape-size-mismatch", forged([0], [2, s / 2, s, 3], maxima: [s / 2, s, 3]))
            // libhdf5 reads extents beyond the declared maxima (missing chunks read as the fill value).
            add("shape-past-maximum", forged(all, [2, s * 2, s, 3], maxima: [s, s, 3]), relaxed: ["*"])
            // No pairs: nothing to inspect or translate, but nothing to evaluate either.
            add("shape-zero-pairs", forged(all, [0, s, s, 3]), relaxed: ["inspect", "translate"])
        }
        // Not HDF5 files.
        add("empty", [])
        add("text", Array("not HDF5\n".utf8))
        add("checkpoint-bytes", Array(base.checkpoint.prefix(4096)))
        add("signature-only", Array(h5.prefix(8)))
        add("signature-at-512-garbage", [UInt8](repeating: 0, count: 512) + Array(h5.prefix(8)) + [UInt8](repeating: 0xAB, count: 512))
        out.append(MalformedCase(name: "h5/fifo", kind: .hdf5, fileExtension: "h5", bytes: [], isFIFO: true))
        return out
    }
}
