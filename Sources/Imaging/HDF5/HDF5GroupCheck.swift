import Foundation
#if canImport(Glibc)
import Glibc
#endif

// libhdf5 1.10.8 trusts a file's group structures: listing a group whose symbol-table message
// names an undefined or out-of-file local heap makes `H5Lvisit` (`H5G__stab_iterate` →
// `H5HL_protect` → `H5F__accum_read`) copy from a NULL buffer, a segfault no choice of API call
// avoids (every name lookup goes through the same code). So before the library opens a file for
// reading, this walk checks, with our own bounded reads, every structure the library will follow
// to list or look up names: the superblock, each group's object header (and its continuation
// blocks), each symbol table's local heap and version-1 B-tree down to its symbol nodes, and
// each compact link. It does not check dataset messages (the library's own checks hold there:
// a forged layout gets a typed error) nor checksums (the library verifies them).
//
// Groups whose links are in dense storage (a fractal heap and a version-2 B-tree: HDF5 1.8+
// files with more than 8 links per group written with the latest format) are refused: walking
// them would mean parsing two more structures, and our writers, h5py's defaults and the seed's
// files never produce them.

/// The structural check of an HDF5 file's groups (see the comment above), made before libhdf5
/// reads any of them.
enum HDF5GroupCheck {
    struct Problem: Error, CustomStringConvertible {
        let description: String
        /// The file uses a feature we do not read (rather than being damaged).
        var unsupported = false
    }

    /// The most group levels followed, objects visited, and bytes of one group's name heap.
    static let maxDepth = 64
    static let maxObjects = 100_000
    static let maxHeapBytes = 64 << 20
    /// The longest object path followed (libhdf5 builds every link's full path while listing).
    static let maxPathBytes = 16 << 10
    /// The most bytes of all links' full paths together.
    static let maxTotalPathBytes = 64 << 20

