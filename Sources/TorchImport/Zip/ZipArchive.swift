import CKernels

/// The central directory of a zip archive as `torch.save` writes it (torch ≥ 1.6): stored entries
/// only, sizes in the central directory (local headers carry zeros and a data descriptor), zip64
/// records when fields overflow.
///
/// A hand-written reader rather than a zip library: PyTorch never compresses, so this one never
/// inflates anything — a compressed entry is refused by its method field before a byte of it is
/// read, and no zip bomb can expand. It also checks what a general library lets through: entry
/// names (no `..`, absolute paths, backslashes, NUL or duplicates), each local header against its
/// central record, every data range inside the file and before the central directory, no two
/// entries overlapping (the overlapping-entry bomb), and each entry's CRC-32 when it is read.
struct ZipArchive {
    struct Entry: Sendable {
        let name: String
        /// Offset of the local header.
        let headerOffset: Int
        /// Offset of the first data byte.
        let dataOffset: Int
        let size: Int
        let crc32: UInt32
    }

    let source: any PthByteSource
    let verifiesChecksums: Bool
    /// In central-directory order.
    let entries: [Entry]
    let byName: [String: Int]

    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    static let centralSignature: UInt32 = 0x0201_4b50
    static let localSignature: UInt32 = 0x0403_4b50
    static let maximumNameBytes = 4096

