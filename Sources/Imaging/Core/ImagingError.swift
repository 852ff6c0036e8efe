import Foundation

/// Everything that can go wrong reading, transforming or writing images and datasets.
///
/// Each case names the file (or option) at fault and says why; `description` adds a hint.
public enum ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read or written at the operating-system level.
    case io(path: String, reason: String)
    /// The file's bytes are not a valid image / dataset (corrupt, truncated, wrong magic).
    case corrupt(path: String, format: String, reason: String)
    /// A valid file of a kind or variant we do not read (e.g. CMYK JPEG, unknown extension).
    case unsupported(path: String, reason: String)
    /// An argument is outside what the operation accepts (size, channels, option value).
    case invalidArgument(operation: String, message: String)
    /// An image is smaller than a requested crop / output size.
    case imageTooSmall(path: String, width: Int, height: Int, needed: Int)
    /// An HDF5 file holds none of the layouts we know; `contents` lists what it does hold.
    case unknownLayout(path: String, contents: [String])
    /// A split ("train", "val", "test") was requested that the dataset does not have.
    case missingSplit(path: String, split: String, available: [String])
    /// A and B disagree in count or size, or a file breaks the dataset's own invariants.
    case mismatch(path: String, message: String)
    /// An HDF5 library call failed; `detail` is the library's error stack, innermost first.
    case hdf5(path: String, operation: String, detail: String)
    /// The output exists and overwriting was not requested.
    case outputExists(path: String)
    /// A dataset source (directory, package) holds no usable images.
    case noImages(path: String, hint: String)

    public var description: String {
        switch self {
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .corrupt(path, format, reason):
            return "\(path): not a readable \(format) file: \(reason) (the file is corrupt or truncated; re-export or re-download it)"
        case let .unsupported(path, reason):
            return "\(path): unsupported: \(reason)"
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        case let .imageTooSmall(path, width, height, needed):
            return "\(path): image is \(width)x\(height), smaller than the \(needed)x\(needed) crop (use a smaller --size or drop the file)"
        case let .unknownLayout(path, contents):
            let list = contents.isEmpty ? "nothing" : contents.joined(separator: "; ")
            return "\(path): no known dataset layout (expected train/A + train/B, or {train,test,val}_data_full/_data_sketch, or {train,val}_data_gen/_data_raw); it contains: \(list)"
        case let .missingSplit(path, split, available):
            return "\(path): no split '\(split)'; available: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .mismatch(path, message):
            return "\(path): \(message)"
        case let .hdf5(path, operation, detail):
            return "\(path): HDF5 \(operation) failed: \(detail)"
        case let .outputExists(path):
            return "\(path) already exists (pass --overwrite to replace it, or choose another --out)"
        case let .noImages(path, hint):
            return "\(path): no images found (\(hint))"
        }
    }
}

extension ImagingError: LocalizedError {
    public var errorDescription: String? { description }
}