    /// Checks the file at `path`; throws `ImagingError.corrupt` (or `.unsupported`) naming it.
    /// Returns the objects whose attribute messages are damaged (by object header address, as
    /// libhdf5 reports it, with the reason): their attributes must not be decoded by the library,
    /// but the rest of the file is sound.
    static func check(path: String) throws -> [UInt64: String] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ImagingError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImagingError.io(path: path, reason: String(cString: strerror(errno))) }
        let source = Source(fd: fd, size: Int(st.st_size))
        do throws(Problem) {
            return try walk(source)
        } catch {
            let problem = error
            if problem.unsupported { throw ImagingError.unsupported(path: path, reason: problem.description) }
            throw ImagingError.corrupt(path: path, format: "HDF5", reason: "damaged group structure: \(problem.description)")
        }
    }

    static func walk(_ source: Source) throws(Problem) -> [UInt64: String] {
        var walk = try Walk(source: source)
        try walk.run()
        return walk.damagedAttributes
    }

    /// Bounded reads from the file.
    struct Source {
        let fd: Int32
        let size: Int

        func read(_ offset: Int, _ count: Int, _ what: @autoclosure () -> String) throws(Problem) -> [UInt8] {
            guard offset >= 0, count >= 0, count <= size, offset <= size - count else {
                throw Problem(description: "\(what()) (\(count) bytes at \(offset)) lies outside the file (\(size) bytes)")
            }
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw Problem(description: "cannot read \(what()) at \(offset + done)") }
                done += n
            }
            return bytes
        }
    }

    /// Little-endian fields of a byte array, with bounds checks.
    struct Fields {
        let bytes: [UInt8]
        var at: Int
        let what: String

        init(_ bytes: [UInt8], at: Int = 0, _ what: String) {
            self.bytes = bytes
            self.at = at
            self.what = what
        }

        mutating func uint(_ count: Int) throws(Problem) -> UInt64 {
            guard count >= 0, at >= 0, count <= bytes.count - at else {
                throw Problem(description: "\(what) is truncated (a \(count)-byte field at \(at) of \(bytes.count))")
            }
            var value: UInt64 = 0
            for i in 0..<min(count, 8) { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            if count > 8, bytes[(at + 8)..<(at + count)].contains(where: { $0 != 0 }) { value = .max }
            at += count
            return value
        }

        /// A field as an `Int` (clamped: a value past `Int.max` stays too large for any check).
        mutating func int(_ count: Int) throws(Problem) -> Int { Int(clamping: try uint(count)) }

        mutating func skip(_ count: Int) throws(Problem) {
            guard count >= 0, count <= bytes.count - at else {
                throw Problem(description: "\(what) is truncated (\(count) bytes at \(at) of \(bytes.count))")
            }
            at += count
        }

        mutating func signature(_ expected: String) throws(Problem) {
            let sig = Array(expected.utf8)
            guard at + sig.count <= bytes.count, Array(bytes[at..<(at + sig.count)]) == sig else {
                throw Problem(description: "\(what) has no \"\(expected)\" signature")
            }
            at += sig.count
        }
    }

    struct Walk {
        let source: Source
        var sizeofOffsets = 8
        var sizeofLengths = 8
        /// Where address 0 lies in the file.
        var base = 0
        var rootHeader = 0
        /// Largest symbol counts the superblock allows (v0/v1; later superblocks do not say).
        var leafK = 0, internalK = 0
        /// The reference count of each object header read (by address): also the set of objects
        /// already visited.
        var references: [Int: UInt64] = [:]
        /// Links seen in all groups, one per entry (hard links to one object counted each time).
        var links = 0
        /// Bytes of the full paths of those links (libhdf5 allocates each while listing).
        var pathBytes = 0
        /// Objects whose attribute messages do not decode (address relative to the base → why).
        var damagedAttributes: [UInt64: String] = [:]

        init(source: Source) throws(Problem) {
            self.source = source
            try readSuperblock()
        }

        var undefined: UInt64 { sizeofOffsets >= 8 ? .max : (UInt64(1) << (8 * UInt64(sizeofOffsets))) - 1 }

        /// A file address made absolute and checked to leave `count` bytes inside the file.
        func address(_ raw: UInt64, _ count: Int, _ what: @autoclosure () -> String) throws(Problem) -> Int {
            guard raw != undefined else { throw Problem(description: "\(what()) has an undefined address") }
            guard raw <= UInt64(source.size), base + Int(raw) <= source.size - count else {
                throw Problem(description: "\(what()) at \(raw) lies outside the file (\(source.size) bytes)")
            }
            return base + Int(raw)
        }

        mutating func readSuperblock() throws(Problem) {
            // The signature is at 0, 512, 1024, 2048, … (after a user block).
            let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
            var at = 0
            while true {
                guard at <= source.size - 12 else { throw Problem(description: "no HDF5 superblock found") }
                if try source.read(at, 8, "the superblock signature") == signature { break }
                at = at == 0 ? 512 : at * 2
            }
            let head = try source.read(at, min(source.size - at, 256), "the superblock")
            var f = Fields(head, at: 8, "the superblock")
            let version = try f.uint(1)
            switch version {
            case 0, 1:
                try f.skip(4)                                   // free-space, root-table, reserved, shared-header versions
                sizeofOffsets = try f.int(1)
                sizeofLengths = try f.int(1)
                try f.skip(1)
                leafK = try f.int(2)
                internalK = try f.int(2)
                try f.skip(4)                                   // file consistency flags
                if version == 1 { try f.skip(4) }               // indexed-storage K, reserved
            case 2, 3:
                sizeofOffsets = try f.int(1)
                sizeofLengths = try f.int(1)
                try f.skip(1)                                   // flags
            default:
                throw Problem(description: "superblock version \(version) is not one libhdf5 1.10 reads", unsupported: true)
            }
            guard [2, 4, 8].contains(sizeofOffsets), [2, 4, 8].contains(sizeofLengths) else {
                throw Problem(description: "the superblock's address size \(sizeofOffsets) or length size \(sizeofLengths) is not 2, 4 or 8")
            }
            let baseAddress = try f.uint(sizeofOffsets)
            guard baseAddress != undefined, baseAddress <= UInt64(source.size) else {
                throw Problem(description: "the superblock's base address \(baseAddress) lies outside the file")
            }
            base = Int(baseAddress)
            if version <= 1 {
                try f.skip(3 * sizeofOffsets)                   // free-space info, end of file, driver info
                // The root group's symbol table entry.
                try f.skip(sizeofOffsets)                       // link name offset
                rootHeader = try address(try f.uint(sizeofOffsets), 16, "the root group's object header")
                try checkCache(&f, "the root group's symbol table entry")
            } else {
                try f.skip(2 * sizeofOffsets)                   // superblock extension, end of file
                rootHeader = try address(try f.uint(sizeofOffsets), 16, "the root group's object header")
            }
        }

        /// A symbol table entry's cache type and scratch pad (type 1 caches the group's B-tree and
        /// heap addresses, which the library may use instead of the object header's).
        /// Returns the cache type (2: a soft link, whose object header address is undefined).
        @discardableResult
        func checkCache(_ f: inout Fields, _ what: String) throws(Problem) -> UInt64 {
            let cacheType = try f.uint(4)
            try f.skip(4)
            switch cacheType {
            case 0, 2:
                try f.skip(16)
            case 1:
                var scratch = f
                _ = try address(try scratch.uint(sizeofOffsets), 24, "the B-tree cached in \(what)")
                _ = try address(try scratch.uint(sizeofOffsets), 16 + 2 * sizeofLengths, "the local heap cached in \(what)")
                try f.skip(16)
            default:
                throw Problem(description: "\(what) has cache type \(cacheType) (0, 1 or 2 expected)")
            }
            return cacheType
        }

        mutating func run() throws(Problem) {
            try object(at: rootHeader, name: "/", depth: 0)
        }

        // MARK: Object headers

        /// The group-related messages of one object header.
        struct GroupMessages {
            var symbolTable: (btree: UInt64, heap: UInt64)?
            /// How many hard links the header says lead to the object (v1 header field; v2: the
            /// reference count message, 1 when absent).
            var references: UInt64 = 1
            var links: [(name: String, address: UInt64?)] = []
            var denseLinks = false
            /// A dataset's elements (nil: no dataspace message, or a null one), element size and
            /// the bytes of its compact layout (nil when it is not compact).
            var elements: Int?
            var elementSize: Int?
            var compactBytes: Int?
            /// Why an attribute message does not decode (the first one found).
            var damagedAttributes: String?
        }

        /// Checks the object header at `at`; when it is a group, checks its links and every object
        /// they lead to.
        mutating func object(at: Int, name: String, depth: Int) throws(Problem) {
            if let count = references[at] {
                // Hard links may form cycles; libhdf5 then relies on the header's reference count
                // to visit the object once: with a count of 1 it lists it again on every path to
                // it, forever (a fuzzed file overflowed its stack, another allocated 2 GB).
                guard count > 1 else {
                    throw Problem(description: "\(name) is reached by more than one link, but its object header counts one")
                }
                return
            }
            guard references.count < maxObjects else {
                throw Problem(description: "more than \(maxObjects) objects", unsupported: true)
            }
            guard depth <= maxDepth else { throw Problem(description: "\(name) is nested more than \(maxDepth) groups deep", unsupported: true) }
            let messages = try groupMessages(at: at, name: name)
            references[at] = messages.references
            if let problem = messages.damagedAttributes { damagedAttributes[UInt64(at - base)] = problem }
            if let compact = messages.compactBytes, let elements = messages.elements, let elementSize = messages.elementSize {
                // libhdf5 copies the whole extent out of the compact buffer, unchecked.
                let (needed, overflow) = elements.multipliedReportingOverflow(by: elementSize)
                guard !overflow, needed <= compact else {
                    throw Problem(description: "dataset \(name) stores \(compact) bytes compactly but its shape and type need \(overflow ? "more" : "\(needed)")")
                }
            }
            var children: [(String, UInt64)] = []
            if let table = messages.symbolTable {
                children += try symbolTable(table, group: name)
            }
            if messages.denseLinks {
                throw Problem(description: "group \(name) keeps its links in dense storage (a fractal heap), which is not read; rewrite the file with h5py's default format or `h5repack`", unsupported: true)
            }
            for link in messages.links { if let address = link.address { children.append((link.name, address)) } }
            // libhdf5 visits every link (not only every object) and builds each one's full path.
            links += children.count
            guard links <= maxObjects else {
                throw Problem(description: "more than \(maxObjects) links", unsupported: true)
            }
            for (child, raw) in children {
                let path = name == "/" ? "/" + child : name + "/" + child
                pathBytes += path.utf8.count
                guard path.utf8.count <= maxPathBytes, pathBytes <= maxTotalPathBytes else {
                    throw Problem(description: path.utf8.count > maxPathBytes
                                    ? "an object's path is longer than \(maxPathBytes) bytes (\(path.prefix(64))…)"
                                    : "the objects' paths add up to more than \(maxTotalPathBytes >> 20) MiB", unsupported: true)
                }
                try object(at: try address(raw, 16, "the object header of \(path)"), name: path, depth: depth + 1)
            }
        }

        /// Reads the object header at `at` (version 1 or 2, with its continuation blocks) and keeps
        /// its symbol table, link-info and link messages.
        func groupMessages(at: Int, name: String) throws(Problem) -> GroupMessages {
            let what = "the object header of \(name)"
            var result = GroupMessages()
            // Each block: where to read, how much, and where its messages lie in what was read.
            var blocks: [(start: Int, length: Int, first: Bool)] = []
            let prefix = try source.read(at, min(source.size - at, 64), what)
            var version2 = false, creationOrder = false
            var f = Fields(prefix, what)
            if prefix.count >= 4, Array(prefix[0..<4]) == Array("OHDR".utf8) {
                version2 = true
                try f.signature("OHDR")
                let version = try f.uint(1)
                guard version == 2 else { throw Problem(description: "\(what) has version \(version) after OHDR (2 expected)") }
                let flags = try f.uint(1)
                creationOrder = flags & 0x04 != 0
                if flags & 0x20 != 0 { try f.skip(16) }
                if flags & 0x10 != 0 { try f.skip(4) }
                let chunkSize = try f.int(1 << Int(flags & 3))
                try checkLength(chunkSize, what)
                blocks.append((at + f.at, chunkSize, true))
            } else {
                let version = try f.uint(1)
                guard version == 1 else { throw Problem(description: "\(what) has version \(version) (1 or OHDR expected)") }
                try f.skip(1 + 2)
                result.references = try f.uint(4)
                let size = try f.int(4)
                try checkLength(size, what)
                blocks.append((at + 16, size, true))
            }
            var index = 0
            while index < blocks.count {
                let block = blocks[index]
                index += 1
                guard index <= 1024 else { throw Problem(description: "\(what) has more than 1024 continuation blocks") }
                let bytes = try source.read(block.start, block.length, "a block of \(what)")
                var f = Fields(bytes, what)
                var end = bytes.count
                if version2 && !block.first {
                    // "OCHK", messages, checksum.
                    try f.signature("OCHK")
                    end -= 4
                }
                while true {
                    let headerSize = version2 ? 4 : 8
                    guard f.at + headerSize <= end else { break }          // a gap, or the end
                    let type: UInt64, size: Int, flags: UInt64
                    if version2 {
                        type = try f.uint(1)
                        size = try f.int(2)
                        flags = try f.uint(1)
                        if creationOrder { try f.skip(2) }
                    } else {
                        type = try f.uint(2)
                        size = try f.int(2)
                        flags = try f.uint(1)
                        try f.skip(3)
                    }
                    guard f.at + size <= end else {
                        throw Problem(description: "a message of \(what) (type \(type), \(size) bytes) runs past its block")
                    }
                    let body = Array(bytes[f.at..<(f.at + size)])
                    try f.skip(size)
                    let shared = flags & 0x02 != 0
                    switch type {
                    case 0x10:                                            // continuation
                        var m = Fields(body, "a continuation message of \(name)")
                        let offset = try m.uint(sizeofOffsets)
                        let length = try m.int(sizeofLengths)
                        try checkLength(length, what)
                        guard length >= (version2 ? 8 : 1) else { throw Problem(description: "a continuation block of \(what) is \(length) bytes") }
                        let absolute = try address(offset, length, "a continuation block of \(what)")
                        blocks.append((absolute, length, false))
                    case 0x11:                                            // symbol table
                        guard !shared else { throw Problem(description: "the symbol table message of \(name) is marked shared") }
                        var m = Fields(body, "the symbol table message of \(name)")
                        result.symbolTable = (try m.uint(sizeofOffsets), try m.uint(sizeofOffsets))
                    case 0x02:                                            // link info
                        guard !shared else { throw Problem(description: "the link info message of \(name) is marked shared") }
                        var m = Fields(body, "the link info message of \(name)")
                        let version = try m.uint(1)
                        guard version == 0 else { throw Problem(description: "the link info message of \(name) has version \(version)") }
                        let linkFlags = try m.uint(1)
                        if linkFlags & 1 != 0 { try m.skip(8) }
                        let heap = try m.uint(sizeofOffsets)
                        if heap != undefined { result.denseLinks = true }
                    case 0x01 where !shared:                              // dataspace
                        var m = Fields(body, "the dataspace of \(name)")
                        result.elements = try dataspaceElements(&m)
                    case 0x03 where !shared:                              // datatype
                        var m = Fields(body, "the datatype of \(name)")
                        result.elementSize = try elementSize(&m)
                    case 0x08:                                            // layout
                        result.compactBytes = try layout(body, object: name)
                    case 0x0C where !shared:                              // attribute
                        do throws(Problem) {
                            try attribute(body, object: name)
                        } catch {
                            if result.damagedAttributes == nil { result.damagedAttributes = error.description }
                        }
                    case 0x06:                                            // link
                        guard !shared else { throw Problem(description: "a link message of \(name) is marked shared") }
                        result.links.append(try link(body, group: name))
                    case 0x16:                                            // reference count (v2 headers)
                        var m = Fields(body, "the reference count message of \(name)")
                        try m.skip(1)
                        result.references = try m.uint(4)
                    default:
                        break
                    }
                }
            }
            return result
        }

        /// An attribute message: its name, datatype, dataspace and value must fit in the message
        /// (libhdf5 1.10 decodes them unchecked, reading past the message).
        func attribute(_ body: [UInt8], object: String) throws(Problem) {
            let what = "an attribute message of \(object)"
            var m = Fields(body, what)
            let version = try m.uint(1)
            guard (1...3).contains(version) else { throw Problem(description: "\(what) has version \(version)") }
            try m.skip(1)
            let nameSize = try m.int(2), typeSize = try m.int(2), spaceSize = try m.int(2)
            if version == 3 { try m.skip(1) }
            func padded(_ n: Int) -> Int { version == 1 ? (n + 7) & ~7 : n }
            guard nameSize > 0 else { throw Problem(description: "\(what) has an empty name") }
            let nameStart = m.at
            try m.skip(padded(nameSize))
            guard body[nameStart + nameSize - 1] == 0 else { throw Problem(description: "\(what) has a name that is not terminated") }
            let typeStart = m.at
            try m.skip(padded(typeSize))
            let spaceStart = m.at
            try m.skip(padded(spaceSize))
            // The value: element size × elements, inside what is left of the message.
            guard typeSize >= 8, spaceSize >= 2 else { throw Problem(description: "\(what) has a \(typeSize)-byte datatype and a \(spaceSize)-byte dataspace") }
            var t = Fields(Array(body[typeStart..<(typeStart + typeSize)]), "the datatype of \(what)")
            let elementSize = try elementSize(&t)
            var d = Fields(Array(body[spaceStart..<(spaceStart + spaceSize)]), "the dataspace of \(what)")
            guard let elements = try dataspaceElements(&d) else { return }          // null: no value
            let (valueSize, overflow) = elements.multipliedReportingOverflow(by: elementSize)
            guard !overflow, valueSize <= body.count - m.at else {
                throw Problem(description: "\(what) declares a value of \(elements) × \(elementSize) bytes in \(body.count - m.at) bytes")
            }
        }

        /// A datatype message's element size in the file (a variable-length element is its
        /// heap reference: length, collection address, index).
        func elementSize(_ t: inout Fields) throws(Problem) -> Int {
            let typeClass = try t.uint(1) & 0x0F
            try t.skip(3)
            let declared = try t.int(4)
            guard declared > 0 else { throw Problem(description: "\(t.what) has a size of 0 bytes") }
            if typeClass == 9 {
                // A variable-length element in the file is its heap reference; libhdf5 sizes the
                // value's buffer from the declared size and copies the reference's size into it.
                let reference = 4 + sizeofOffsets + 4
                guard declared == reference else {
                    throw Problem(description: "\(t.what) is variable-length but declares \(declared) bytes (\(reference) expected)")
                }
            }
            return declared
        }

        /// A dataspace message's element count (`Int.max` when it overflows); nil for a null
        /// dataspace (no elements, no value).
        func dataspaceElements(_ d: inout Fields) throws(Problem) -> Int? {
            let version = try d.uint(1)
            let rank = try d.int(1)
            _ = try d.uint(1)
            switch version {
            case 1: try d.skip(5)
            case 2:
                if try d.uint(1) == 2 { return nil }
            default: throw Problem(description: "\(d.what) has version \(version)")
            }
            guard rank <= 32 else { throw Problem(description: "\(d.what) has rank \(rank)") }
            var elements = 1
            for _ in 0..<rank {
                // Saturating: the extent's own checks (HDF5Limits) explain an overflow better.
                let (p, overflow) = elements.multipliedReportingOverflow(by: try d.int(sizeofLengths))
                elements = overflow ? .max : p
            }
            return elements
        }

        /// A data layout message: a compact one's data must lie inside the message (returns its
        /// size), a contiguous one's inside the file.
        func layout(_ body: [UInt8], object: String) throws(Problem) -> Int? {
            let what = "the data layout of \(object)"
            var m = Fields(body, what)
            let version = try m.uint(1)
            switch version {
            case 1, 2:
                let dimensionality = try m.int(1)
                let layoutClass = try m.uint(1)
                try m.skip(5)
                if layoutClass != 0 { try m.skip(sizeofOffsets) }
                try m.skip(4 * dimensionality)
                guard layoutClass == 0 else { return nil }
                let size = try m.int(4)
                try m.skip(size)
                return size
            case 3, 4:
                switch try m.uint(1) {
                case 0:
                    let size = try m.int(2)
                    try m.skip(size)
                    return size
                case 1:
                    let address = try m.uint(sizeofOffsets)
                    let size = try m.int(sizeofLengths)
                    if address != undefined, size > 0 { _ = try self.address(address, size, "the data of \(object)") }
                    return nil
                case 2 where version == 3:
                    // Chunk dimensions, the last being the element size: none may be 0 (libhdf5
                    // divides by them).
                    let dimensionality = try m.int(1)
                    try m.skip(sizeofOffsets)
                    guard dimensionality >= 2 else { throw Problem(description: "\(what) has \(dimensionality) chunk dimensions") }
                    for _ in 0..<dimensionality where try m.uint(4) == 0 {
                        throw Problem(description: "\(what) has a chunk dimension of 0")
                    }
                    return nil
                default:
                    return nil
                }
            default:
                throw Problem(description: "\(what) has version \(version)")
            }
        }

        func checkLength(_ length: Int, _ what: String) throws(Problem) {
            guard length >= 0, length <= source.size else {
                throw Problem(description: "\(what) declares a block of \(length) bytes, more than the file (\(source.size) bytes)")
            }
        }

        /// A link message: its name, and the object address of a hard link (nil for soft,
        /// external and user-defined links, which the library resolves by name later).
        func link(_ body: [UInt8], group: String) throws(Problem) -> (name: String, address: UInt64?) {
            var m = Fields(body, "a link message of \(group)")
            let version = try m.uint(1)
            guard version == 1 else { throw Problem(description: "a link message of \(group) has version \(version)") }
            let flags = try m.uint(1)
            let type = flags & 0x08 != 0 ? try m.uint(1) : 0
            if flags & 0x04 != 0 { try m.skip(8) }
            if flags & 0x10 != 0 { try m.skip(1) }
            let nameLength = try m.int(1 << Int(flags & 3))
            guard nameLength > 0, nameLength <= body.count else {
                throw Problem(description: "a link message of \(group) has a name of \(nameLength) bytes")
            }
            let start = m.at
            try m.skip(nameLength)
            let name = String(decoding: body[start..<(start + nameLength)], as: UTF8.self)
            switch type {
            case 0:
                return (name, try m.uint(sizeofOffsets))
            case 1, 64...255:
                let length = try m.int(2)
                try m.skip(length)
                return (name, nil)
            default:
                throw Problem(description: "link \(name) of \(group) has type \(type)")
            }
        }

        // MARK: Symbol tables (local heap + version-1 B-tree of symbol nodes)

        /// Checks a group's local heap and B-tree; returns its entries (name, object address).
        func symbolTable(_ table: (btree: UInt64, heap: UInt64), group: String) throws(Problem) -> [(String, UInt64)] {
            let heap = try localHeap(table.heap, group: group)
            var entries: [(String, UInt64)] = []
            var nodes: Set<UInt64> = []
            try btreeNode(table.btree, level: nil, heap: heap, group: group, nodes: &nodes, into: &entries)
            return entries
        }

        /// The data segment of a local heap ("HEAP", version 0).
        func localHeap(_ raw: UInt64, group: String) throws(Problem) -> [UInt8] {
            let what = "the local heap of group \(group)"
            let headerSize = 8 + 2 * sizeofLengths + sizeofOffsets
            let at = try address(raw, headerSize, what)
            var f = Fields(try source.read(at, headerSize, what), what)
            try f.signature("HEAP")
            let version = try f.uint(1)
            guard version == 0 else { throw Problem(description: "\(what) has version \(version) (0 expected)") }
            try f.skip(3)
            let size = try f.uint(sizeofLengths)
            let freeList = try f.uint(sizeofLengths)
            let dataRaw = try f.uint(sizeofOffsets)
            guard size > 0, size <= UInt64(min(source.size, maxHeapBytes)) else {
                throw Problem(description: "\(what) declares a data segment of \(size) bytes")
            }
            let undefinedLength: UInt64 = sizeofLengths >= 8 ? .max : (UInt64(1) << (8 * UInt64(sizeofLengths))) - 1
            guard freeList == undefinedLength || freeList == 1 || freeList < size else {
                throw Problem(description: "\(what) has its free list at \(freeList), past its \(size)-byte data segment")
            }
            let data = try address(dataRaw, Int(size), "the data segment of \(what)")
            // The library reads a heap whose data follows its header as one block; one that
            // overlaps its own header is damaged.
            guard data >= at + headerSize || data + Int(size) <= at else {
                throw Problem(description: "the data segment of \(what) overlaps its header")
            }
            let bytes = try source.read(data, Int(size), "the data segment of \(what)")
            // The free list: blocks of (next offset, size) inside the data; libhdf5 follows it
            // without noticing a cycle (allocating a node per step, forever).
            // libhdf5 ends the list with 1 (H5HL_FREE_NULL); the specification says all ones.
            var next = freeList, seen: Set<UInt64> = []
            while next != undefinedLength && next != 1 {
                guard seen.insert(next).inserted else { throw Problem(description: "the free list of \(what) loops") }
                guard next <= size, Int(next) <= bytes.count - 2 * sizeofLengths else {
                    throw Problem(description: "the free list of \(what) has a block at \(next), past its \(size)-byte data segment")
                }
                var f = Fields(bytes, at: Int(next), "the free list of \(what)")
                let following = try f.uint(sizeofLengths)
                let blockSize = try f.uint(sizeofLengths)
                guard blockSize >= UInt64(2 * sizeofLengths), blockSize <= size - next else {
                    throw Problem(description: "the free list of \(what) has a block of \(blockSize) bytes at \(next)")
                }
                next = following
            }
            return bytes
        }

        /// The name at `offset` of a local heap's data: NUL-terminated inside it.
        func heapName(_ offset: UInt64, heap: [UInt8], group: String) throws(Problem) -> String {
            guard offset < UInt64(heap.count) else {
                throw Problem(description: "a name of group \(group) is at \(offset), past its \(heap.count)-byte local heap")
            }
            let start = Int(offset)
            guard let end = heap[start...].firstIndex(of: 0) else {
                throw Problem(description: "a name of group \(group) at \(offset) is not terminated inside its local heap")
            }
            return String(decoding: heap[start..<end], as: UTF8.self)
        }

        /// A group B-tree node ("TREE", type 0): its keys are heap offsets, its children nodes one
        /// level down or, at level 0, symbol nodes.
        func btreeNode(_ raw: UInt64, level expected: Int?, heap: [UInt8], group: String,
                       nodes: inout Set<UInt64>, into entries: inout [(String, UInt64)]) throws(Problem) {
            let what = "a B-tree node of group \(group)"
            // A group's B-tree is a tree: a node (or symbol node) reached twice makes libhdf5 list its
            // links again on every path to it, which multiplies without bound (a fuzzed 12 KB file
            // made H5Lvisit allocate 2 GB).
            guard nodes.insert(raw).inserted else {
                throw Problem(description: "the B-tree of group \(group) reaches the node at \(raw) twice")
            }
            guard nodes.count <= 65_536 else { throw Problem(description: "the B-tree of group \(group) has more than 65,536 nodes") }
            let headerSize = 8 + 2 * sizeofOffsets
            let at = try address(raw, headerSize, what)
            var f = Fields(try source.read(at, headerSize, what), what)
            try f.signature("TREE")
            let type = try f.uint(1)
            guard type == 0 else { throw Problem(description: "\(what) has node type \(type) (0, group nodes, expected)") }
            let level = try f.int(1)
            if let expected, level != expected {
                throw Problem(description: "\(what) is at level \(level) where level \(expected) was expected")
            }
            guard level <= 32 else { throw Problem(description: "\(what) is at level \(level)") }
            let used = try f.int(2)
            let maxUsed = internalK > 0 ? 2 * internalK : 65_535
            guard used <= maxUsed else { throw Problem(description: "\(what) has \(used) entries (at most \(maxUsed))") }
            for sibling in 0..<2 {
                let raw = try f.uint(sizeofOffsets)
                if raw != undefined { _ = try address(raw, headerSize, "a sibling of \(what) (\(sibling == 0 ? "left" : "right"))") }
            }
            let bodySize = (2 * used + 1) * sizeofLengths + used * sizeofOffsets
            var b = Fields(try source.read(at + headerSize, bodySize, what), what)
            var children: [UInt64] = []
            for i in 0...used {
                let key = try b.uint(sizeofLengths)
                guard key < UInt64(heap.count) else {
                    throw Problem(description: "\(what) has a key (heap offset \(key)) past its \(heap.count)-byte local heap")
                }
                if i < used { children.append(try b.uint(sizeofOffsets)) }
            }
            for child in children {
                if level > 0 {
                    try btreeNode(child, level: level - 1, heap: heap, group: group, nodes: &nodes, into: &entries)
                } else {
                    guard nodes.insert(child).inserted else {
                        throw Problem(description: "the B-tree of group \(group) reaches the symbol node at \(child) twice")
                    }
                    try symbolNode(child, heap: heap, group: group, into: &entries)
                }
            }
        }

        /// A symbol node ("SNOD", version 1): entries of name offset, object header address, cache.
        func symbolNode(_ raw: UInt64, heap: [UInt8], group: String, into entries: inout [(String, UInt64)]) throws(Problem) {
            let what = "a symbol node of group \(group)"
            let at = try address(raw, 8, what)
            var f = Fields(try source.read(at, 8, what), what)
            try f.signature("SNOD")
            let version = try f.uint(1)
            guard version == 1 else { throw Problem(description: "\(what) has version \(version) (1 expected)") }
            try f.skip(1)
            let count = try f.int(2)
            let maxCount = leafK > 0 ? 2 * leafK : 65_535
            guard count <= maxCount else { throw Problem(description: "\(what) has \(count) entries (at most \(maxCount))") }
            let entrySize = 2 * sizeofOffsets + 8 + 16
            var e = Fields(try source.read(at + 8, count * entrySize, what), what)
            for _ in 0..<count {
                let nameOffset = try e.uint(sizeofOffsets)
                let name = try heapName(nameOffset, heap: heap, group: group)
                let header = try e.uint(sizeofOffsets)
                // Cache type 2 is a soft link: a path, resolved by name, not an object header.
                if try checkCache(&e, "the entry \(name) of group \(group)") != 2 { entries.append((name, header)) }
            }
        }
    }
}
