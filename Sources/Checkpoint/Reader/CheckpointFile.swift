import Base
import Foundation

/// An opened `.pzck` checkpoint: the preamble, header and trailer are read and validated on open;
/// tensor data is read on demand, chunk by chunk, each checked against its CRC-32.
///
/// Opening checks, in order: magic (naming the format when the file is something else), major
/// version, preamble checksum, flags, header length bound, header checksum, header JSON and tensor
/// table (types, shapes, chunk bounds, overlaps), file size against the header, trailer.
///
/// ```swift
/// let file = try CheckpointFile(contentsOf: url)
/// try file.verify(expected: model.parameterShapes)
/// let w = try file.tensor(named: "generator.down.0.weight")
/// ```
public final class CheckpointFile: @unchecked Sendable {  // immutable after init; the pool is locked
    /// The file path (or the name given for in-memory data), used in every error.
    public let name: String
    /// Size of the file in bytes.
    public let fileSize: Int
    public let header: CheckpointHeader
    /// Byte offset of the data area.
    let dataStart: Int
    let source: any ByteSource
    private let positions: [String: Int]
    private let pool = DecoderPool()
    /// The most Float32 bytes one read (``tensor(named:)``, ``readTensors(_:into:)``,
    /// ``allTensors()``) may allocate from what the tensor table declares, checked before anything
    /// is allocated (``CheckpointError/overBudget(file:tensor:count:bytes:budget:)``).
    public let memoryBudget: Int

    /// 4 GiB: 2^30 Float32 values, the most any registered network may hold (parameters and
    /// buffers together), so every genuine model file fits.
    public static let defaultMemoryBudget = 1 << 32

    /// Opens and validates the checkpoint at `url`.
    public convenience init(contentsOf url: URL, memoryBudget: Int = CheckpointFile.defaultMemoryBudget) throws {
        try self.init(source: FileSource(path: url.path), memoryBudget: memoryBudget)
    }

