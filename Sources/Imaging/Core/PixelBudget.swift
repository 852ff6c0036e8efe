import Base

/// The largest image the readers accept, checked against what a file *declares* (a PNG's IHDR, a
/// JPEG's SOF, an HDF5 dataset's extent) before any pixel memory is allocated, so a small file
/// declaring a huge size (a decompression bomb) is refused in microseconds instead of exhausting
/// memory.
///
/// The default, 2^27 pixels (134 MP, e.g. 16384 × 8192; a 64 MP photo fits twice), keeps
/// `pix2pix translate` within a 4 GiB memory budget: a decoded image costs at most 4 bytes per
/// pixel (RGBA PNG), the translator keeps the input, its padded copy and the output (about 7–10
/// bytes per pixel in all) and runs the network on fixed-size tiles (see `Translator`), whose
/// activations do not grow with the image.
public struct PixelBudget: Sendable, Equatable, CustomStringConvertible {
    /// Largest accepted width × height.
    public let maxPixels: Int

    /// The memory `pix2pix translate` stays within at the default budget (documentation and tests).
    public static let statedMemoryBytes = 4 << 30

    /// 2^27 pixels.
    public static let `default` = PixelBudget(uncheckedMaxPixels: 1 << 27)

    /// The largest budget accepted (2^40 pixels): far beyond any real image, small enough that
    /// width × height × channels × 4 bytes cannot overflow.
    public static let largest = 1 << 40

    /// - Throws: `ImagingError.invalidArgument` unless 1 ≤ `maxPixels` ≤ 2^40.
    public init(maxPixels: Int) throws {
        guard maxPixels >= 1, maxPixels <= Self.largest else {
            throw ImagingError.invalidArgument(operation: "PixelBudget",
                                               message: "the pixel budget must be 1…\(Format.grouped(Self.largest)) pixels, got \(maxPixels)")
        }
        self.maxPixels = maxPixels
    }

    /// A budget in megapixels (10^6 pixels); what `--max-megapixels` takes.
    public init(megapixels: Double) throws {
        guard megapixels.isFinite, megapixels * 1e6 >= 1, megapixels * 1e6 <= Double(Self.largest) else {
            throw ImagingError.invalidArgument(operation: "PixelBudget",
                                               message: "the pixel budget must be 0.000001…\(Format.grouped(Self.largest / 1_000_000)) megapixels, got \(megapixels)")
        }
        try self.init(maxPixels: Int((megapixels * 1e6).rounded()))
    }

    private init(uncheckedMaxPixels: Int) { maxPixels = uncheckedMaxPixels }

    public var description: String { "\(Self.megapixels(maxPixels)) MP" }

    static func megapixels(_ pixels: Int) -> String { Format.significant(Double(pixels) / 1e6, digits: 4) }

    /// width × height, or nil when it overflows or a side is not positive.
    static func pixelCount(width: Int, height: Int) -> Int? {
        guard width > 0, height > 0 else { return nil }
        let (p, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow ? nil : p
    }

    /// Whether a width × height image fits.
    public func allows(width: Int, height: Int) -> Bool {
        guard let p = Self.pixelCount(width: width, height: height) else { return false }
        return p <= maxPixels
    }

    /// Throws `ImagingError.overBudget` unless a `width` × `height` image with `channels` samples
    /// per pixel fits. Call it with the header's numbers, before allocating.
    /// - Parameter what: what declared the size ("PNG header", "JPEG header", "HDF5 dataset 'train/A'").
    public func check(width: Int, height: Int, channels: Int, path: String, what: String) throws {
        guard !allows(width: width, height: height) else { return }
        throw ImagingError.overBudget(path: path, what: what, width: width, height: height, channels: channels,
                                      maxPixels: maxPixels)
    }
}
