import Base
import Foundation

/// Everything that can go wrong reading or writing a `.pzck` checkpoint. Each message names the file
/// (and the tensor, when one is at fault) and ends with a hint.
public enum CheckpointError: Error, Sendable, Equatable {
    /// A system call failed (open, read, write, fsync, rename, ...).
    case io(file: String, operation: String, message: String)
    /// The file does not start with the `.pzck` magic; `detectedFormat` says what it looks like instead.
    case notACheckpoint(file: String, detectedFormat: String?)
    /// The file ends early: `size` bytes where at least `expectedSize` (when known) were needed.
    case truncated(file: String, size: Int, expectedSize: Int?, detail: String)
    /// The file is longer than its header and trailer say.
    case trailingBytes(file: String, size: Int, expectedSize: Int)
    /// Written by an incompatible (newer major) version of the format.
    case unsupportedVersion(file: String, major: Int, minor: Int)
    /// Preamble flags this reader does not know; v1 defines none.
    case unknownFlags(file: String, flags: UInt32)
    /// The declared header length exceeds the 16 MiB bound.
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    /// A CRC-32 does not match: `region` is "preamble", "header" or "chunk N" (of `tensor`).
    case checksumMismatch(file: String, tensor: String?, region: String, stored: UInt32, computed: UInt32)
    /// The header is not valid UTF-8 JSON, or lacks / mistypes a required field.
    case invalidHeader(file: String, reason: String)
    /// A tensor uses a dtype, codec or filter this reader does not know.
    case unsupportedEncoding(file: String, tensor: String, field: String, value: String)
    /// A shape with negative, non-integer or overflowing extents, or one that disagrees with the data.
    case invalidShape(file: String, tensor: String, shape: String, reason: String)
    /// A chunk entry out of range, misaligned or malformed.
    case invalidChunk(file: String, tensor: String, chunk: Int, reason: String)
    /// Two chunks claim the same bytes.
    case overlappingChunks(file: String, tensor: String, chunk: Int, otherTensor: String, otherChunk: Int)
    /// A chunk's data cannot be decoded (not one zstd frame, decoder error).
    case corruptChunk(file: String, tensor: String, chunk: Int, reason: String)
    /// A chunk decodes (or declares it decodes) to a different size than the table says.
    case sizeMismatch(file: String, tensor: String, chunk: Int, declared: Int, actual: Int)
    /// The trailer (data length + end magic) is damaged.
    case invalidTrailer(file: String, reason: String)
    /// No tensor of that name; `available` lists (some of) those present.
    case tensorNotFound(file: String, tensor: String, available: [String])
    /// Key / shape verification failed; lists every missing, unexpected and wrong-shape tensor.
    case stateMismatch(file: String, mismatch: StateMismatch, model: String)
    /// The caller asked for something impossible (duplicate names, value count ≠ shape, bad level...).
    case invalidArgument(file: String, tensor: String?, reason: String)
    /// A Q8 tensor's `quantization` object is missing, malformed, or declares a scale that is not a
    /// positive binary32 value ≤ 2^120, an axis outside the shape, a zero point outside −128…127.
    case invalidQuantization(file: String, tensor: String, reason: String)
    /// Reading would allocate more than the reader's memory budget (`bytes` of Float32 for `tensor`,
    /// or for `count` tensors together).
    case overBudget(file: String, tensor: String, count: Int, bytes: Int, budget: Int)
}