    /// Validates a checkpoint held in memory; `name` appears in error messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>", memoryBudget: Int = CheckpointFile.defaultMemoryBudget) throws {
        try self.init(source: MemorySource(name: name, bytes: bytes), memoryBudget: memoryBudget)
    }

    init(source: any ByteSource, memoryBudget: Int = CheckpointFile.defaultMemoryBudget) throws {
        self.source = source
        self.memoryBudget = memoryBudget
        name = source.name
        fileSize = source.size
        let opened = try CheckpointFile.readStructure(source)
        header = opened.header
        dataStart = opened.dataStart
        positions = Dictionary(uniqueKeysWithValues: opened.header.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor table, in file order.
    public var entries: [TensorEntry] { header.tensors }

    /// The table row for `name`, or nil.
    public func entry(named name: String) -> TensorEntry? { positions[name].map { header.tensors[$0] } }

    /// Every tensor's shape by name.
    public var shapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: header.tensors.map { ($0.name, $0.shape) })
    }

    /// Throws ``CheckpointError/stateMismatch(file:mismatch:model:)`` listing every missing, unexpected
    /// and wrong-shape tensor when the file's tensors differ from `expected` (name → shape).
    public func verify(expected: [String: [Int]]) throws {
        if let mismatch = StateMismatch(expected: expected, found: shapes) {
            var model = header.model.serializedString()
            if model.count > 300 { model = String(model.prefix(300)) + "…" }
            throw CheckpointError.stateMismatch(file: name, mismatch: mismatch, model: model)
        }
    }

    // MARK: - Opening

    private static func readStructure(_ source: any ByteSource) throws -> (header: CheckpointHeader, dataStart: Int) {
        let file = source.name
        let size = source.size
        let prefix = try source.read(count: min(size, Layout.preambleSize), at: 0)

        guard prefix.count >= Layout.magic.count, Array(prefix.prefix(Layout.magic.count)) == Layout.magic else {
            if size > 0, Layout.magic.starts(with: prefix.prefix(Layout.magic.count)) {
                throw CheckpointError.truncated(file: file, size: size, expectedSize: nil,
                                                detail: "the file ends inside the 8-byte magic")
            }
            throw CheckpointError.notACheckpoint(file: file, detectedFormat: ForeignFormat.detect(prefix: prefix, fileSize: size))
        }
        guard prefix.count == Layout.preambleSize else {
            throw CheckpointError.truncated(file: file, size: size, expectedSize: nil,
                                            detail: "the file ends inside the \(Layout.preambleSize)-byte preamble")
        }
        let major = Int(prefix.readLE(UInt16.self, at: Layout.majorOffset))
        let minor = Int(prefix.readLE(UInt16.self, at: Layout.minorOffset))
        guard major == Layout.majorVersion else {
            throw CheckpointError.unsupportedVersion(file: file, major: major, minor: minor)
        }
        let storedPreambleCRC = prefix.readLE(UInt32.self, at: Layout.preambleChecksumOffset)
        let preambleCRC = Checksum.crc32(Array(prefix[0..<Layout.preambleChecksumOffset]))
        guard storedPreambleCRC == preambleCRC else {
            throw CheckpointError.checksumMismatch(file: file, tensor: nil, region: "preamble",
                                                   stored: storedPreambleCRC, computed: preambleCRC)
        }
        let flags = prefix.readLE(UInt32.self, at: Layout.flagsOffset)
        guard flags == 0 else { throw CheckpointError.unknownFlags(file: file, flags: flags) }
        let declaredHeaderLength = prefix.readLE(UInt64.self, at: Layout.headerLengthOffset)
        guard declaredHeaderLength <= UInt64(Layout.maximumHeaderLength) else {
            throw CheckpointError.headerTooLarge(file: file, length: declaredHeaderLength, limit: Layout.maximumHeaderLength)
        }
        let headerLength = Int(declaredHeaderLength)
        let minimumSize = Layout.dataStart(headerLength: headerLength) + Layout.trailerSize
        guard size >= minimumSize else {
            throw CheckpointError.truncated(file: file, size: size, expectedSize: minimumSize,
                                            detail: "the \(headerLength)-byte header, its padding and the trailer do not fit")
        }

        let headerBytes = try source.read(count: headerLength, at: Layout.preambleSize)
        let storedHeaderCRC = prefix.readLE(UInt32.self, at: Layout.headerChecksumOffset)
        let headerCRC = Checksum.crc32(headerBytes)
        guard storedHeaderCRC == headerCRC else {
            throw CheckpointError.checksumMismatch(file: file, tensor: nil, region: "header",
                                                   stored: storedHeaderCRC, computed: headerCRC)
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: headerBytes)
        } catch let error as JSONError {
            throw CheckpointError.invalidHeader(file: file, reason: "not valid UTF-8 JSON: \(error)")
        }
        let header = try HeaderDecoder(file: file).decode(json, major: major, minor: minor)

        let dataStart = Layout.dataStart(headerLength: headerLength)
        let expectedSize = dataStart + header.dataLength + Layout.trailerSize
        guard size >= expectedSize else {
            throw CheckpointError.truncated(file: file, size: size, expectedSize: expectedSize,
                                            detail: "the data area or trailer is missing")
        }
        guard size == expectedSize else {
            throw CheckpointError.trailingBytes(file: file, size: size, expectedSize: expectedSize)
        }
        let trailer = try source.read(count: Layout.trailerSize, at: size - Layout.trailerSize)
        guard Array(trailer[8..<16]) == Layout.endMagic else {
            throw CheckpointError.invalidTrailer(file: file, reason: "the end magic PZCKEND\\x1A is missing")
        }
        let trailerLength = trailer.readLE(UInt64.self, at: 0)
        guard trailerLength == UInt64(header.dataLength) else {
            throw CheckpointError.invalidTrailer(
                file: file, reason: "it records a \(trailerLength)-byte data area, the header \(header.dataLength) bytes")
        }
        return (header, dataStart)
    }

    // MARK: - Decoder reuse

    func withDecoders<R>(_ count: Int, _ body: ([ChunkDecoder]) throws -> R) throws -> R {
        let decoders: [ChunkDecoder]
        do {
            decoders = try pool.take(count)
        } catch let failure as ZstdFailure {
            throw CheckpointError.io(file: name, operation: "zstd setup", message: failure.message)
        }
        defer { pool.give(decoders) }
        return try body(decoders)
    }
}

/// Keeps chunk decoders (zstd contexts and scratch buffers) between calls.
final class DecoderPool: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var idle: [ChunkDecoder] = []

    func take(_ count: Int) throws -> [ChunkDecoder] {
        lock.lock()
        let reused = Array(idle.suffix(count))
        idle.removeLast(reused.count)
        lock.unlock()
        return try reused + (0..<(count - reused.count)).map { _ in try ChunkDecoder() }
    }

    func give(_ decoders: [ChunkDecoder]) {
        lock.lock()
        idle.append(contentsOf: decoders)
        if idle.count > 8 { idle.removeFirst(idle.count - 8) }
        lock.unlock()
    }
}
