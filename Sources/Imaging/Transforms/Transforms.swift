import CKernels

/// How `Image.resized` computes output pixels.
public enum ResizeFilter: String, Codable, Sendable, CaseIterable {
    /// Area averaging on each axis that shrinks (OpenCV INTER_AREA), bicubic on each axis that grows.
    case auto
    /// Area averaging where shrinking, bilinear where growing.
    case area
    /// Bilinear interpolation (OpenCV INTER_LINEAR; aliases when shrinking a lot).
    case bilinear
    /// Bicubic interpolation, a = -0.75 (OpenCV INTER_CUBIC; aliases when shrinking a lot).
    case bicubic

    var kernelCode: Int32 {
        switch self {
        case .auto: return Int32(CK_RESIZE_AUTO)
        case .area: return Int32(CK_RESIZE_AREA)
        case .bilinear: return Int32(CK_RESIZE_BILINEAR)
        case .bicubic: return Int32(CK_RESIZE_BICUBIC)
        }
    }
}

/// A rectangle in pixel coordinates (origin top-left).
public struct CropRect: Codable, Sendable, Equatable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

extension Image {
    /// Resized to `width` x `height` (pixel centres aligned as OpenCV does). Measured against
    /// cv2.resize on the committed fixtures: area and bicubic within 1 grey level.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .auto) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resized(width:height:) needs a positive size, got \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        return Image(width: newWidth, height: newHeight, channels: channels) { out in
            let rc = withUnsafeBytes { src in
                ck_img_resize(src.baseAddress!, Int32(width), Int32(height), Int32(channels),
                              out.baseAddress!, Int32(newWidth), Int32(newHeight), filter.kernelCode)
            }
            precondition(rc == 0, "out of memory resizing \(width)x\(height)x\(channels) to \(newWidth)x\(newHeight)")
        }
    }

    /// The pixels inside `rect`, which must lie within the image.
    public func cropped(_ rect: CropRect) -> Image {
        precondition(rect.x >= 0 && rect.y >= 0 && rect.width > 0 && rect.height > 0
                     && rect.x + rect.width <= width && rect.y + rect.height <= height,
                     "crop \(rect) is outside the \(width)x\(height) image")
        if rect.x == 0 && rect.y == 0 && rect.width == width && rect.height == height { return self }
        return Image(width: rect.width, height: rect.height, channels: channels) { out in
            withUnsafeBytes { src in
                ck_img_crop(src.baseAddress!, Int32(width), Int32(channels), Int32(rect.x), Int32(rect.y),
                            Int32(rect.width), Int32(rect.height), out.baseAddress!)
            }
        }
    }

    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        cropped(CropRect(x: x, y: y, width: w, height: h))
    }

    /// The centred `width` x `height` window (offsets rounded down, as torchvision's CenterCrop
    /// rounds to the nearest integer for even differences).
    public func centerCropped(width w: Int, height h: Int) throws -> Image {
        guard w <= width, h <= height else {
            throw ImagingError.invalidArgument(operation: "centerCropped", message: "crop \(w)x\(h) is larger than the \(width)x\(height) image")
        }
        return cropped(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }

    /// A uniformly random `width` x `height` window position inside this image.
    public func randomCropRect(width w: Int, height h: Int, using rng: inout some RandomNumberGenerator) throws -> CropRect {
        guard w > 0, h > 0, w <= width, h <= height else {
            throw ImagingError.invalidArgument(operation: "randomCropRect", message: "crop \(w)x\(h) does not fit in the \(width)x\(height) image")
        }
        let x = Int.random(in: 0...(width - w), using: &rng)
        let y = Int.random(in: 0...(height - h), using: &rng)
        return CropRect(x: x, y: y, width: w, height: h)
    }

    /// Mirrored left to right.
    public func horizontallyFlipped() -> Image {
        Image(width: width, height: height, channels: channels) { out in
            withUnsafeBytes { src in
                ck_img_flip_h(src.baseAddress!, out.baseAddress!, Int32(width), Int32(height), Int32(channels))
            }
        }
    }

    /// One-channel BT.601 luma, bit-exact with OpenCV's cvtColor(RGB2GRAY):
    /// (9798 R + 19235 G + 3735 B + 2^14) >> 15 ≈ 0.299 R + 0.587 G + 0.114 B rounded.
    /// A gray image is returned unchanged.
    public func grayscale() -> Image {
        if channels == 1 { return self }
        return Image(width: width, height: height, channels: 1) { out in
            withUnsafeBytes { src in ck_img_rgb_to_gray(src.baseAddress!, out.baseAddress!, width * height) }
        }
    }

    /// Three channels (gray replicated); an RGB image is returned unchanged.
    public func rgb() -> Image {
        if channels == 3 { return self }
        return Image(width: width, height: height, channels: 3) { out in
            withUnsafeBytes { src in ck_img_gray_to_rgb(src.baseAddress!, out.baseAddress!, width * height) }
        }
    }

    /// Converted to 1 (luma) or 3 (replicated) channels.
    public func converted(toChannels target: Int) -> Image {
        precondition(target == 1 || target == 3, "converted(toChannels:) takes 1 or 3, got \(target)")
        return target == 1 ? grayscale() : rgb()
    }

    /// Gaussian blur per channel, border reflect-101 (cv2.GaussianBlur's default). `kernelSize` odd;
    /// `sigma` 0 picks OpenCV's default for the size. Bit-exact with OpenCV for sizes 3, 5, 7 with
    /// sigma 0; otherwise within 1 grey level.
    public func gaussianBlurred(kernelSize: Int, sigma: Double = 0) throws -> Image {
        guard kernelSize >= 1, kernelSize % 2 == 1 else {
            throw ImagingError.invalidArgument(operation: "gaussianBlurred", message: "kernel size must be odd and positive, got \(kernelSize)")
        }
        if kernelSize == 1 { return self }
        if channels == 1 {
            return Image(width: width, height: height, channels: 1) { out in
                let rc = withUnsafeBytes { src in
                    ck_img_gaussian_blur(src.baseAddress!, out.baseAddress!, Int32(width), Int32(height), Int32(kernelSize), sigma)
                }
                precondition(rc == 0, "out of memory blurring a \(width)x\(height) image")
            }
        }
        let planes = (0..<channels).map { channel(at: $0) }
        let blurred = try planes.map { try $0.gaussianBlurred(kernelSize: kernelSize, sigma: sigma) }
        return Image.interleaving(blurred)
    }

    /// One channel as a gray image.
    public func channel(at index: Int) -> Image {
        precondition(index >= 0 && index < channels, "channel \(index) of a \(channels)-channel image")
        if channels == 1 { return self }
        return Image(width: width, height: height, channels: 1) { out in
            withUnsafeBytes { src in
                for i in 0..<(width * height) { out[i] = src[i * channels + index] }
            }
        }
    }

    /// Three gray planes interleaved into RGB.
    static func interleaving(_ planes: [Image]) -> Image {
        precondition(planes.count == 3, "interleaving needs 3 planes")
        let w = planes[0].width, h = planes[0].height
        return Image(width: w, height: h, channels: 3) { out in
            for (c, plane) in planes.enumerated() {
                plane.withUnsafeBytes { src in
                    for i in 0..<(w * h) { out[i * 3 + c] = src[i] }
                }
            }
        }
    }

    /// Images of equal height placed side by side (gray ones become RGB when any is RGB).
    /// This is how aligned A|B files are built.
    public static func horizontalConcatenation(_ images: [Image]) throws -> Image {
        guard let first = images.first else {
            throw ImagingError.invalidArgument(operation: "horizontalConcatenation", message: "no images")
        }
        guard images.allSatisfy({ $0.height == first.height }) else {
            throw ImagingError.invalidArgument(operation: "horizontalConcatenation",
                                               message: "heights differ: \(images.map(\.height))")
        }
        let channels = images.contains { $0.channels == 3 } ? 3 : 1
        let parts = images.map { $0.converted(toChannels: channels) }
        let totalWidth = parts.reduce(0) { $0 + $1.width }
        return Image(width: totalWidth, height: first.height, channels: channels) { out in
            var x0 = 0
            for part in parts {
                part.withUnsafeBytes { src in
                    let row = part.width * channels
                    for y in 0..<first.height {
                        (out.baseAddress! + (y * totalWidth + x0) * channels)
                            .update(from: src.baseAddress! + y * row, count: row)
                    }
                }
                x0 += part.width
            }
        }
    }
}
