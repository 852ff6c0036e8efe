import CKernels

/// An 8-bit image with 1 (gray) or 3 (RGB) channels, stored interleaved HWC, row-major, no padding:
/// the byte for (x, y, channel) is `pixels[(y * width + x) * channels + channel]`.
///
/// `Image` is a value type; transforms return new images. PNG / JPEG files of other kinds
/// (16-bit, gray + alpha, RGBA, palette) are normalised to this form when read (see `Image.read`).
public struct Image: Sendable, Equatable, Hashable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    /// `width * height * channels` bytes, HWC.
    public private(set) var pixels: [UInt8]

    /// Wraps existing bytes. Throws when the byte count does not match the shape or the shape is
    /// not a non-empty 1- or 3-channel image.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        try Image.checkShape(width: width, height: height, channels: channels, operation: "Image(width:height:channels:pixels:)")
        guard pixels.count == width * height * channels else {
            throw ImagingError.invalidArgument(
                operation: "Image(width:height:channels:pixels:)",
                message: "\(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A uniform image.
    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "Image(width:height:channels:fill:) needs a positive size and 1 or 3 channels, got \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = [UInt8](repeating: fill, count: width * height * channels)
    }

    /// Builds an image by letting `body` fill every byte (HWC).
    public init(width: Int, height: Int, channels: Int,
                initializingWith body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) rethrows {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "Image(width:height:channels:initializingWith:) needs a positive size and 1 or 3 channels, got \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        let count = width * height * channels
        self.pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(buffer)
            initialized = count
        }
    }

    static func checkShape(width: Int, height: Int, channels: Int, operation: String) throws {
        guard width > 0, height > 0 else {
            throw ImagingError.invalidArgument(operation: operation, message: "size must be positive, got \(width)x\(height)")
        }
        guard channels == 1 || channels == 3 else {
            throw ImagingError.invalidArgument(operation: operation, message: "channels must be 1 (gray) or 3 (RGB), got \(channels)")
        }
    }

    /// Number of bytes (`width * height * channels`).
    public var count: Int { pixels.count }

    /// The byte at (x, y) in `channel`. Convenient for tests; loops should use `withUnsafeBytes`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                         "pixel (\(x), \(y), c\(channel)) outside \(width)x\(height)x\(channels)")
            return pixels[(y * width + x) * channels + channel]
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                         "pixel (\(x), \(y), c\(channel)) outside \(width)x\(height)x\(channels)")
            pixels[(y * width + x) * channels + channel] = newValue
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try pixels.withUnsafeBufferPointer(body)
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try pixels.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Mean and population standard deviation over all bytes (all channels pooled).
    public var meanAndStandardDeviation: (mean: Double, std: Double) {
        var mean = 0.0, std = 0.0
        pixels.withUnsafeBufferPointer { ck_img_mean_std($0.baseAddress!, $0.count, &mean, &std) }
        return (mean, std)
    }
}

extension Image: CustomStringConvertible {
    public var description: String { "Image(\(width)x\(height), \(channels == 1 ? "gray" : "RGB"))" }
}

/// A float image (HWC, 1 or 3 channels), the model-side view of an `Image`. Values are nominally in
/// [-1, 1] (`Image` byte b maps to b / 127.5 - 1), the range pix2pix generators produce with tanh.
public struct FloatImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `width * height * channels` floats, HWC.
    public var values: [Float]

    public init(width: Int, height: Int, channels: Int, values: [Float]) throws {
        try Image.checkShape(width: width, height: height, channels: channels, operation: "FloatImage")
        guard values.count == width * height * channels else {
            throw ImagingError.invalidArgument(
                operation: "FloatImage", message: "\(width)x\(height)x\(channels) needs \(width * height * channels) values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.values = values
    }

    /// Maps bytes to [-1, 1].
    public init(_ image: Image) {
        width = image.width
        height = image.height
        channels = image.channels
        values = image.unitFloats()
    }

    /// Back to bytes: round((v + 1) * 127.5), clamped to [0, 255].
    public func image() -> Image {
        Image(width: width, height: height, channels: channels) { out in
            values.withUnsafeBufferPointer { ck_img_unit_to_u8($0.baseAddress!, out.baseAddress!, $0.count) }
        }
    }
}
