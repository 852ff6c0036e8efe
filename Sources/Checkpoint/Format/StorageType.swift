/// How tensor elements are stored on disk. Tensors are always Float32 in memory; narrower types are
/// rounded to nearest, ties to even, when written and widened exactly when read.
public enum StorageType: String, Sendable, CaseIterable, Codable {
    /// IEEE binary32, bit-exact.
    case f32 = "F32"
    /// IEEE binary16: 11-bit significand, range ±65504 (larger values become infinity), subnormals
    /// below 6.1e-5. Relative error ≤ 2⁻¹¹ on normal values.
    case f16 = "F16"
    /// bfloat16: the top 16 bits of a binary32 (same range, 8-bit significand, relative error ≤ 2⁻⁸).
    case bf16 = "BF16"

    /// Bytes per element on disk.
    public var byteWidth: Int { self == .f32 ? 4 : 2 }
}

/// What a checkpoint holds: a generator for inference, or everything needed to resume training.
public enum CheckpointKind: String, Sendable, CaseIterable, Codable {
    case inference
    case training
}

/// The compression applied to each chunk.
public enum ChunkCodec: String, Sendable, CaseIterable, Codable {
    /// One zstd frame (RFC 8878) per chunk, declaring its content size.
    case zstd
    /// Stored as is.
    case none
}

/// The reversible transform applied to a chunk's raw bytes before compression.
public enum ChunkFilter: String, Sendable, CaseIterable, Codable {
    /// Byte planes: all first bytes of the elements, then all second bytes, ... (see the spec).
    case byteShuffle = "byteshuffle"
    case none
}
