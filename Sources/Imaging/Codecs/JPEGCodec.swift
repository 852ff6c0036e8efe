import CImageCodecs

/// Chroma subsampling for JPEG output.
public enum JPEGSubsampling: String, Codable, Sendable, CaseIterable {
    /// Full-resolution colour (best quality; the default).
    case s444 = "444"
    /// Half-width colour.
    case s422 = "422"
    /// Half-width, half-height colour (smallest; what most cameras and PIL write).
    case s420 = "420"

    var tj: Int32 {
        switch self {
        case .s444: return Int32(TJSAMP_444.rawValue)
        case .s422: return Int32(TJSAMP_422.rawValue)
        case .s420: return Int32(TJSAMP_420.rawValue)
        }
    }
}

// JPEG through libturbojpeg's tj* API (libjpeg-turbo 2.1: no tj3*). Decoding is strict: a libjpeg
// warning (truncated data, corrupt segments) is an error, so a truncated download never turns
// silently into grey padding. Gray JPEGs stay one channel; CMYK / YCCK JPEGs are not supported.
enum JPEGCodec {
    static func errorString(_ handle: tjhandle?) -> String {
        guard let cString = tjGetErrorStr2(handle) else { return "unknown turbojpeg error" }
        return String(cString: cString)
    }

    static func header(_ handle: tjhandle, _ bytes: UnsafeRawBufferPointer, path: String)
        throws -> (width: Int, height: Int, colorspace: Int32)
    {
        var width: Int32 = 0, height: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard tjDecompressHeader3(handle, base, UInt(bytes.count), &width, &height, &subsamp, &colorspace) == 0 else {
            throw ImagingError.corrupt(path: path, format: "JPEG", reason: errorString(handle))
        }
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            throw ImagingError.unsupported(path: path, reason: "CMYK JPEG; convert it to RGB first (e.g. `convert in.jpg -colorspace sRGB out.jpg`)")
        }
        return (Int(width), Int(height), colorspace)
    }

    static func info(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ImageInfo {
        guard let handle = tjInitDecompress() else {
            throw ImagingError.io(path: path, reason: "cannot initialise the JPEG decoder: \(errorString(nil))")
        }
        defer { tjDestroy(handle) }
        let h = try header(handle, bytes, path: path)
        return ImageInfo(width: h.width, height: h.height,
                         channels: h.colorspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3, format: "JPEG")
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, budget: PixelBudget) throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw ImagingError.io(path: path, reason: "cannot initialise the JPEG decoder: \(errorString(nil))")
        }
        defer { tjDestroy(handle) }
        let h = try header(handle, bytes, path: path)
        let gray = h.colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = gray ? 1 : 3
        // The SOF's size against the budget before our buffer or libjpeg's (a progressive JPEG
        // makes libjpeg allocate coefficients for the whole image) is allocated.
        try budget.check(width: h.width, height: h.height, channels: channels, path: path, what: "JPEG header (SOF)")
        let format = gray ? TJPF_GRAY : TJPF_RGB
        var failure: String?
        let image = Image(width: h.width, height: h.height, channels: channels) { out in
            let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let rc = tjDecompress2(handle, base, UInt(bytes.count), out.baseAddress, Int32(h.width),
                                   Int32(h.width * channels), Int32(h.height), Int32(format.rawValue), 0)
            if rc != 0 {
                let kind = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) ? "decoder warning" : "decoder error"
                failure = "\(kind): \(errorString(handle))"
            }
        }
        if let failure { throw ImagingError.corrupt(path: path, format: "JPEG", reason: failure) }
        return image
    }

    static func encode(_ image: Image, quality: Int, subsampling: JPEGSubsampling, path: String) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImagingError.invalidArgument(operation: "JPEG encode", message: "quality must be 1...100, got \(quality)")
        }
        guard let handle = tjInitCompress() else {
            throw ImagingError.io(path: path, reason: "cannot initialise the JPEG encoder: \(errorString(nil))")
        }
        defer { tjDestroy(handle) }
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let format = image.channels == 1 ? TJPF_GRAY : TJPF_RGB
        let samp = image.channels == 1 ? Int32(TJSAMP_GRAY.rawValue) : subsampling.tj
        let rc = image.withUnsafeBytes { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), Int32(image.width * image.channels),
                        Int32(image.height), Int32(format.rawValue), &jpeg, &size, samp, Int32(quality),
                        Int32(TJFLAG_ACCURATEDCT))
        }
        defer { if let jpeg { tjFree(jpeg) } }
        guard rc == 0, let jpeg else { throw ImagingError.io(path: path, reason: "JPEG encoding failed: \(errorString(handle))") }
        return [UInt8](UnsafeBufferPointer(start: jpeg, count: Int(size)))
    }
}
