import CZstd
import Checkpoint
import Foundation
import Testing

/// One test per rejection, each from a crafted file: the error must be the right case, name the file
/// (and the tensor when one is at fault), and carry a hint.
@Suite struct BadInputTests {
    let valid: [UInt8]
    init() throws { valid = try Fixtures.validFile(storage: .f16) }

    func expectError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
                     _ match: (CheckpointError) -> Bool) {
        let error = loadError(bytes)
        guard let error = error as? CheckpointError else {
            Issue.record("expected a CheckpointError, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(match(error), "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == "crafted.pzck", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("crafted.pzck: ") && error.description.contains("Hint:"),
                "\(error)", sourceLocation: sourceLocation)
    }

    // MARK: Truncation and size

    @Test func truncatedInsideTheMagic() {
        expectError(Array(valid.prefix(5))) { if case .truncated = $0 { return true }; return false }
    }

    @Test func truncatedInsideThePreamble() {
        expectError(Array(valid.prefix(20))) { if case .truncated(_, 20, nil, _) = $0 { return true }; return false }
    }

    @Test func truncatedInsideTheHeader() {
        expectError(Array(valid.prefix(100))) { if case .truncated(_, 100, .some, _) = $0 { return true }; return false }
    }

    @Test func truncatedInsideTheData() {
        let n = valid.count - 100
        expectError(Array(valid.prefix(n))) {
            if case .truncated(_, n, .some(valid.count), _) = $0 { return true }
            return false
        }
    }

    @Test func trailingBytesAfterTheTrailer() {
        expectError(valid + [0, 0, 0]) {
            if case .trailingBytes(_, valid.count + 3, valid.count) = $0 { return true }
            return false
        }
    }

    @Test func truncatedFileOnDisk() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cut.pzck")
        try Data(valid.prefix(valid.count / 2)).write(to: url)
        #expect {
            _ = try CheckpointFile(contentsOf: url)
        } throws: { error in
            guard case .truncated(let file, _, _, _) = error as? CheckpointError else { return false }
            return file == url.path
        }
        #expect {
            _ = try CheckpointFile(contentsOf: dir.appendingPathComponent("missing.pzck"))
        } throws: { error in
            guard case .io(_, "open", let message) = error as? CheckpointError else { return false }
            return message.contains("No such file")
        }
        #expect { _ = try CheckpointFile(contentsOf: dir) } throws: { "\($0)".contains("not a regular file") }
    }

    // MARK: Preamble

    @Test func newerMajorVersion() {
        var a = Anatomy(valid)
        a.major = 2
        a.minor = 1
        expectError(a.bytes()) { if case .unsupportedVersion(_, 2, 1) = $0 { return true }; return false }
    }

    @Test func majorVersionZero() {
        var a = Anatomy(valid)
        a.major = 0
        expectError(a.bytes()) { if case .unsupportedVersion(_, 0, _) = $0 { return true }; return false }
    }

    @Test func unknownFlag() {
        var a = Anatomy(valid)
        a.flags = 1 << 3
        expectError(a.bytes()) { if case .unknownFlags(_, 8) = $0 { return true }; return false }
    }

    @Test func headerLengthOverTheBound() {
        var a = Anatomy(valid)
        a.headerLength = UInt64(16 << 20) + 1
        expectError(a.bytes()) { if case .headerTooLarge(_, UInt64(16 << 20) + 1, 16 << 20) = $0 { return true }; return false }
        a.headerLength = UInt64.max
        expectError(a.bytes()) { if case .headerTooLarge = $0 { return true }; return false }
    }

    @Test func headerLengthPastTheEndOfTheFile() {
        var a = Anatomy(valid)
        a.headerLength = 1 << 20
        expectError(a.bytes()) { if case .truncated(_, _, .some, _) = $0 { return true }; return false }
    }

    @Test func preambleChecksumMismatch() {
        var a = Anatomy(valid)
        a.preambleCRC = 0xDEAD_BEEF
        expectError(a.bytes()) {
            if case .checksumMismatch(_, nil, "preamble", 0xDEAD_BEEF, _) = $0 { return true }
            return false
        }
    }

    // MARK: Header

    @Test func headerChecksumMismatch() {
        var a = Anatomy(valid)
        a.headerCRC = Checksum.crc32(a.header)
        a.header[40] ^= 0x01
        expectError(a.bytes()) { if case .checksumMismatch(_, nil, "header", _, _) = $0 { return true }; return false }
    }

    @Test func headerNotUTF8() {
        var a = Anatomy(valid)
        a.header = Array(#"{"producer":"x"#.utf8) + [0xFF, 0xFE] + Array(#"","kind":"inference"}"#.utf8)
        expectError(a.bytes()) {
            if case .invalidHeader(_, let reason) = $0 { return reason.contains("UTF-8") }
            return false
        }
    }

    @Test(arguments: [
        ("{not json", "not valid UTF-8 JSON"),
        ("", "not valid UTF-8 JSON"),
        ("[1,2]", "not a JSON object"),
        (#"{"kind":"inference","model":{},"tensors":[],"data_length":0}"#, "\"producer\""),
        (#"{"producer":"p","kind":"eval","model":{},"tensors":[],"data_length":0}"#, "\"kind\""),
        (#"{"producer":"p","kind":"inference","model":[],"tensors":[],"data_length":0}"#, "\"model\""),
        (#"{"producer":"p","kind":"inference","model":{},"data_length":0}"#, "\"tensors\""),
        (#"{"producer":"p","kind":"inference","model":{},"tensors":[],"data_length":1.5}"#, "\"data_length\""),
        (#"{"producer":"p","kind":"inference","model":{},"tensors":[],"data_length":0,"metadata":3}"#, "\"metadata\""),
        (#"{"producer":"p","kind":"inference","model":{},"tensors":[],"data_length":0,"kind":"training"}"#, "duplicate key"),
    ])
    func malformedHeader(text: String, expected: String) {
        var a = Anatomy(try! CheckpointWriter().encode(kind: .inference, model: [:], tensors: []))
        a.header = Array(text.utf8)
        expectError(a.bytes()) {
            if case .invalidHeader(_, let reason) = $0 { return reason.contains(expected) }
            return false
        }
    }

    @Test func duplicateTensorNames() {
        var a = Anatomy(valid)
        a.editTensor(1) { $0["name"] = "down.0.weight" }
        expectError(a.bytes()) {
            if case .invalidHeader(_, let reason) = $0 { return reason.contains("more than once") }
            return false
        }
    }

    @Test(arguments: [("dtype", "F8"), ("codec", "lz4"), ("filter", "delta")])
    func unknownEncoding(field: String, value: String) {
        var a = Anatomy(valid)
        a.editTensor(0) { $0[field] = .string(value) }
        expectError(a.bytes()) {
            if case .unsupportedEncoding(_, "down.0.weight", field, value) = $0 { return true }
            return false
        }
    }

    @Test(arguments: [
        ([-8, 3, 4, 4] as JSONValue, "negative"),
        ([8, 3, 4, 4.5] as JSONValue, "not an integer"),
        ([8, "3", 4, 4] as JSONValue, "not an integer"),
        ([.int(1 << 40), .int(1 << 40)] as JSONValue, "overflows"),
        ([.number(JSONNumber(text: "99999999999999999999")!)] as JSONValue, "too large"),
        ([9, 3, 4, 4] as JSONValue, "the shape implies 864 bytes of F16 but the chunks hold 768"),
        ([4, 3, 4, 4] as JSONValue, "more than the 384 bytes"),
        ("8x3" as JSONValue, "must be an array"),
    ])
    func invalidShape(shape: JSONValue, expected: String) {
        var a = Anatomy(valid)
        a.editTensor(0) { $0["shape"] = shape }
        expectError(a.bytes()) {
            if case .invalidShape(_, "down.0.weight", _, let reason) = $0 { return reason.contains(expected) }
            return false
        }
    }

    // MARK: Chunk table

    @Test func chunkOutOfRange() {
        var a = Anatomy(valid)
        a.editChunk(0, 0, "offset", .int(a.data.count))
        expectError(a.bytes()) {
            if case .invalidChunk(_, "down.0.weight", 0, let r) = $0 { return r.contains("outside the") }
            return false
        }
        a.editChunk(0, 0, "offset", .int(Int.max - 63))
        expectError(a.bytes()) { if case .invalidChunk(_, "down.0.weight", 0, _) = $0 { return true }; return false }
    }

    @Test func chunkOffsetMisaligned() {
        var a = Anatomy(valid)
        a.editChunk(0, 0, "offset", 8)
        expectError(a.bytes()) {
            if case .invalidChunk(_, _, 0, let r) = $0 { return r.contains("multiple of 64") }
            return false
        }
    }

    @Test(arguments: [
        ("raw_length", JSONValue.int(5 << 20), "outside 1...4194304"),
        ("raw_length", JSONValue.int(767), "whole number of 2-byte F16"),
        ("stored_length", JSONValue.int(100_000), "stored_length 100000 is outside"),
        ("stored_length", JSONValue.int(0), "stored_length 0 is outside"),
        ("crc32", JSONValue.int(1 << 33), "32 bits"),
        ("crc32", JSONValue.int(-1), "non-negative integer"),
        ("offset", JSONValue.string("0"), "non-negative integer"),
    ])
    func malformedChunkEntry(key: String, value: JSONValue, expected: String) {
        var a = Anatomy(valid)
        a.editChunk(0, 0, key, value)
        expectError(a.bytes()) {
            if case .invalidChunk(_, "down.0.weight", 0, let r) = $0 { return r.contains(expected) }
            return false
        }
    }

    @Test func overlappingChunks() {
        var a = Anatomy(valid)
        let first = a.chunk(0, 0)
        a.editChunk(1, 0, "offset", .int(first.offset))
        expectError(a.bytes()) {
            if case .overlappingChunks(_, let t, 0, let other, 0) = $0 {
                return Set([t, other]) == ["down.0.weight", "down.0.bias"]
            }
            return false
        }
    }

    // MARK: Chunk data

    @Test func chunkChecksumMismatch() {
        var a = Anatomy(valid)
        let c = a.chunk(0, 0)
        a.data[c.offset + c.stored / 2] ^= 0x10
        expectError(a.bytes()) {
            if case .checksumMismatch(_, "down.0.weight", "chunk 0", _, _) = $0 { return true }
            return false
        }
    }

    /// Replaces chunk 0 of tensor 0 with `frame` (fixing its CRC and length, so only the frame is wrong).
    func withFrame(_ frame: [UInt8]) -> [UInt8] {
        var a = Anatomy(valid)
        let c = a.chunk(0, 0)
        precondition(frame.count <= c.stored + 40, "test frame too large for the slot")
        var data = a.data
        let end = c.offset + frame.count
        if end > data.count { data += [UInt8](repeating: 0, count: (end - data.count + 63) / 64 * 64) }
        data.replaceSubrange(c.offset..<c.offset + frame.count, with: frame)
        a.data = data
        var root = a.headerJSON.objectValue!
        root["data_length"] = .int(data.count)
        a.headerJSON = .object(root)
        a.editChunk(0, 0, "stored_length", .int(frame.count))
        a.editChunk(0, 0, "crc32", .int(Int(Checksum.crc32(frame))))
        // Move the next chunk out of the way if the new frame is longer.
        return a.bytes()
    }

    func zstdFrame(_ raw: [UInt8], contentSize: Bool = true) -> [UInt8] {
        let cctx = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, contentSize ? 1 : 0)
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(raw.count))
        let n = ZSTD_compress2(cctx, &out, out.count, raw, raw.count)
        precondition(ZSTD_isError(n) == 0)
        return Array(out.prefix(n))
    }

    @Test func decompressedSizeDiffersFromTheTable() {
        // The table says 768 raw bytes (384 F16); this frame holds 700.
        let frame = zstdFrame([UInt8](repeating: 7, count: 700))
        expectError(withFrame(frame)) {
            if case .sizeMismatch(_, "down.0.weight", 0, 768, 700) = $0 { return true }
            return false
        }
    }

    @Test func frameWithoutContentSize() {
        expectError(withFrame(zstdFrame([UInt8](repeating: 7, count: 768), contentSize: false))) {
            if case .corruptChunk(_, "down.0.weight", 0, let r) = $0 { return r.contains("does not declare") }
            return false
        }
    }

    @Test func bytesAfterTheFrame() {
        expectError(withFrame(zstdFrame([UInt8](repeating: 7, count: 768)) + [1, 2, 3])) {
            if case .corruptChunk(_, "down.0.weight", 0, let r) = $0 { return r.contains("follow the zstd frame") }
            return false
        }
    }

    @Test func notAZstdFrame() {
        expectError(withFrame([UInt8](repeating: 0xAB, count: 64))) {
            if case .corruptChunk(_, "down.0.weight", 0, let r) = $0 { return r.contains("zstd frame header") }
            return false
        }
    }

    @Test func corruptFrameBody() {
        var frame = zstdFrame((0..<768).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        frame[frame.count - 3] ^= 0xFF
        expectError(withFrame(frame)) {
            if case .corruptChunk(_, "down.0.weight", 0, _) = $0 { return true }
            if case .sizeMismatch(_, "down.0.weight", 0, _, _) = $0 { return true }
            return false
        }
    }

    // MARK: Trailer and lookup

    @Test func damagedEndMagic() {
        var a = Anatomy(valid)
        a.endMagic[3] = 0
        expectError(a.bytes()) { if case .invalidTrailer(_, let r) = $0 { return r.contains("end magic") }; return false }
    }

    @Test func trailerDisagreesWithHeader() {
        var a = Anatomy(valid)
        a.trailerDataLength = UInt64(a.data.count + 64)
        expectError(a.bytes()) { if case .invalidTrailer(_, let r) = $0 { return r.contains("records a") }; return false }
    }

    @Test func unknownTensorNameListsTheKnownOnes() throws {
        let file = try CheckpointFile(bytes: valid, name: "m.pzck")
        #expect {
            _ = try file.tensor(named: "down.0.wieght")
        } throws: { error in
            guard case .tensorNotFound("m.pzck", "down.0.wieght", let available) = error as? CheckpointError else { return false }
            return available.contains("down.0.weight") && "\(error)".contains("Available: down.0.weight, down.0.bias")
        }
    }
}
