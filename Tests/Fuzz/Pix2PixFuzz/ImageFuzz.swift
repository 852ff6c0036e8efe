import Imaging

/// PNG and JPEG decoding from bytes, as `Image.read` does after reading the file: signature sniffing,
/// the header's size checked against the pixel limit before the decoder allocates, then the pixels.
/// The name's extension steers only the error message, so both are tried.
enum ImageFuzz {
    static func run(_ bytes: [UInt8]) {
        _ = try? Image.decode(bytes, name: "fuzz.png")
        if bytes.first != 0x89 { _ = try? Image.decode(bytes, name: "fuzz.jpg") }
    }
}
