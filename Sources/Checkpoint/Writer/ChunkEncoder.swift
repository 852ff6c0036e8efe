import CKernels

/// One chunk as stored: its bytes and table entry fields (the offset is assigned at layout time).
struct EncodedChunk {
    var bytes: [UInt8]
    var rawLength: Int
    var crc32: UInt32
}

/// Per-worker state for encoding chunks: convert → shuffle → compress → CRC.
final class ChunkEncoder {
    let shuffle: Bool
    private let compressor: ZstdCompressor?
    private let converted = ScratchBuffer()
    private let shuffled = ScratchBuffer()
    private let compressed = ScratchBuffer()

    init(shuffle: Bool, level: Int?) throws {
        self.shuffle = shuffle
        compressor = try level.map { try ZstdCompressor(level: $0) }
    }

    /// Elements per chunk: 4 MiB of the storage type.
    static func elementsPerChunk(_ dtype: StorageType) -> Int { Layout.maximumChunkRawLength / dtype.byteWidth }

    /// Converts, shuffles (for types wider than a byte), compresses and checksums `count` values.
    /// For Q8, `quantizer` holds the tensor's scales and `first` is the index of `values[0]` in the
    /// tensor (it picks the channel's scale).
    func encode(_ values: UnsafePointer<Float>, count: Int, as dtype: StorageType, quantizer: Q8Codec? = nil,
                first: Int = 0) throws -> EncodedChunk {
        let rawLength = count * dtype.byteWidth
        var raw = UnsafeRawPointer(values)
        switch dtype {
        case .f32: break
        case .f16:
            let dst = converted.reserve(rawLength).assumingMemoryBound(to: UInt16.self)
            ck_f32_to_f16(dst, values, count)
            raw = UnsafeRawPointer(dst)
        case .bf16:
            let dst = converted.reserve(rawLength).assumingMemoryBound(to: UInt16.self)
            ck_f32_to_bf16(dst, values, count)
            raw = UnsafeRawPointer(dst)
        case .q8:
            let dst = converted.reserve(rawLength).assumingMemoryBound(to: Int8.self)
            quantizer!.quantize(values, count: count, first: first, into: dst)
            raw = UnsafeRawPointer(dst)
        }
        if shuffle && dtype.byteWidth > 1 {
            let dst = shuffled.reserve(rawLength)
            ck_byte_shuffle(dst.assumingMemoryBound(to: UInt8.self), raw.assumingMemoryBound(to: UInt8.self),
                            count, dtype.byteWidth)
            raw = UnsafeRawPointer(dst)
        }
        var stored = raw
        var storedLength = rawLength
        if let compressor {
            let capacity = ZstdCompressor.bound(rawLength)
            let dst = compressed.reserve(capacity)
            storedLength = try compressor.compress(raw, count: rawLength, into: dst, capacity: capacity)
            stored = UnsafeRawPointer(dst)
        }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: stored, count: storedLength))
        return EncodedChunk(bytes: bytes, rawLength: rawLength, crc32: ck_crc32(0, stored, storedLength))
    }
}
