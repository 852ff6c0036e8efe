import CKernels

/// Settings of the Canny edge detector. Codable with snake_case keys (stored in dataset metadata,
/// with the name of the ``CannyPreset`` they equal, if any, under `preset`).
///
/// The detector is OpenCV's (`cv2.Canny`: Sobel gradients with replicated borders, L1 or L2
/// magnitude, non-maximum suppression in four directions, thresholds compared with `>`,
/// 8-connected hysteresis), preceded by an optional Gaussian blur of our own (`cv2.Canny` itself
/// does not blur, and neither did the seed project: its `img2h5.py` ran `cv2.Canny(gray, 128, 128)`
/// on the unblurred gray image, then inverted it; that is ``seed``). On the committed fixtures it is
/// bit-exact with OpenCV.
public struct CannyOptions: Codable, Sendable, Equatable, Hashable {
    /// Hysteresis thresholds on the gradient magnitude (swapped if low > high). For aperture 7 they
    /// are divided by 16 together with the gradients, as OpenCV does. The defaults (50, 100 after a
    /// 5x5 blur) mark a median 3.5 % of the pixels of 256² crops of the default photos as edges.
    public var lowThreshold: Double
    public var highThreshold: Double
    /// Sobel aperture: 3, 5 or 7.
    public var aperture: Int
    /// sqrt(dx² + dy²) instead of |dx| + |dy|.
    public var l2Gradient: Bool
    /// Gaussian pre-blur kernel size (odd); 0 or 1 = no blur.
    public var blurKernel: Int
    /// Gaussian sigma; 0 = OpenCV's default for the kernel size (1.1 for 5).
    public var blurSigma: Double
    /// Black edges on white (the seed datasets' convention) instead of white on black.
    public var invert: Bool

    public init(lowThreshold: Double = 50, highThreshold: Double = 100, aperture: Int = 3, l2Gradient: Bool = false,
                blurKernel: Int = 5, blurSigma: Double = 0, invert: Bool = false) {
        self.lowThreshold = lowThreshold
        self.highThreshold = highThreshold
        self.aperture = aperture
        self.l2Gradient = l2Gradient
        self.blurKernel = blurKernel
        self.blurSigma = blurSigma
        self.invert = invert
    }

    enum CodingKeys: String, CodingKey {
        case lowThreshold = "low_threshold", highThreshold = "high_threshold", aperture, l2Gradient = "l2_gradient"
        case blurKernel = "blur_kernel", blurSigma = "blur_sigma", invert, preset
    }

    /// The seed project's edges (MuAuan/pix2pix `img2h5.py`): `cv2.Canny(gray, 128, 128)` — both
    /// thresholds 128, aperture 3, L1 magnitude, no blur — then `cv2.bitwise_not` (black edges on white).
    public static let seed = CannyPreset.seed.options

    /// The preset these settings equal, nil for other settings.
    public var preset: CannyPreset? { CannyPreset.allCases.first { $0.options == self } }

    /// Writes the settings and, when they equal a preset, its name under `preset` (read back as
    /// information only: the settings are the fields).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lowThreshold, forKey: .lowThreshold)
        try c.encode(highThreshold, forKey: .highThreshold)
        try c.encode(aperture, forKey: .aperture)
        try c.encode(l2Gradient, forKey: .l2Gradient)
        try c.encode(blurKernel, forKey: .blurKernel)
        try c.encode(blurSigma, forKey: .blurSigma)
        try c.encode(invert, forKey: .invert)
        try c.encodeIfPresent(preset, forKey: .preset)
    }

    public init(from decoder: Decoder) throws {
        let d = CannyOptions()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lowThreshold = try c.decodeIfPresent(Double.self, forKey: .lowThreshold) ?? d.lowThreshold
        highThreshold = try c.decodeIfPresent(Double.self, forKey: .highThreshold) ?? d.highThreshold
        aperture = try c.decodeIfPresent(Int.self, forKey: .aperture) ?? d.aperture
        l2Gradient = try c.decodeIfPresent(Bool.self, forKey: .l2Gradient) ?? d.l2Gradient
        blurKernel = try c.decodeIfPresent(Int.self, forKey: .blurKernel) ?? d.blurKernel
        blurSigma = try c.decodeIfPresent(Double.self, forKey: .blurSigma) ?? d.blurSigma
        invert = try c.decodeIfPresent(Bool.self, forKey: .invert) ?? d.invert
    }

    /// Throws `ImagingError.invalidArgument` naming the bad option.
    public func validate() throws {
        guard [3, 5, 7].contains(aperture) else {
            throw ImagingError.invalidArgument(operation: "Canny", message: "aperture must be 3, 5 or 7, got \(aperture)")
        }
        guard lowThreshold >= 0, highThreshold >= 0, lowThreshold.isFinite, highThreshold.isFinite else {
            throw ImagingError.invalidArgument(operation: "Canny", message: "thresholds must be finite and >= 0, got \(lowThreshold), \(highThreshold)")
        }
        guard blurKernel == 0 || blurKernel % 2 == 1, blurKernel >= 0 else {
            throw ImagingError.invalidArgument(operation: "Canny", message: "blur kernel must be 0 (none) or odd, got \(blurKernel)")
        }
        guard blurSigma >= 0, blurSigma.isFinite else {
            throw ImagingError.invalidArgument(operation: "Canny", message: "blur sigma must be >= 0, got \(blurSigma)")
        }
    }
}

/// Named Canny settings (`pix2pix data build --canny-preset`). The explicit `--canny-*` flags
/// override a preset's values; the dataset records the settings used and, when they are still a
/// preset's, its name.
public enum CannyPreset: String, Codable, Sendable, CaseIterable {
    /// This project's default: a 5×5 Gaussian blur (OpenCV's σ 1.1), thresholds 50 / 100, aperture
    /// 3, L1 magnitude, black edges on white. It marks a median 3.5 % of the pixels of 256² crops
    /// of the default photos as edges.
    case `default`
    /// The seed project's: thresholds 128 / 128, no blur, aperture 3, L1 magnitude, inverted
    /// (`cv2.Canny(gray, 128, 128)` then `cv2.bitwise_not`, MuAuan/pix2pix `img2h5.py`).
    case seed

    public var options: CannyOptions {
        switch self {
        case .default: return CannyOptions(invert: true)
        case .seed: return CannyOptions(lowThreshold: 128, highThreshold: 128, aperture: 3, l2Gradient: false,
                                        blurKernel: 0, blurSigma: 0, invert: true)
        }
    }
}

extension Image {
    /// Canny edges as a one-channel image of 0 / 255 (255 = edge, or 0 = edge with `invert`).
    /// RGB input is first converted to BT.601 gray.
    public func cannyEdges(_ options: CannyOptions = CannyOptions()) throws -> Image {
        try options.validate()
        var source = grayscale()
        if options.blurKernel > 1 {
            source = try source.gaussianBlurred(kernelSize: options.blurKernel, sigma: options.blurSigma)
        }
        let (w, h) = (width, height)
        return Image(width: w, height: h, channels: 1) { out in
            let rc = source.withUnsafeBytes { src in
                ck_img_canny(src.baseAddress!, out.baseAddress!, Int32(w), Int32(h), options.lowThreshold,
                             options.highThreshold, Int32(options.aperture), options.l2Gradient ? 1 : 0)
            }
            precondition(rc == 0, "Canny on a \(w)x\(h) image failed (code \(rc)): out of memory")
            if options.invert {
                for i in 0..<out.count { out[i] = 255 &- out[i] }
            }
        }
    }
}
