import CZstd

/// Thin owners of zstd contexts. One per worker; never shared between threads.
final class ZstdCompressor {
    private let context: OpaquePointer

    /// Deterministic settings: the level, content size in every frame, no frame checksum (chunks
    /// carry a CRC-32), no dictionary id, single-threaded.
    init(level: Int) throws {
        guard let c = ZSTD_createCCtx() else { throw ZstdFailure(message: "cannot allocate a compression context") }
        context = c
        try check(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, Int32(level)))
        try check(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1))
        try check(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0))
        try check(ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0))
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `count` bytes into `dst` (capacity at least `ZstdCompressor.bound(count)`); returns the frame size.
    func compress(_ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        let r = ZSTD_compress2(context, dst, capacity, src, count)
        try check(r)
        return r
    }

    static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    static var levels: ClosedRange<Int> { Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel()) }
}

final class ZstdDecompressor {
    private let context: OpaquePointer

    init() throws {
        guard let d = ZSTD_createDCtx() else { throw ZstdFailure(message: "cannot allocate a decompression context") }
        context = d
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses one frame into exactly `capacity` bytes at most; returns the bytes produced.
    func decompress(_ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        let r = ZSTD_decompressDCtx(context, dst, capacity, src, count)
        try check(r)
        return r
    }

    enum FrameSize { case known(Int), unknown, invalid }

    /// The content size a frame header declares (reads at most the first 18 bytes).
    static func declaredContentSize(_ src: UnsafeRawPointer, count: Int) -> FrameSize {
        let r = ZSTD_getFrameContentSize(src, count)
        if r == ZSTD_CONTENTSIZE_ERROR { return .invalid }
        if r == ZSTD_CONTENTSIZE_UNKNOWN { return .unknown }
        return r > UInt64(Int.max) ? .invalid : .known(Int(r))
    }

    /// The size of the first frame in `src`, or nil when it is not a complete frame.
    static func frameSize(_ src: UnsafeRawPointer, count: Int) -> Int? {
        let r = ZSTD_findFrameCompressedSize(src, count)
        return ZSTD_isError(r) != 0 ? nil : r
    }
}

struct ZstdFailure: Error {
    let message: String
}

private func check(_ code: Int) throws {
    if ZSTD_isError(code) != 0 { throw ZstdFailure(message: String(cString: ZSTD_getErrorName(code))) }
}
