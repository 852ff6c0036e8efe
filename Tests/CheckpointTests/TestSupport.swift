import Base
import Checkpoint
import Foundation

enum Fixtures {
    static func normals(_ count: Int, std: Float = 0.02, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in std * rng.nextNormal() }
    }

    /// A small state dict with the awkward cases: a scalar, an empty tensor, special values.
    static func smallTensors(seed: UInt64 = 1) -> [TensorRecord] {
        var special = normals(40, seed: seed &+ 7)
        special[0] = .infinity
        special[1] = -.infinity
        special[2] = Float(bitPattern: 0x0000_02CA)  // binary32 subnormal (~1e-42)
        special[3] = 3e-6            // binary16 subnormal
        special[4] = 70_000          // beyond binary16 range
        special[5] = -0.0
        special[6] = 65504
        return [
            TensorRecord(name: "down.0.weight", shape: [8, 3, 4, 4], values: normals(384, seed: seed)),
            TensorRecord(name: "down.0.bias", shape: [8], values: normals(8, seed: seed &+ 1)),
            TensorRecord(name: "bn.running_var", shape: [8], values: normals(8, std: 0.1, seed: seed &+ 2).map { 1 + abs($0) }),
            TensorRecord(name: "step", shape: [], values: [1234]),
            TensorRecord(name: "empty", shape: [0, 5], values: []),
            TensorRecord(name: "special", shape: [5, 8], values: special),
        ]
    }

    static let model: JSONValue = [
        "generator": ["name": "unet_64", "config": ["ngf": 8, "norm": "batch", "dropout": true]],
    ]

    /// A fresh directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pzck-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func validFile(storage: StorageType = .f32, seed: UInt64 = 1) throws -> [UInt8] {
        try CheckpointWriter(storage: storage).encode(kind: .inference, model: model, tensors: smallTensors(seed: seed),
                                                      metadata: ["dataset": "facades"])
    }
}

/// Rounds like the format's BF16: nearest of the two neighbouring bfloat16 values, ties to the even one,
/// worked out by comparing distances in Double (independent of the bit trick the C kernel uses).
func referenceBF16(_ x: Float) -> Float {
    if x.isNaN || x.isInfinite { return x }
    let bits = x.bitPattern
    let low = Float(bitPattern: bits & 0xFFFF_0000)
    let high = Float(bitPattern: (bits & 0xFFFF_0000) &+ 0x1_0000)
    // Past the largest finite value the next step up is 2^128, which rounds to infinity.
    let highValue = high.isInfinite ? (high > 0 ? 0x1p128 : -0x1p128) : Double(high)
    let dLow = abs(Double(x) - Double(low)), dHigh = abs(highValue - Double(x))
    if dLow < dHigh { return low }
    if dHigh < dLow { return high }
    return (low.bitPattern >> 16) & 1 == 0 ? low : high
}

/// The float32 value a tensor stored as `storage` reads back as.
func rounded(_ x: Float, to storage: StorageType) -> Float {
    switch storage {
    case .f32: return x
    case .f16: return Float(Float16(x))
    case .bf16: return referenceBF16(x)
    case .q8: preconditionFailure("Q8 is not an elementwise rounding; see Q8Tests")
    }
}

func bitsEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// A checkpoint taken apart per the specification, to build damaged variants of it.
struct Anatomy {
    static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x43, 0x4B, 0x0D, 0x0A, 0x1A]
    static let endMagic: [UInt8] = Array("PZCKEND".utf8) + [0x1A]

    var magic = Anatomy.magic
    var major: UInt16
    var minor: UInt16
    var flags: UInt32
    var header: [UInt8]
    var data: [UInt8]
    var endMagic = Anatomy.endMagic
    /// Overrides; nil = derived correctly.
    var headerLength: UInt64?
    var headerCRC: UInt32?
    var preambleCRC: UInt32?
    var trailerDataLength: UInt64?

    init(_ file: [UInt8]) {
        func le<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(file[at + i]) << (8 * i) }
            return v
        }
        major = le(UInt16.self, 8)
        minor = le(UInt16.self, 10)
        flags = le(UInt32.self, 12)
        let length = Int(le(UInt64.self, 16))
        header = Array(file[32..<32 + length])
        let start = (32 + length + 63) / 64 * 64
        data = Array(file[start..<file.count - 16])
    }

    var headerJSON: JSONValue {
        get { try! JSONValue(parsing: header) }
        set { header = newValue.serialized() }
    }

    /// Edits a tensor table entry (by index) in the header.
    mutating func editTensor(_ index: Int, _ edit: (inout [String: JSONValue]) -> Void) {
        var root = headerJSON.objectValue!
        var table = root["tensors"]!.arrayValue!
        var row = table[index].objectValue!
        edit(&row)
        table[index] = .object(row)
        root["tensors"] = .array(table)
        headerJSON = .object(root)
    }

    mutating func editChunk(_ tensor: Int, _ chunk: Int, _ key: String, _ value: JSONValue) {
        editTensor(tensor) { row in
            var chunks = row["chunks"]!.arrayValue!
            var c = chunks[chunk].objectValue!
            c[key] = value
            chunks[chunk] = .object(c)
            row["chunks"] = .array(chunks)
        }
    }

    func tensorIndex(_ name: String) -> Int {
        headerJSON["tensors"]!.arrayValue!.firstIndex { $0["name"]?.stringValue == name }!
    }

    func chunk(_ tensor: Int, _ chunk: Int) -> (offset: Int, stored: Int, raw: Int) {
        let c = headerJSON["tensors"]![tensor]!["chunks"]![chunk]!
        return (c["offset"]!.intValue!, c["stored_length"]!.intValue!, c["raw_length"]!.intValue!)
    }

    func bytes() -> [UInt8] {
        var out = magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(major); put(minor); put(flags)
        put(headerLength ?? UInt64(header.count))
        put(headerCRC ?? Checksum.crc32(header))
        put(preambleCRC ?? Checksum.crc32(out))
        out += header
        out += [UInt8](repeating: 0, count: (32 + header.count + 63) / 64 * 64 - 32 - header.count)
        out += data
        put(trailerDataLength ?? UInt64(data.count))
        out += endMagic
        return out
    }
}

/// Opens `bytes` and loads every tensor; returns the error, if any.
func loadError(_ bytes: [UInt8]) -> (any Error)? {
    do {
        let file = try CheckpointFile(bytes: bytes, name: "crafted.pzck")
        _ = try file.allTensors()
        return nil
    } catch {
        return error
    }
}
