/// The pixel size of a PNG file, read from its IHDR chunk (which must come first).
struct PNGInfo: Equatable {
    var width: Int
    var height: Int

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Reads the size, or throws ``ReportError/notPNG(image:reason:)`` naming `name`.
    init(_ bytes: [UInt8], name: String) throws {
        guard bytes.count >= 8 else {
            throw ReportError.notPNG(image: name, reason: bytes.isEmpty ? "no bytes" : "only \(bytes.count) bytes")
        }
        guard Array(bytes[0..<8]) == Self.signature else {
            let head = bytes[0..<8].map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined(separator: " ")
            throw ReportError.notPNG(image: name, reason: "it starts with \(head)")
        }
        guard bytes.count >= 33, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw ReportError.notPNG(image: name, reason: "the IHDR chunk is missing or truncated")
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        width = u32(16)
        height = u32(20)
        guard width > 0, height > 0 else {
            throw ReportError.notPNG(image: name, reason: "the IHDR chunk gives a size of \(width) × \(height)")
        }
    }
}
