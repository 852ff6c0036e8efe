import CKernels

/// Per-worker state for decoding chunks: read → CRC → zstd → unshuffle → widen to Float32.
/// Every buffer is sized from a chunk's validated lengths (≤ 4 MiB raw), never from frame contents.
final class ChunkDecoder {
    private let decompressor: ZstdDecompressor
    private let stored = ScratchBuffer()
    private let raw = ScratchBuffer()
    private let unshuffled = ScratchBuffer()

    init() throws { decompressor = try ZstdDecompressor() }

    /// Decodes chunk `index` of `entry` into `dst` (rawLength / itemSize floats). `firstElement` is
    /// the index of the chunk's first element in the tensor (``TensorEntry/chunkStarts``): a Q8
    /// chunk's scales depend on it.
    func decode(_ entry: TensorEntry, chunk index: Int, firstElement: Int, from source: any ByteSource, dataStart: Int,
                into dst: UnsafeMutablePointer<Float>) throws {
        let chunk = entry.chunks[index]
        let file = source.name
        let width = entry.dtype.byteWidth
        let count = chunk.rawLength / width

        let storedBytes = stored.reserve(chunk.storedLength)
        try source.read(into: UnsafeMutableRawBufferPointer(start: storedBytes, count: chunk.storedLength),
                        at: dataStart + chunk.offset)
        let crc = ck_crc32(0, storedBytes, chunk.storedLength)
        guard crc == chunk.crc32 else {
            throw CheckpointError.checksumMismatch(file: file, tensor: entry.name, region: "chunk \(index)",
                                                   stored: chunk.crc32, computed: crc)
        }

        // Where the decompressed bytes go: straight into the floats when nothing follows.
        let direct = entry.dtype == .f32 && entry.filter == .none
        var rawBytes = UnsafeRawPointer(storedBytes)
        if entry.codec == .zstd {
            let target = direct ? UnsafeMutableRawPointer(dst) : raw.reserve(chunk.rawLength)
            try decompress(storedBytes, entry: entry, index: index, file: file, into: target)
            rawBytes = UnsafeRawPointer(target)
        }

        var elements = rawBytes
        if entry.filter == .byteShuffle {
            let target = entry.dtype == .f32 ? UnsafeMutableRawPointer(dst) : unshuffled.reserve(chunk.rawLength)
            ck_byte_unshuffle(target.assumingMemoryBound(to: UInt8.self), rawBytes.assumingMemoryBound(to: UInt8.self),
                              count, width)
            elements = UnsafeRawPointer(target)
        }

        switch entry.dtype {
        case .f32:
            if elements != UnsafeRawPointer(dst) {
                UnsafeMutableRawPointer(dst).copyMemory(from: elements, byteCount: chunk.rawLength)
            }
        case .f16: ck_f16_to_f32(dst, elements.assumingMemoryBound(to: UInt16.self), count)
        case .bf16: ck_bf16_to_f32(dst, elements.assumingMemoryBound(to: UInt16.self), count)
        case .q8:
            // The header decoder guarantees the quantization of every Q8 entry.
            Q8Codec(entry.quantization!, shape: entry.shape)
                .dequantize(elements.assumingMemoryBound(to: Int8.self), count: count, first: firstElement, into: dst)
        }
    }

    private func decompress(_ src: UnsafeMutableRawPointer, entry: TensorEntry, index: Int, file: String,
                            into dst: UnsafeMutableRawPointer) throws {
        let chunk = entry.chunks[index]
        func corrupt(_ reason: String) -> CheckpointError {
            .corruptChunk(file: file, tensor: entry.name, chunk: index, reason: reason)
        }
        try ChunkDecoder.checkFrameHeader(src, entry: entry, index: index, file: file)
        guard let frame = ZstdDecompressor.frameSize(src, count: chunk.storedLength) else {
            throw corrupt("the stored bytes are not one complete zstd frame")
        }
        guard frame == chunk.storedLength else {
            throw corrupt("\(chunk.storedLength - frame) bytes follow the zstd frame inside the chunk")
        }
        let produced: Int
        do {
            produced = try decompressor.decompress(src, count: chunk.storedLength, into: dst, capacity: chunk.rawLength)
        } catch let failure as ZstdFailure {
            throw corrupt("zstd: \(failure.message)")
        }
        guard produced == chunk.rawLength else {
            throw CheckpointError.sizeMismatch(file: file, tensor: entry.name, chunk: index,
                                               declared: chunk.rawLength, actual: produced)
        }
    }

    /// Checks that a zstd chunk's frame header declares exactly the table's raw length. Needs only the
    /// first min(storedLength, 18) bytes, so a reader can run it on every chunk before allocating.
    static func checkFrameHeader(_ src: UnsafeRawPointer, entry: TensorEntry, index: Int, file: String) throws {
        let chunk = entry.chunks[index]
        switch ZstdDecompressor.declaredContentSize(src, count: min(chunk.storedLength, 18)) {
        case .invalid:
            throw CheckpointError.corruptChunk(file: file, tensor: entry.name, chunk: index,
                                               reason: "the stored bytes do not start with a valid zstd frame header")
        case .unknown:
            throw CheckpointError.corruptChunk(file: file, tensor: entry.name, chunk: index,
                                               reason: "the zstd frame does not declare its content size")
        case .known(let n):
            guard n == chunk.rawLength else {
                throw CheckpointError.sizeMismatch(file: file, tensor: entry.name, chunk: index,
                                                   declared: chunk.rawLength, actual: n)
            }
        }
    }
}