extension CheckpointError: CustomStringConvertible, LocalizedError {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case let .io(file, operation, message):
            return "\(file): \(operation) failed: \(message). Hint: check that the path exists, is a regular file, and that you may read (or write) it."
        case let .notACheckpoint(file, detected):
            if let detected {
                return "\(file): not a .pzck checkpoint — it looks like \(detected). Hint: \(ForeignFormat.hint(for: detected))"
            }
            return "\(file): not a .pzck checkpoint (the file does not start with the \\x89PZCK magic). Hint: pass a file written by Pix2PixZoo (`pix2pix train` / `pix2pix zoo publish`)."
        case let .truncated(file, size, expected, detail):
            let sizes = expected.map { "the file has \(size) bytes but its header describes \($0)" } ?? "the file has only \(size) bytes"
            return "\(file): truncated — \(detail); \(sizes). Hint: the file was cut short (interrupted copy or download, full disk); copy it again."
        case let .trailingBytes(file, size, expected):
            return "\(file): \(size - expected) unexpected bytes after the end of the checkpoint (file has \(size) bytes, the header describes \(expected)). Hint: the file was appended to or concatenated with another; copy the original again."
        case let .unsupportedVersion(file, major, minor):
            if major == 0 {
                return "\(file): format version \(major).\(minor) is not a valid .pzck version. Hint: the preamble is damaged; copy the file again."
            }
            return "\(file): written in .pzck format version \(major).\(minor); this reader understands major version \(Layout.majorVersion). Hint: upgrade Pix2PixZoo to read it, or re-export it with this version."
        case let .unknownFlags(file, flags):
            return "\(file): preamble flags 0x\(String(flags, radix: 16)) are set, but format \(Layout.majorVersion).\(Layout.minorVersion) defines none. Hint: the file needs a feature this reader lacks (upgrade Pix2PixZoo), or the preamble is damaged."
        case let .headerTooLarge(file, length, limit):
            return "\(file): header length \(length) bytes exceeds the \(limit)-byte limit. Hint: the preamble is damaged or the file is not a genuine checkpoint; refusing to allocate that much."
        case let .checksumMismatch(file, tensor, region, stored, computed):
            let what = tensor.map { "\(region) of tensor '\($0)'" } ?? region
            return "\(file): checksum mismatch in \(what) (stored 0x\(hex32(stored)), computed 0x\(hex32(computed))). Hint: the file is corrupted; copy it again from a good source."
        case let .invalidHeader(file, reason):
            return "\(file): invalid header: \(reason). Hint: the header is malformed; the file was not written by a conforming .pzck writer."
        case let .unsupportedEncoding(file, tensor, field, value):
            return "\(file): tensor '\(tensor)' has \(field) \"\(value)\", which this reader does not support (known: \(knownValues(field))). Hint: it was written by a newer Pix2PixZoo; upgrade, or convert it with `pix2pix ckpt convert`."
        case let .invalidShape(file, tensor, shape, reason):
            return "\(file): tensor '\(tensor)' has invalid shape \(shape): \(reason). Hint: the tensor table is inconsistent; the file is corrupt or hand-edited."
        case let .invalidChunk(file, tensor, chunk, reason):
            return "\(file): chunk \(chunk) of tensor '\(tensor)': \(reason). Hint: the tensor table is inconsistent; the file is corrupt or hand-edited."
        case let .overlappingChunks(file, tensor, chunk, otherTensor, otherChunk):
            return "\(file): chunk \(chunk) of tensor '\(tensor)' overlaps chunk \(otherChunk) of tensor '\(otherTensor)'. Hint: every chunk must own its bytes; the file is corrupt or hostile."
        case let .corruptChunk(file, tensor, chunk, reason):
            return "\(file): chunk \(chunk) of tensor '\(tensor)' cannot be decoded: \(reason). Hint: the data is corrupted; copy the file again."
        case let .sizeMismatch(file, tensor, chunk, declared, actual):
            return "\(file): chunk \(chunk) of tensor '\(tensor)' decompresses to \(actual) bytes, but the tensor table declares \(declared). Hint: the data is corrupted or the table was edited; copy the file again."
        case let .invalidTrailer(file, reason):
            return "\(file): invalid trailer: \(reason). Hint: the end of the file is damaged or the file was cut and padded; copy it again."
        case let .tensorNotFound(file, tensor, available):
            let list = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", … (\(available.count) in all)" : "")
            return "\(file): no tensor named '\(tensor)'. Available: \(available.isEmpty ? "none" : list). Hint: check the key, or inspect the file with `pix2pix ckpt inspect`."
        case let .stateMismatch(file, mismatch, model):
            return "\(file): the checkpoint's tensors do not match — \(mismatch)\nCheckpoint model: \(Format.shortened(model, limit: 400)). Hint: build the network the checkpoint was written for (its header names the architecture and config), or pass matching options."
        case let .invalidArgument(file, tensor, reason):
            return "\(file): \(tensor.map { "tensor '\($0)': " } ?? "")\(reason). Hint: fix what is passed to CheckpointWriter; nothing was written."
        case let .invalidQuantization(file, tensor, reason):
            return "\(file): tensor '\(tensor)' has invalid Q8 quantization: \(reason). Hint: the tensor table is inconsistent; the file is corrupt or hand-edited."
        case let .overBudget(file, tensor, count, bytes, budget):
            let what = count == 1 ? "tensor '\(tensor)'" : "\(count) tensors (the largest '\(tensor)')"
            return "\(file): reading \(what) needs \(bytes) bytes as Float32, over the \(budget)-byte memory budget; nothing was allocated. Hint: no Pix2PixZoo model holds that much — the tensor table of a damaged or hostile file (e.g. a decompression bomb) declares it; if the file is genuine, open it with a larger memoryBudget."
        }
    }

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .io(f, _, _), let .notACheckpoint(f, _), let .truncated(f, _, _, _), let .trailingBytes(f, _, _),
             let .unsupportedVersion(f, _, _), let .unknownFlags(f, _), let .headerTooLarge(f, _, _),
             let .checksumMismatch(f, _, _, _, _), let .invalidHeader(f, _), let .unsupportedEncoding(f, _, _, _),
             let .invalidShape(f, _, _, _), let .invalidChunk(f, _, _, _), let .overlappingChunks(f, _, _, _, _),
             let .corruptChunk(f, _, _, _), let .sizeMismatch(f, _, _, _, _), let .invalidTrailer(f, _),
             let .tensorNotFound(f, _, _), let .stateMismatch(f, _, _), let .invalidArgument(f, _, _),
             let .invalidQuantization(f, _, _), let .overBudget(f, _, _, _, _):
            return f
        }
    }
}

private func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

private func knownValues(_ field: String) -> String {
    switch field {
    case "dtype": return StorageType.allCases.map(\.rawValue).joined(separator: ", ")
    case "codec": return ChunkCodec.allCases.map(\.rawValue).joined(separator: ", ")
    case "filter": return ChunkFilter.allCases.map(\.rawValue).joined(separator: ", ")
    default: return "?"
    }
}
