import Base
import Foundation

/// Why a safetensors file was refused. Every case names the file; the reader checks the whole
/// header (length, JSON, every entry's dtype, shape and offsets) before it reads any tensor data.
public enum SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Shorter than the 8-byte header length.
    case truncated(file: String, size: Int)
    /// The header length is larger than the limit or than the file.
    case headerLength(file: String, declared: UInt64, fileSize: Int, limit: Int)
    /// The header is not a JSON object (or not UTF-8).
    case invalidHeader(file: String, reason: String)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(file: String, reason: String)
    /// A tensor entry lacks a field or has one of the wrong type or value.
    case invalidEntry(file: String, tensor: String, reason: String)
    /// A dtype the format does not define.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// The shape's byte size is not the byte range the offsets give (or overflows).
    case sizeMismatch(file: String, tensor: String, shape: [Int], dtype: String, bytes: Int)
    /// The byte range lies outside the data that follows the header.
    case offsetOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlap(file: String, first: String, second: String)
    /// Bytes between tensors (or before the first) that no tensor covers.
    case gap(file: String, before: String, offset: Int)
    /// Bytes after the last tensor.
    case trailingBytes(file: String, count: Int)
    /// The tensor is in a dtype that cannot become a float weight.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// No tensor of that name.
    case missingTensor(file: String, tensor: String)
    /// Reading the file failed.
    case readFailed(file: String, reason: String)
    /// No architecture was given and the file's metadata declares none.
    case noArchitecture(file: String)
    /// The tensors are not the state dict of the architecture.
    case stateMismatch(file: String, mismatch: StateMismatch, architecture: String)
    /// A weight holds NaN or an infinity (first at `index`).
    case nonFinite(file: String, tensor: String, index: Int)

    public var description: String {
        let hint = "Hint: the file is damaged or was not written by a safetensors writer; re-export it from the original model."
        switch self {
        case let .truncated(file, size):
            return "\(file): \(size) bytes, shorter than the 8-byte safetensors header length. \(hint)"
        case let .headerLength(file, declared, fileSize, limit):
            return "\(file): the header length \(declared) exceeds \(declared > UInt64(limit) ? "the limit of \(limit) bytes" : "the file (\(fileSize) bytes)"). \(hint)"
        case let .invalidHeader(file, reason):
            return "\(file): the safetensors header is not a JSON object: \(reason). \(hint)"
        case let .invalidMetadata(file, reason):
            return "\(file): __metadata__ \(reason) (the format allows only string values). \(hint)"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason). \(hint)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype \"\(dtype)\", which safetensors does not define. \(hint)"
        case let .sizeMismatch(file, tensor, shape, dtype, bytes):
            return "\(file): tensor '\(tensor)': shape \(shape) of \(dtype) does not fill its \(bytes)-byte range. \(hint)"
        case let .offsetOutOfRange(file, tensor, begin, end, dataSize):
            return "\(file): tensor '\(tensor)': bytes \(begin)..<\(end) lie outside the \(dataSize) data bytes. \(hint)"
        case let .overlap(file, first, second):
            return "\(file): tensors '\(first)' and '\(second)' share bytes. \(hint)"
        case let .gap(file, before, offset):
            return "\(file): no tensor covers the data bytes from \(offset) up to tensor '\(before)'. \(hint)"
        case let .trailingBytes(file, count):
            return "\(file): \(count) bytes follow the last tensor. \(hint)"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' is \(dtype); weights must be F32, F16, BF16 or F64. Hint: convert the state dict to floating point before saving it."
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'."
        case let .readFailed(file, reason):
            return "\(file): cannot read: \(reason)."
        case let .noArchitecture(file):
            return "\(file): the file does not say which network its tensors belong to (no \(ExportMetadata.architectureKey) metadata). Hint: name it, e.g. --generator unet_256 --g norm=instance --g input_channels=1 (the reference's --netG, --norm, --input_nc)."
        case let .stateMismatch(file, mismatch, architecture):
            return "\(file): the tensors are not the state dict of \(architecture): \(mismatch)\nHint: check --generator and the --g keys (depth, ngf, norm, input_channels, output_channels) against how the model was trained."
        case let .nonFinite(file, tensor, index):
            return "\(file): tensor '\(tensor)' holds NaN or an infinity (element \(index)). Hint: the weights diverged or the file was altered; use another copy."
        }
    }
}
