import Base
import Foundation

/// The size and channel count of an image file, from its header only.
public struct ImageInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Channels after normalisation (1 for gray files, 3 otherwise).
    public var channels: Int
    /// "PNG" or "JPEG".
    public var format: String
}

/// An output format for `Image.write(to:format:)`.
public enum ImageFileFormat: Sendable, Equatable {
    case png
    /// quality 1...100 (95 is a good default), chroma subsampling.
    case jpeg(quality: Int, subsampling: JPEGSubsampling)

    /// PNG for ".png", JPEG (quality 95, 4:4:4) for ".jpg" / ".jpeg"; nil otherwise.
    public static func forPath(_ path: String) -> ImageFileFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg(quality: 95, subsampling: .s444)
        default: return nil
        }
    }
}

/// File extensions (lower case) that `Image.read` and the dataset readers pick up.
public let imageFileExtensions: Set<String> = ["png", "jpg", "jpeg"]

extension Image {
    /// Reads a PNG or JPEG file (detected from its first bytes, not its name).
    ///
    /// PNG: 1/2/4/8/16-bit gray, gray + alpha, RGB, RGBA and palette files are accepted; the result
    /// is 8-bit gray or RGB, 16-bit samples scaled by 1/257, alpha dropped (not composited).
    /// JPEG: gray or YCbCr (RGB) files; CMYK is rejected. EXIF orientation is ignored.
    ///
    /// The size the header declares is checked against `budget` before any pixel memory is
    /// allocated (see ``PixelBudget``).
    /// - Throws: `ImagingError.io` (cannot read), `.corrupt` (bad or truncated data),
    ///   `.unsupported` (neither PNG nor JPEG, or a variant we do not decode), `.overBudget`
    ///   (the header declares more pixels than `budget`).
    public static func read(from url: URL, budget: PixelBudget = .default) throws -> Image {
        try read(path: url.path, budget: budget)
    }

    public static func read(path: String, budget: PixelBudget = .default) throws -> Image {
        let bytes = try FileIO.readAll(path)
        return try decode(bytes, name: path, budget: budget)
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String, budget: PixelBudget = .default) throws -> Image {
        try bytes.withUnsafeBytes { raw in
            switch try sniff(raw, name: name) {
            case .png: return try PNGCodec.decode(raw, path: name, budget: budget)
            case .jpeg: return try JPEGCodec.decode(raw, path: name, budget: budget)
            }
        }
    }

    /// Reads only the header of a PNG or JPEG file.
    public static func readInfo(path: String) throws -> ImageInfo {
        try info(of: try FileIO.readAll(path), name: path)
    }

    /// The header of PNG or JPEG bytes, without decoding a pixel: what a server checks against its
    /// pixel budget before it queues an upload for decoding. `name` is used in error messages.
    public static func info(of bytes: [UInt8], name: String) throws -> ImageInfo {
        try bytes.withUnsafeBytes { raw in
            switch try sniff(raw, name: name) {
            case .png: return try PNGCodec.info(raw, path: name)
            case .jpeg: return try JPEGCodec.info(raw, path: name)
            }
        }
    }

    private enum Kind { case png, jpeg }

    private static func sniff(_ raw: UnsafeRawBufferPointer, name: String) throws -> Kind {
        if raw.count >= 8, PNGCodec.signature.elementsEqual(raw[0..<8]) { return .png }
        if raw.count >= 3, raw[0] == 0xFF, raw[1] == 0xD8, raw[2] == 0xFF { return .jpeg }
        let ext = URL(fileURLWithPath: name).pathExtension.lowercased()
        let head = raw.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        if raw.isEmpty {
            throw ImagingError.corrupt(path: name, format: ext == "png" ? "PNG" : (ext.isEmpty ? "image" : "JPEG"),
                                       reason: "the file is empty")
        }
        if ext == "png" {
            throw ImagingError.corrupt(path: name, format: "PNG", reason: "missing the PNG signature (first bytes: \(head))")
        }
        if ext == "jpg" || ext == "jpeg" {
            throw ImagingError.corrupt(path: name, format: "JPEG", reason: "missing the JPEG start-of-image marker (first bytes: \(head))")
        }
        throw ImagingError.unsupported(path: name, reason: "neither PNG nor JPEG (first bytes: \(head)); only PNG and JPEG are read")
    }

    /// PNG bytes (8-bit gray or RGB).
    public func pngData() throws -> [UInt8] {
        try PNGCodec.encode(self, path: "<memory>")
    }

    /// JPEG bytes; gray images are written as one-channel JPEGs.
    public func jpegData(quality: Int = 95, subsampling: JPEGSubsampling = .s444) throws -> [UInt8] {
        try JPEGCodec.encode(self, quality: quality, subsampling: subsampling, path: "<memory>")
    }

    /// Writes the image atomically (temporary file in the same directory, fsync, rename).
    /// `format` nil picks it from the extension (.png / .jpg / .jpeg).
    public func write(to url: URL, format: ImageFileFormat? = nil) throws {
        try write(path: url.path, format: format)
    }

    public func write(path: String, format: ImageFileFormat? = nil) throws {
        guard let chosen = format ?? ImageFileFormat.forPath(path) else {
            throw ImagingError.unsupported(path: path, reason: "cannot tell the image format from the extension; use .png, .jpg or .jpeg")
        }
        let bytes: [UInt8]
        switch chosen {
        case .png: bytes = try PNGCodec.encode(self, path: path)
        case let .jpeg(quality, subsampling): bytes = try JPEGCodec.encode(self, quality: quality, subsampling: subsampling, path: path)
        }
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
    }
}
