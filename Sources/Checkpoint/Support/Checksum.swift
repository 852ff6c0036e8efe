import CKernels
import Foundation

/// The checksums the container uses, exposed for other modules (the zoo's model cards use SHA-256).
public enum Checksum {
    /// CRC-32 (ISO-HDLC: zlib, PNG, Python's `zlib.crc32`); pass a previous result to continue it.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return ck_crc32(crc, base, bytes.count)
    }

    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, continuing: crc) }
    }

    /// Incremental SHA-256 (FIPS 180-4).
    public struct SHA256 {
        private var context = ck_sha256_ctx()

        public init() { ck_sha256_init(&context) }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress else { return }
            ck_sha256_update(&context, base, bytes.count)
        }

        public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        /// The 32-byte digest. The hasher must not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBufferPointer { ck_sha256_final(&context, $0.baseAddress!) }
            return digest
        }
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// The SHA-256 of a file's contents as 64 lowercase hex digits, read in 1 MiB pieces.
    public static func sha256Hex(fileAt url: URL) throws -> String {
        let source = try FileSource(path: url.path)
        var h = SHA256()
        let piece = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: piece, alignment: 64)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < source.size {
            let n = min(piece, source.size - offset)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
            try source.read(into: part, at: offset)
            h.update(UnsafeRawBufferPointer(part))
            offset += n
        }
        return hex(h.finalize())
    }

    /// Lowercase hexadecimal.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
