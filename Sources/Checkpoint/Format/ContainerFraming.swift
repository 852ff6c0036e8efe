/// The fixed parts of a `.pzck` file around its header and data area: the 32-byte preamble (magic,
/// version, flags, header length, header CRC, preamble CRC) and the 16-byte trailer (data length,
/// end magic). The writer frames every file with these; tools that forge files on purpose (the
/// malformed-input corpus, the fuzz targets) use the same functions, so a damaged field is the
/// only thing wrong with what they build.
public enum ContainerFraming {
    /// The format version the writer writes.
    public static let currentMajor = UInt16(Layout.majorVersion)
    public static let currentMinor = UInt16(Layout.minorVersion)

    /// The preamble for a header of these bytes. Version and flags default to what the writer
    /// writes.
    public static func preamble(header: [UInt8], major: UInt16 = currentMajor,
                                minor: UInt16 = currentMinor, flags: UInt32 = 0) -> [UInt8] {
        var preamble = Layout.magic
        preamble.appendLE(major)
        preamble.appendLE(minor)
        preamble.appendLE(flags)
        preamble.appendLE(UInt64(header.count))
        preamble.appendLE(Checksum.crc32(header))
        preamble.appendLE(Checksum.crc32(preamble))
        return preamble
    }

    /// The trailer after a data area of `dataLength` bytes (already padded to the alignment).
    public static func trailer(dataLength: Int) -> [UInt8] {
        var trailer: [UInt8] = []
        trailer.appendLE(UInt64(dataLength))
        trailer.append(contentsOf: Layout.endMagic)
        return trailer
    }

    /// A whole file: preamble, header, zero padding to the data start, the data area padded to
    /// the alignment, trailer.
    public static func file(header: [UInt8], data: [UInt8], major: UInt16 = currentMajor,
                            minor: UInt16 = currentMinor, flags: UInt32 = 0) -> [UInt8] {
        var out = preamble(header: header, major: major, minor: minor, flags: flags) + header
        out += [UInt8](repeating: 0, count: Layout.dataStart(headerLength: header.count) - out.count)
        let paddedData = Layout.alignUp(data.count)
        out += data
        out += [UInt8](repeating: 0, count: paddedData - data.count)
        return out + trailer(dataLength: paddedData)
    }
}