    /// Whether `bytes` start like a zip archive (a local header).
    static func looksLikeZip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 4 && prefix.le(UInt32.self, at: 0) == localSignature
    }

    init(source: any PthByteSource, limits: PthLimits) throws {
        self.source = source
        verifiesChecksums = limits.verifiesChecksums
        let file = source.name
        func fail(_ reason: String) -> PthError { .zip(file: file, reason: reason) }
        let size = source.size
        guard size >= 22 else { throw fail("\(size) bytes is shorter than an end-of-central-directory record (22)") }

        // The end record: the last signature whose comment runs exactly to the end of the file.
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try source.read(count: tailLength, at: size - tailLength, what: "the end of the zip archive")
        var endIndex: Int? = nil
        var i = tail.count - 22
        while i >= 0 {
            if tail.le(UInt32.self, at: i) == Self.endSignature, i + 22 + Int(tail.le(UInt16.self, at: i + 20)) == tail.count {
                endIndex = i
                break
            }
            i -= 1
        }
        guard let e = endIndex else { throw fail("no end-of-central-directory record") }
        let endOffset = size - tailLength + e
        guard tail.le(UInt16.self, at: e + 4) == 0, tail.le(UInt16.self, at: e + 6) == 0 else {
            throw fail("a multi-disk (split) archive")
        }
        var count = Int(tail.le(UInt16.self, at: e + 10))
        guard Int(tail.le(UInt16.self, at: e + 8)) == count else { throw fail("the end record's two entry counts differ") }
        var directorySize = Int(tail.le(UInt32.self, at: e + 12))
        var directoryOffset = Int(tail.le(UInt32.self, at: e + 16))
        var directoryEnd = endOffset  // the central directory must end before the end records
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // zip64: the locator sits just before the end record and points at the zip64 end record.
            guard endOffset >= 20 else { throw fail("zip64 fields without a zip64 locator") }
            let locator = try source.read(count: 20, at: endOffset - 20, what: "the zip64 locator")
            guard locator.le(UInt32.self, at: 0) == Self.zip64LocatorSignature else { throw fail("zip64 fields without a zip64 locator") }
            let recordOffset = locator.le(UInt64.self, at: 8)
            guard recordOffset <= UInt64(endOffset - 20), UInt64(endOffset - 20) - recordOffset >= 56 else {
                throw fail("the zip64 end record's offset \(recordOffset) is outside the archive")
            }
            let record = try source.read(count: 56, at: Int(recordOffset), what: "the zip64 end record")
            guard record.le(UInt32.self, at: 0) == Self.zip64EndSignature else { throw fail("no zip64 end record where the locator points") }
            let count64 = record.le(UInt64.self, at: 32), size64 = record.le(UInt64.self, at: 40), offset64 = record.le(UInt64.self, at: 48)
            guard count64 <= UInt64(Int.max), size64 <= UInt64(Int.max), offset64 <= UInt64(Int.max) else {
                throw fail("zip64 sizes beyond any file")
            }
            count = Int(count64)
            directorySize = Int(size64)
            directoryOffset = Int(offset64)
            directoryEnd = Int(recordOffset)
        }
        guard count <= limits.maximumZipEntries else {
            throw PthError.limitExceeded(file: file, what: "the number of zip entries", value: count, limit: limits.maximumZipEntries)
        }
        guard directorySize <= limits.maximumCentralDirectoryBytes else {
            throw PthError.limitExceeded(file: file, what: "the zip central directory's size", value: directorySize,
                                         limit: limits.maximumCentralDirectoryBytes)
        }
        guard directoryOffset <= directoryEnd, directorySize <= directoryEnd - directoryOffset else {
            throw fail("the central directory (\(directorySize) bytes at \(directoryOffset)) reaches past its end records at \(directoryEnd)")
        }
        guard count <= directorySize / 46 else {
            throw fail("\(count) entries cannot fit in a central directory of \(directorySize) bytes")
        }
        let directory = try source.read(count: directorySize, at: directoryOffset, what: "the zip central directory")

        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var byName: [String: Int] = [:]
        var p = 0
        for index in 0..<count {
            guard directorySize - p >= 46, directory.le(UInt32.self, at: p) == Self.centralSignature else {
                throw fail("central directory record \(index) is missing or damaged")
            }
            let flags = directory.le(UInt16.self, at: p + 8)
            let method = Int(directory.le(UInt16.self, at: p + 10))
            let crc = directory.le(UInt32.self, at: p + 16)
            var compressed = UInt64(directory.le(UInt32.self, at: p + 20))
            var uncompressed = UInt64(directory.le(UInt32.self, at: p + 24))
            let nameLength = Int(directory.le(UInt16.self, at: p + 28))
            let extraLength = Int(directory.le(UInt16.self, at: p + 30))
            let commentLength = Int(directory.le(UInt16.self, at: p + 32))
            var localOffset = UInt64(directory.le(UInt32.self, at: p + 42))
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard directorySize - p >= recordLength else { throw fail("central directory record \(index) runs past the directory") }
            let nameBytes = Array(directory[(p + 46)..<(p + 46 + nameLength)])
            let name = try Self.validatedName(nameBytes, file: file)
            guard flags & 0x1 == 0, flags & 0x40 == 0 else { throw PthError.compressedEntry(file: file, name: name, method: -1) }
            guard method == 0 else { throw PthError.compressedEntry(file: file, name: name, method: method) }
            // zip64 extra field (id 1): the 64-bit forms of the fields that hold 0xFFFFFFFF, in this order.
            if uncompressed == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                var q = p + 46 + nameLength
                let extraEnd = q + extraLength
                var found = false
                while extraEnd - q >= 4 {
                    let id = directory.le(UInt16.self, at: q), length = Int(directory.le(UInt16.self, at: q + 2))
                    guard extraEnd - q - 4 >= length else { break }
                    if id == 1 {
                        var r = q + 4
                        func next() throws -> UInt64 {
                            guard q + 4 + length - r >= 8 else { throw fail("entry \"\(name)\": a short zip64 extra field") }
                            defer { r += 8 }
                            return directory.le(UInt64.self, at: r)
                        }
                        if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                        if compressed == 0xFFFF_FFFF { compressed = try next() }
                        if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                        found = true
                        break
                    }
                    q += 4 + length
                }
                guard found else { throw fail("entry \"\(name)\": 32-bit fields overflow but there is no zip64 extra field") }
            }
            guard compressed == uncompressed else {
                throw fail("stored entry \"\(name)\" declares \(compressed) stored and \(uncompressed) uncompressed bytes")
            }
            guard localOffset <= UInt64(directoryOffset), uncompressed <= UInt64(directoryOffset) else {
                throw fail("entry \"\(name)\" (\(uncompressed) bytes at \(localOffset)) lies outside the data area (which ends at \(directoryOffset))")
            }
            guard byName[name] == nil else {
                throw PthError.unsafeEntryName(file: file, name: name, reason: "a second entry of the same name (which of the two is read would depend on the reader)")
            }
            byName[name] = index
            entries.append(Entry(name: name, headerOffset: Int(localOffset), dataOffset: 0, size: Int(uncompressed), crc32: crc))
            p += recordLength
        }

        // Local headers: signature, stored, the same name; data must end before the central directory.
        for (index, entry) in entries.enumerated() {
            let header = try source.read(count: min(30, directoryOffset - entry.headerOffset), at: entry.headerOffset,
                                         what: "the local header of \"\(entry.name)\"")
            guard header.count == 30, header.le(UInt32.self, at: 0) == Self.localSignature else {
                throw fail("no local header for \"\(entry.name)\" at offset \(entry.headerOffset)")
            }
            guard header.le(UInt16.self, at: 8) == 0 else {
                throw PthError.compressedEntry(file: file, name: entry.name, method: Int(header.le(UInt16.self, at: 8)))
            }
            let nameLength = Int(header.le(UInt16.self, at: 26)), extraLength = Int(header.le(UInt16.self, at: 28))
            let dataOffset = entry.headerOffset + 30 + nameLength + extraLength
            guard dataOffset <= directoryOffset, entry.size <= directoryOffset - dataOffset else {
                throw fail("the data of \"\(entry.name)\" (\(entry.size) bytes from \(dataOffset)) runs into the central directory at \(directoryOffset)")
            }
            let localName = try source.read(count: nameLength, at: entry.headerOffset + 30, what: "the local name of \"\(entry.name)\"")
            guard localName == Array(entry.name.utf8) else {
                throw PthError.unsafeEntryName(file: file, name: entry.name,
                                               reason: "its local header names \"\(PthError.printable(String(decoding: localName, as: UTF8.self)))\" instead")
            }
            entries[index] = Entry(name: entry.name, headerOffset: entry.headerOffset, dataOffset: dataOffset, size: entry.size, crc32: entry.crc32)
        }
        // No two entries may share bytes: each [header, end of data) is disjoint from the next.
        let ordered = entries.sorted { $0.headerOffset < $1.headerOffset }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.dataOffset + a.size > b.headerOffset {
            throw fail("entries \"\(a.name)\" and \"\(b.name)\" overlap (an entry's data runs into the next one's header)")
        }
        self.entries = entries
        self.byName = byName
    }

    /// Checks a zip entry name: UTF-8, not empty, at most 4096 bytes, no NUL, control characters or
    /// backslashes, not absolute, and no empty, `.` or `..` component.
    static func validatedName(_ bytes: [UInt8], file: String) throws -> String {
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw PthError.unsafeEntryName(file: file, name: String(decoding: bytes, as: UTF8.self), reason: "the name is not valid UTF-8")
        }
        func refuse(_ reason: String) -> PthError { .unsafeEntryName(file: file, name: name, reason: reason) }
        guard !bytes.isEmpty else { throw refuse("an empty name") }
        guard bytes.count <= maximumNameBytes else { throw refuse("a name of \(bytes.count) bytes (at most \(maximumNameBytes))") }
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { throw refuse("the name holds a NUL or control character") }
        guard !bytes.contains(0x5C) else { throw refuse("the name holds a backslash") }
        guard bytes[0] != 0x2F else { throw refuse("an absolute path") }
        if bytes.count >= 2, bytes[1] == 0x3A { throw refuse("a drive-letter path") }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { throw refuse("a \"..\" component (it would reach outside the archive's folder)") }
            if component == "." || component.isEmpty { throw refuse("an empty or \".\" path component") }
        }
        return name
    }

    func entry(named name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// An entry's bytes, after checking its size against `limit` and its CRC-32.
    func read(_ entry: Entry, limit: Int? = nil, what: String) throws -> [UInt8] {
        if let limit, entry.size > limit {
            throw PthError.limitExceeded(file: source.name, what: "the size of \(what) (\(entry.name))", value: entry.size, limit: limit)
        }
        let bytes = try source.read(count: entry.size, at: entry.dataOffset, what: "\(what) (\(entry.name))")
        try check(entry, bytes)
        return bytes
    }

    /// Throws when `bytes` (the whole entry) do not have the entry's CRC-32.
    func check(_ entry: Entry, _ bytes: [UInt8]) throws {
        guard verifiesChecksums else { return }
        let crc = bytes.withUnsafeBytes { ck_crc32(0, $0.baseAddress, $0.count) }
        guard crc == entry.crc32 else {
            throw PthError.zip(file: source.name, reason: "entry \"\(entry.name)\" fails its CRC-32 check (stored \(String(entry.crc32, radix: 16)), computed \(String(crc, radix: 16)))")
        }
    }
}
