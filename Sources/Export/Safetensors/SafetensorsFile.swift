import Base
import CKernels
import Checkpoint
import Foundation

/// A safetensors file opened for reading: the header checked, no tensor data read yet.
///
/// The format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
/// JSON — `{"__metadata__": {string: string}, NAME: {"dtype": "F32", "shape": [..],
/// "data_offsets": [BEGIN, END]}, …}` — then the data, with offsets relative to its start.
///
/// Opening checks, before anything is allocated from what the file declares: the header length
/// against ``maximumHeaderLength`` and the file size; that the header is a strict JSON object
/// (UTF-8, no duplicate names, bounded nesting); every entry's dtype, shape (non-negative,
/// overflow-checked element and byte counts) and offsets (`BEGIN ≤ END`, inside the data, the
/// byte count matching the shape); and, as the reference implementation requires, that the
/// entries tile the data exactly — no overlap, no gap, no trailing bytes. Each refusal is a
/// ``SafetensorsError`` naming the file and the tensor.
public struct SafetensorsFile {
    /// Header lengths above this are refused: 16 MiB holds hundreds of thousands of entries, and
    /// a generator has about a hundred.
    public static let maximumHeaderLength = 16 << 20

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: SafetensorsDType
        public var shape: [Int]
        /// Byte range in the data section.
        public var begin: Int
        public var end: Int
        public var elementCount: Int
    }

    /// The path, for messages.
    public let name: String
    public let fileSize: Int
    /// `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// Entries in data order.
    public let entries: [Entry]
    /// Where the data section starts in the file (8 + header length).
    public let dataStart: Int

    public init(contentsOf url: URL) throws {
        let path = url.path
        name = path
        let fd = try FileKind.openRegularFile(path, what: "safetensors file")
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.posix(path, "examine the safetensors file") }
        fileSize = Int(st.st_size)
        guard fileSize >= 8 else { throw SafetensorsError.truncated(file: path, size: fileSize) }
        let prefix = try Self.read(fd, path, offset: 0, count: 8)
        let declared = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(Self.maximumHeaderLength), declared <= UInt64(fileSize - 8) else {
            throw SafetensorsError.headerLength(file: path, declared: declared, fileSize: fileSize, limit: Self.maximumHeaderLength)
        }
        let headerLength = Int(declared)
        dataStart = 8 + headerLength
        let header = try Self.read(fd, path, offset: 8, count: headerLength)
        let parsed = try Self.parseHeader(header, file: path, dataSize: fileSize - dataStart)
        metadata = parsed.metadata
        entries = parsed.entries
    }

    /// Parses and checks a header against a data section of `dataSize` bytes.
    static func parseHeader(_ bytes: [UInt8], file: String, dataSize: Int) throws -> (metadata: [String: String], entries: [Entry]) {
        guard bytes.first == UInt8(ascii: "{") else {
            throw SafetensorsError.invalidHeader(file: file, reason: bytes.isEmpty ? "it is empty" : "it does not start with '{'")
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw SafetensorsError.invalidHeader(file: file, reason: "\(error)")
        }
        guard let object = json.objectValue else { throw SafetensorsError.invalidHeader(file: file, reason: "it is not an object") }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (key, value) in object {
            if key == "__metadata__" {
                guard let members = value.objectValue else { throw SafetensorsError.invalidMetadata(file: file, reason: "is not an object") }
                for (k, v) in members {
                    guard let s = v.stringValue else {
                        throw SafetensorsError.invalidMetadata(file: file, reason: "has the non-string value \(Format.shortened(v.serializedString(), limit: 40)) for \"\(Format.shortened(k, limit: 60))\"")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try entry(key, value, file: file, dataSize: dataSize))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        var previous: String?
        for e in entries {
            if e.begin < position { throw SafetensorsError.overlap(file: file, first: previous ?? "", second: e.name) }
            if e.begin > position { throw SafetensorsError.gap(file: file, before: e.name, offset: position) }
            position = e.end
            previous = e.name
        }
        if position < dataSize { throw SafetensorsError.trailingBytes(file: file, count: dataSize - position) }
        return (metadata, entries)
    }

    private static func entry(_ name: String, _ value: JSONValue, file: String, dataSize: Int) throws -> Entry {
        let shown = Format.shortened(name, limit: 120)
        func invalid(_ reason: String) -> SafetensorsError { .invalidEntry(file: file, tensor: shown, reason: reason) }
        guard value.objectValue != nil else { throw invalid("the entry is not an object") }
        guard let dtypeName = value["dtype"]?.stringValue else { throw invalid("\"dtype\" is missing or not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(file: file, tensor: shown, dtype: Format.shortened(dtypeName, limit: 40))
        }
        guard let dims = value["shape"]?.arrayValue else { throw invalid("\"shape\" is missing or not an array") }
        guard dims.count <= 8 else { throw invalid("rank \(dims.count) is above 8") }
        var shape: [Int] = []
        for d in dims {
            guard let n = d.intValue, n >= 0 else { throw invalid("the shape holds \(Format.shortened(d.serializedString(), limit: 30)), not a non-negative integer") }
            shape.append(n)
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= begin else {
            throw invalid("\"data_offsets\" must be [BEGIN, END] with 0 ≤ BEGIN ≤ END")
        }
        var elements = 1
        var overflow = false
        for d in shape {
            let (p, o) = elements.multipliedReportingOverflow(by: d)
            elements = p
            overflow = overflow || o
        }
        let (bytes, o2) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !o2, bytes == end - begin else {
            throw SafetensorsError.sizeMismatch(file: file, tensor: shown, shape: shape, dtype: dtype.rawValue, bytes: end - begin)
        }
        guard end <= dataSize else {
            throw SafetensorsError.offsetOutOfRange(file: file, tensor: shown, begin: begin, end: end, dataSize: dataSize)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end, elementCount: elements)
    }

    private static func read(_ fd: Int32, _ path: String, offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.posix(path, "read")
                }
                if n == 0 { throw SafetensorsError.readFailed(file: path, reason: "the file ended at byte \(offset + done) (it shrank while being read)") }
                done += n
            }
        }
        return bytes
    }

    public func entry(named tensor: String) -> Entry? { entries.first { $0.name == tensor } }

    /// A floating-point tensor's values as Float32 (F16 and BF16 widen exactly, F64 rounds to
    /// nearest). Throws ``SafetensorsError/unsupportedDType(file:tensor:dtype:)`` for integer and
    /// boolean tensors.
    public func floats(_ entry: Entry) throws -> [Float] {
        guard entry.dtype.isFloatingPoint else {
            throw SafetensorsError.unsupportedDType(file: name, tensor: entry.name, dtype: entry.dtype.rawValue)
        }
        let fd = try FileKind.openRegularFile(name, what: "safetensors file")
        defer { close(fd) }
        let raw = try Self.read(fd, name, offset: dataStart + entry.begin, count: entry.end - entry.begin)
        var values = [Float](repeating: 0, count: entry.elementCount)
        raw.withUnsafeBytes { src in
            values.withUnsafeMutableBufferPointer { dst in
                guard let out = dst.baseAddress else { return }
                switch entry.dtype {
                case .f32:
                    for i in 0..<entry.elementCount { out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .f16:
                    src.withMemoryRebound(to: UInt16.self) { ck_f16_to_f32(out, $0.baseAddress, entry.elementCount) }
                case .bf16:
                    src.withMemoryRebound(to: UInt16.self) { ck_bf16_to_f32(out, $0.baseAddress, entry.elementCount) }
                case .f64:
                    for i in 0..<entry.elementCount { out[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
                default:
                    break
                }
            }
        }
        return values
    }
}
