import Base
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
    /// A file declares an image larger than the pixel budget (`PixelBudget`); nothing was
    /// allocated. `what` names the declaring header or dataset.
    case overBudget(path: String, what: String, width: Int, height: Int, channels: Int, maxPixels: Int)
    /// An HDF5 dataset declares more data than the file can hold (`declaredBytes` uncompressed
    /// against `availableBytes`, the file's size or the library's storage size times the largest
    /// compression ratio); nothing was read.
    case declaredTooLarge(path: String, dataset: String, shape: [Int], declaredBytes: Int?, availableBytes: Int, reason: String)
    /// Float input data holds NaN or ±infinity; `split`/`index` name the first pair affected.
    case nonFinite(path: String, dataset: String, split: String, index: Int, nan: Int, infinite: Int)

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
            let full = detail.contains("No space left on device") || detail.contains("errno = 28")
            let quota = detail.contains("Disk quota exceeded") || detail.contains("File too large")
            let hint = full || quota ? "the disk is full (or a size limit was hit): free space or write elsewhere; the unfinished file was removed"
                                     : "check that the disk is writable and healthy; if the file is being read, it may be damaged"
            return "\(path): HDF5 \(operation) failed: \(detail). Hint: \(hint)"
        case let .outputExists(path):
            return "\(path) already exists (pass --overwrite to replace it, or choose another --out)"
        case let .noImages(path, hint):
            return "\(path): no images found (\(hint))"
        case let .overBudget(path, what, width, height, channels, maxPixels):
            let pixels = PixelBudget.pixelCount(width: width, height: height)
            let size = pixels.map { "\(PixelBudget.megapixels($0)) MP" } ?? "an overflowing pixel count"
            let decoded = pixels.flatMap { p -> String? in
                let (b, overflow) = p.multipliedReportingOverflow(by: max(1, channels))
                return overflow ? nil : ", \(Format.bytes(b)) decoded"
            } ?? ""
            return "\(path): the \(what) declares \(width)x\(height) pixels x \(channels) channel(s) (\(size)\(decoded)), over the pixel budget of \(PixelBudget.megapixels(maxPixels)) MP; nothing was allocated. Hint: a small file declaring a huge size is damaged or a decompression bomb; if the image is genuine, downscale it or raise the budget with --max-megapixels (PixelBudget in the library)"
        case let .declaredTooLarge(path, dataset, shape, declaredBytes, availableBytes, reason):
            let declared = declaredBytes.map(Format.bytes) ?? "more than 2^63 bytes"
            return "\(path): dataset '\(dataset)' declares shape \(shape.map(String.init).joined(separator: "x")) (\(declared)) but \(reason) \(Format.bytes(availableBytes)); nothing was read. Hint: the file is truncated, damaged or forged; re-create it (e.g. with `pix2pix data build`)"
        case let .nonFinite(path, dataset, split, index, nan, infinite):
            return "\(path): split '\(split)' pair \(index) ('\(dataset)') holds \(nan) NaN and \(infinite) infinite value(s); pix2pix needs finite pixel values. Hint: fix or drop the pair at its source; `pix2pix data inspect` counts NaN and infinite values per split"
        }
    }
}

extension ImagingError: LocalizedError {
    public var errorDescription: String? { description }
}
