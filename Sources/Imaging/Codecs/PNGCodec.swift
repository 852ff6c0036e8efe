import CImageCodecs

// PNG through libpng's simplified API (png_image_*): it reports errors through png_image.message
// instead of longjmp, which Swift cannot survive.
//
// Normalisation on read:
// - any bit depth (1, 2, 4, 8, 16) becomes 8-bit; 16-bit samples are taken as sRGB-encoded
//   (PNG_IMAGE_FLAG_16BIT_sRGB), so v16 maps to round(v16 / 257), as OpenCV and PIL do;
// - palette images become RGB; gray images (any depth) stay one channel;
// - an alpha channel (RGBA, gray + alpha, palette + tRNS) is dropped, not composited: the colour
//   values are kept as stored, like PIL's convert("RGB") in the PyTorch reference.
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func message(_ image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            let chars = raw.bindMemory(to: CChar.self)
            let end = chars.firstIndex(of: 0) ?? chars.count
            return String(decoding: raw[0..<end], as: UTF8.self)
        }
    }

    static let flagAlpha = UInt32(PNG_FORMAT_FLAG_ALPHA)
    static let flagColor = UInt32(PNG_FORMAT_FLAG_COLOR)

    /// Reads the header only.
    static func info(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ImageInfo {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw ImagingError.corrupt(path: path, format: "PNG", reason: message(image))
        }
        defer { png_image_free(&image) }
        let channels = (image.format & flagColor) != 0 ? 3 : 1
        return ImageInfo(width: Int(image.width), height: Int(image.height), channels: channels, format: "PNG")
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, budget: PixelBudget) throws -> Image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw ImagingError.corrupt(path: path, format: "PNG", reason: message(image))
        }
        let width = Int(image.width), height = Int(image.height)
        let color = (image.format & flagColor) != 0
        let alpha = (image.format & flagAlpha) != 0
        let channels = color ? 3 : 1
        let stored = channels + (alpha ? 1 : 0)
        // The header's size against the budget before anything is allocated (libpng's own limit,
        // 1,000,000 x 1,000,000, is far beyond any memory).
        do {
            try budget.check(width: width, height: height, channels: stored, path: path, what: "PNG header")
        } catch {
            png_image_free(&image)
            throw error
        }
        image.format = (color ? flagColor : 0) | (alpha ? flagAlpha : 0)
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var buffer = [UInt8](repeating: 0, count: width * height * stored)
        let ok = buffer.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, Int32(width * stored), nil)
        }
        guard ok != 0 else {
            let reason = message(image)
            png_image_free(&image)
            throw ImagingError.corrupt(path: path, format: "PNG", reason: reason)
        }
        if !alpha { return try Image(width: width, height: height, channels: channels, pixels: buffer) }
        return Image(width: width, height: height, channels: channels) { out in
            buffer.withUnsafeBufferPointer { src in
                let pixelCount = width * height
                var s = 0, d = 0
                for _ in 0..<pixelCount {
                    for c in 0..<channels { out[d + c] = src[s + c] }
                    s += stored
                    d += channels
                }
            }
        }
    }

    static func encode(_ image: Image, path: String) throws -> [UInt8] {
        var header = png_image()
        header.version = UInt32(PNG_IMAGE_VERSION)
        header.width = UInt32(image.width)
        header.height = UInt32(image.height)
        header.format = image.channels == 3 ? flagColor : 0
        return try image.withUnsafeBytes { pixels -> [UInt8] in
            var size = 0
            guard png_image_write_to_memory(&header, nil, &size, 0, pixels.baseAddress, 0, nil) != 0, size > 0 else {
                throw ImagingError.io(path: path, reason: "PNG encoding failed: \(message(header))")
            }
            var out = [UInt8](repeating: 0, count: size)
            let ok = out.withUnsafeMutableBytes { raw in
                png_image_write_to_memory(&header, raw.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
            guard ok != 0 else { throw ImagingError.io(path: path, reason: "PNG encoding failed: \(message(header))") }
            out.removeLast(out.count - size)
            return out
        }
    }
}
