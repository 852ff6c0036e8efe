/// One chunk of a tensor's data, as the header's tensor table describes it.
public struct ChunkEntry: Sendable, Hashable {
    /// Byte offset from the start of the data area (a multiple of 64).
    public var offset: Int
    /// Bytes occupied in the file (the zstd frame, or the raw bytes for codec `none`).
    public var storedLength: Int
    /// Bytes after decompression: a whole number of elements, at most 4 MiB.
    public var rawLength: Int
    /// CRC-32 (ISO-HDLC, as zlib) of the stored bytes.
    public var crc32: UInt32

    public init(offset: Int, storedLength: Int, rawLength: Int, crc32: UInt32) {
        self.offset = offset
        self.storedLength = storedLength
        self.rawLength = rawLength
        self.crc32 = crc32
    }
}

/// One row of the tensor table.
public struct TensorEntry: Sendable, Hashable {
    public var name: String
    public var dtype: StorageType
    public var shape: [Int]
    public var codec: ChunkCodec
    public var filter: ChunkFilter
    /// In element order: concatenated, the decoded chunks give the row-major elements.
    public var chunks: [ChunkEntry]
    /// How the int8 elements map to Float32; present exactly when `dtype` is Q8.
    public var quantization: Quantization?

    public init(name: String, dtype: StorageType, shape: [Int], codec: ChunkCodec, filter: ChunkFilter, chunks: [ChunkEntry],
                quantization: Quantization? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.codec = codec
        self.filter = filter
        self.chunks = chunks
        self.quantization = quantization
    }

    /// The product of `shape` (0 for an empty tensor, whatever its other extents). The reader refuses
    /// shapes whose product overflows, so for a table read from a file this is exact; for an entry
    /// built by hand with such a shape it is `Int.max`.
    public var elementCount: Int { Checkpoint.elementCount(of: shape) ?? .max }
    /// Bytes of the elements in their storage type.
    public var rawByteCount: Int { chunks.reduce(0) { $0 + $1.rawLength } }
    /// Bytes the tensor occupies in the file (without alignment padding).
    public var storedByteCount: Int { chunks.reduce(0) { $0 + $1.storedLength } }
    /// The index of the first element of each chunk.
    var chunkStarts: [Int] {
        var starts: [Int] = []
        starts.reserveCapacity(chunks.count)
        var element = 0
        for chunk in chunks {
            starts.append(element)
            element += chunk.rawLength / dtype.byteWidth
        }
        return starts
    }
}

/// The parsed, validated header of a checkpoint.
public struct CheckpointHeader: Sendable, Equatable {
    /// Format version from the preamble (major is always 1 for files this reader opens).
    public var majorVersion: Int
    public var minorVersion: Int
    /// Who wrote the file, e.g. `"Pix2PixZoo 0.1"`.
    public var producer: String
    public var kind: CheckpointKind
    /// The architecture description, opaque to this module (the registry fills it).
    public var model: JSONValue
    /// Free-form caller metadata.
    public var metadata: [String: JSONValue]
    /// Extra caller sections by name, e.g. `"training"`: step, epoch, RNG state, optimizer settings.
    public var sections: [String: JSONValue]
    /// The tensor table, in file order.
    public var tensors: [TensorEntry]
    /// Length of the data area in bytes.
    public var dataLength: Int
    /// The whole header object as stored, including fields this version does not know.
    public var json: JSONValue
}
