/// How tensor elements are stored on disk. Tensors are always Float32 in memory; narrower types are
/// rounded to nearest, ties to even, when written and widened exactly when read. `Q8` stores 8-bit
/// integers with scales (``Quantization``) and is dequantised to Float32 when read.
public enum StorageType: String, Sendable, CaseIterable, Codable {
    /// IEEE binary32, bit-exact.
    case f32 = "F32"
    /// IEEE binary16: 11-bit significand, range ±65504 (larger values become infinity), subnormals
    /// below 6.1e-5. Relative error ≤ 2⁻¹¹ on normal values.
    case f16 = "F16"
    /// bfloat16: the top 16 bits of a binary32 (same range, 8-bit significand, relative error ≤ 2⁻⁸).
    case bf16 = "BF16"
    /// 8-bit integers with Float32 scales (format 1.1): per output channel and symmetric for
    /// weights with a channel axis, per tensor and affine otherwise (``Quantization``). Tensors of
    /// rank 0 or 1 (biases, batch-norm parameters and statistics) and empty tensors are stored as
    /// F32 when Q8 is asked for. Error ≤ half a scale step per element.
    case q8 = "Q8"

    /// Bytes per element on disk.
    public var byteWidth: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q8: return 1
        }
    }

    /// The type a tensor of `shape` is stored as when `self` is asked for: Q8 applies to non-empty
    /// tensors of rank ≥ 2 only; the others are stored as F32.
    public func effective(forShape shape: [Int]) -> StorageType {
        guard self == .q8 else { return self }
        return shape.count >= 2 && !shape.contains(0) ? .q8 : .f32
    }

    /// The format minor version that introduced this type (a writer writes the highest one its
    /// tensors need, so files without Q8 stay byte-identical to version 1.0's).
    var minorVersion: Int { self == .q8 ? 1 : 0 }
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
