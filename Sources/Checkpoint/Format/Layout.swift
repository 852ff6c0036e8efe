/// Byte-level constants of the `.pzck` container, version 1 (Docs: CheckpointFormat).
enum Layout {
    /// `\x89 P Z C K \r \n \x1A`: a high byte first (not text), CR LF and ^Z to catch text-mode mangling.
    static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x43, 0x4B, 0x0D, 0x0A, 0x1A]
    /// `P Z C K E N D \x1A`, the last 8 bytes of every file.
    static let endMagic: [UInt8] = [0x50, 0x5A, 0x43, 0x4B, 0x45, 0x4E, 0x44, 0x1A]

    static let majorVersion = 1
    /// The newest minor version this reader knows: 1.1 added the Q8 storage type. A writer writes
    /// the lowest minor version its tensors need (``StorageType/minorVersion``).
    static let minorVersion = 1

    static let preambleSize = 32
    static let trailerSize = 16
    /// Data start and every chunk offset are multiples of this.
    static let alignment = 64
    static let maximumHeaderLength = 16 << 20
    static let maximumChunkRawLength = 4 << 20

    // Preamble field offsets.
    static let majorOffset = 8
    static let minorOffset = 10
    static let flagsOffset = 12
    static let headerLengthOffset = 16
    static let headerChecksumOffset = 24
    static let preambleChecksumOffset = 28

    /// The largest stored length a zstd chunk of `raw` bytes may declare (≥ ZSTD_compressBound).
    static func maximumStoredLength(raw: Int) -> Int { raw + raw / 256 + 128 }

    /// The smallest zstd frame that can decode to `raw` bytes (RFC 8878): magic (4), frame header
    /// descriptor (1), at least one byte of window descriptor or content size, and per block (each
    /// decodes to at most 128 KiB) a 3-byte header and at least 1 byte — an RLE block. So no chunk
    /// expands more than about 31 000 times, and the bytes present bound what a table may declare.
    static func minimumStoredLength(raw: Int) -> Int { 6 + 4 * ((raw + zstdBlockMaximum - 1) / zstdBlockMaximum) }
    static let zstdBlockMaximum = 128 << 10

    static func alignUp(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Where the data area begins for a header of `headerLength` bytes.
    static func dataStart(headerLength: Int) -> Int { alignUp(preambleSize + headerLength) }
}

#if _endian(big)
#error("The .pzck reader and writer assume a little-endian host.")
#endif
