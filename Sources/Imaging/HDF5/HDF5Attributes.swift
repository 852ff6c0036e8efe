import Base
import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Reading attributes from files that may be forged, without letting libhdf5 1.10.8 crash:
//
// - Listing. `H5Aiterate2` (like every by-index attribute call) first copies all attributes into
//   a table; when one attribute message fails to decode part-way, libhdf5 frees table slots it
//   never filled (`H5A__close` on garbage: SIGSEGV). So the messages are first decoded one at a time
//   by a by-name lookup of a name no attribute has (`H5Aexists_by_name` walks every message and
//   fails cleanly on a damaged one), and only then listed. Attributes in "dense" storage (a
//   fractal heap, HDF5 1.8+ object headers with an attribute-info message) are not listed at all:
//   that table is sized from a count the file declares. Our writers never use it.
// - Variable-length strings. The value is a reference into a global heap collection; libhdf5
//   follows it unchecked (`H5HG_read` copies an object whose index and size come from the file:
//   SIGSEGV). Here the reference itself is read raw (a soft conversion to a tagged opaque type, which
//   copies the bytes unchanged), and the string is taken from the collection by our own parser,
//   which checks the collection and the object against the file before reading a byte of them.
//   libhdf5 never reads the global heap for an attribute.
//
// Our writers store fixed-length strings (in the object header); variable-length ones come from
// files written by earlier versions and by h5py.

/// Raw variable-length references: the bytes of a variable-length string as the file stores
/// them (sequence length, collection address, object index), obtained from `H5Aread` through a
/// registered no-op conversion to an opaque type carrying ``tag``.
enum HDF5RawHeapID {
    static let tag = "pix2pix: raw variable-length heap ID"

    /// Registers the conversion (once, from `HDF5Lib`'s set-up).
    static func register() {
        let src = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(src) }
        _ = H5Tset_size(src, Int(bitPattern: UInt.max))                      // H5T_VARIABLE
        let dst = H5Tcreate(H5T_OPAQUE, 16)
        defer { H5Tclose(dst) }
        _ = H5Tset_tag(dst, tag)
        _ = H5Tregister(H5T_PERS_SOFT, "pix2pix_raw_heap_id", src, dst, { src, dst, cdata, _, _, _, _, _, _ in
            guard let cdata else { return -1 }
            switch cdata.pointee.command {
            case H5T_CONV_INIT:
                // Accept only variable-length strings converted to our tagged opaque type of the
                // same (on-disk) size; the bytes then stay as they are.
                cdata.pointee.need_bkg = H5T_BKG_NO
                guard H5Tis_variable_str(src) > 0, H5Tget_class(dst) == H5T_OPAQUE,
                      H5Tget_size(src) == H5Tget_size(dst), let t = H5Tget_tag(dst) else { return -1 }
                defer { H5free_memory(t) }
                return String(cString: t) == HDF5RawHeapID.tag ? 0 : -1
            default:
                return 0
            }
        })
    }

    /// The stored bytes of the scalar variable-length string attribute `attr` (`size` bytes:
    /// 4 + the file's address size + 4), or nil when the library cannot give them.
    static func read(_ attr: hid_t, size: Int) -> [UInt8]? {
        let memType = H5Tcreate(H5T_OPAQUE, size)
        guard memType >= 0 else { return nil }
        defer { H5Tclose(memType) }
        guard H5Tset_tag(memType, tag) >= 0 else { return nil }
        var raw = [UInt8](repeating: 0, count: size)
        guard H5Aread(attr, memType, &raw) >= 0 else { _ = HDF5Lib.errorStack(); return nil }
        return raw
    }
}

/// What reading a variable-length string needs to know about its file.
struct HDF5FileGeometry {
    /// Bytes of a file address and of a length field (superblock; 8 and 8 by default).
    var sizeofAddress: Int
    var sizeofSize: Int
    /// Where address 0 lies in the file (the user block's size).
    var base: Int
    /// The file the library reads (not the display name of a file written under a staging name).
    var path: String

    init?(file id: hid_t) {
        let fcpl = H5Fget_create_plist(id)
        guard fcpl >= 0 else { return nil }
        defer { H5Pclose(fcpl) }
        var sa = 0, ss = 0
        var userBlock: hsize_t = 0
        guard H5Pget_sizes(fcpl, &sa, &ss) >= 0, H5Pget_userblock(fcpl, &userBlock) >= 0 else { return nil }
        let length = H5Fget_name(id, nil, 0)
        guard length > 0 else { return nil }
        var name = [CChar](repeating: 0, count: length + 1)
        _ = H5Fget_name(id, &name, name.count)
        sizeofAddress = sa
        sizeofSize = ss
        base = Int(clamping: userBlock)
        path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A global heap collection ("GCOL", version 1), parsed from bytes the caller read from the file:
/// a header (signature, version, 3 reserved bytes, collection size) and objects (index, reference
/// count, 4 reserved bytes, size, data padded to 8 bytes) up to index 0 (free space).
enum HDF5GlobalHeap {
    struct Problem: Error, CustomStringConvertible { let description: String }

    static func headerSize(sizeofSize: Int) -> Int { 8 + sizeofSize }

    /// Little-endian unsigned integer of `count` ≤ 8 bytes at `offset` (bounds checked by callers).
    static func le(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<count).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }

    /// The collection's declared size, from its first `headerSize` bytes.
    static func declaredSize(header: [UInt8], sizeofSize: Int) throws(Problem) -> UInt64 {
        guard header.count >= headerSize(sizeofSize: sizeofSize), header.starts(with: Array("GCOL".utf8)) else {
            throw Problem(description: "no global heap collection there (no GCOL signature)")
        }
        guard header[4] == 1 else { throw Problem(description: "global heap collection version \(header[4]) (1 expected)") }
        return le(header, 8, sizeofSize)
    }

    /// The data of object `index` in `collection` (the whole collection, header included).
    static func object(_ index: UInt64, in collection: [UInt8], sizeofSize: Int) throws(Problem) -> ArraySlice<UInt8> {
        guard index > 0 else { throw Problem(description: "global heap object index 0 (the free space)") }
        let objectHeader = 8 + sizeofSize
        var p = headerSize(sizeofSize: sizeofSize)
        while p + objectHeader <= collection.count {
            let id = le(collection, p, 2)
            if id == 0 { break }
            let size = le(collection, p + 8, sizeofSize)
            let begin = p + objectHeader
            guard size <= UInt64(collection.count - begin) else {
                throw Problem(description: "global heap object \(id) declares \(size) bytes, past the end of its \(collection.count)-byte collection")
            }
            if id == index { return collection[begin..<(begin + Int(size))] }
            p = begin + (Int(size) + 7) & ~7
        }
        throw Problem(description: "global heap object \(index) is not in its collection")
    }
}

extension HDF5File {
    /// The most attributes one object may list.
    static let maxAttributes = 4096
    /// The longest string attribute value read (fixed or variable length).
    static let maxAttributeStringBytes = 16 << 20
    /// The longest string written as an attribute, its terminating NUL included (an attribute
    /// lives in the object header, whose messages are limited to 64 KiB).
    static let maxWrittenStringBytes = 60_000

    /// The scalar attributes of an object, or why some could not be listed.
    struct AttributeScan {
        var values: [String: HDF5AttributeValue] = [:]
        /// Set when the attributes were not (all) listed.
        var problem: String?
        /// The object header's attribute messages do not decode: the file is damaged.
        var damaged = false
    }

    /// The scalar attributes of an object ("" or "/" = the root group).
    /// - Throws: `ImagingError.corrupt` when the attribute messages are damaged.
    func attributes(of object: String = "/") throws -> [String: HDF5AttributeValue] {
        let scan = try scanAttributes(of: object)
        if scan.damaged, let problem = scan.problem { throw ImagingError.corrupt(path: path, format: "HDF5", reason: problem) }
        return scan.values
    }

    /// The scalar attributes of an object, read without letting libhdf5 follow what a forged file
    /// declares (see the top of this file).
    func scanAttributes(of object: String = "/") throws -> AttributeScan {
        try HDF5Lib.locked {
            let where_ = object.isEmpty ? "/" : object
            let obj = H5Oopen(id, where_, chdf5_p_default())
            guard obj >= 0 else { throw HDF5Lib.fail(path, "open '\(object)'") }
            defer { H5Oclose(obj) }
            var scan = AttributeScan()
            var info = H5O_info_t()
            guard H5Oget_info2(obj, &info, UInt32(H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS | H5O_INFO_HDR)) >= 0 else {
                scan.problem = "the object header of '\(where_)' is unreadable: \(HDF5Lib.errorStack())"
                scan.damaged = true
                return scan
            }
            if let problem = damagedAttributes[UInt64(info.addr)] {
                scan.problem = "the attribute messages of '\(where_)' are damaged: \(problem)"
                scan.damaged = true
                return scan
            }
            guard info.num_attrs > 0 else { return scan }
            let attributeInfoMessage: UInt64 = 1 << 0x15
            if info.hdr.mesg.present & attributeInfoMessage != 0 {
                scan.problem = "the attributes of '\(where_)' are indexed (HDF5 1.8+ attribute storage), which is not read"
                return scan
            }
            guard info.num_attrs <= hsize_t(Self.maxAttributes) else {
                scan.problem = "'\(where_)' declares \(info.num_attrs) attributes, more than the \(Self.maxAttributes) read"
                return scan
            }
            // Decodes every attribute message one at a time (no attribute has this name).
            guard H5Aexists_by_name(obj, ".", "\u{1}pix2pix: no such attribute", chdf5_p_default()) >= 0 else {
                scan.problem = "the attribute messages of '\(where_)' are damaged: \(HDF5Lib.errorStack())"
                scan.damaged = true
                return scan
            }
            final class Names { var list: [String] = [] }
            let names = Names()
            let unmanaged = Unmanaged.passRetained(names)
            defer { unmanaged.release() }
            var idx: hsize_t = 0
            let rc = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, data in
                guard let name, let data else { return 0 }
                Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().list.append(String(cString: name))
                return 0
            }, unmanaged.toOpaque())
            guard rc >= 0 else {
                scan.problem = "the attributes of '\(where_)' cannot be listed: \(HDF5Lib.errorStack())"
                scan.damaged = true
                return scan
            }
            let geometry = HDF5FileGeometry(file: id)
            for name in names.list {
                let attr = H5Aopen_by_name(obj, ".", name, chdf5_p_default(), chdf5_p_default())
                guard attr >= 0 else { _ = HDF5Lib.errorStack(); continue }
                defer { H5Aclose(attr) }
                scan.values[name] = Self.readAttribute(attr, geometry: geometry)
            }
            return scan
        }
    }

    private static func readAttribute(_ attr: hid_t, geometry: HDF5FileGeometry?) -> HDF5AttributeValue {
        let type = H5Aget_type(attr), space = H5Aget_space(attr)
        defer { if type >= 0 { H5Tclose(type) }; if space >= 0 { H5Sclose(space) } }
        guard type >= 0, space >= 0 else { return .other("unreadable attribute: \(HDF5Lib.errorStack())") }
        let shape = HDF5Lib.shape(ofSpace: space)
        let element = HDF5Lib.elementType(type)
        guard HDF5Limits.product(shape) == 1 else {
            return .other("\(element) array \(shape.map(String.init).joined(separator: "x"))")
        }
        switch element {
        case .string:
            if H5Tis_variable_str(type) > 0 {
                guard let geometry else { return .other("unreadable string: the file's geometry is unknown") }
                do {
                    return .string(try variableLengthString(attr, geometry: geometry))
                } catch {
                    return .other("unreadable string: \(error)")
                }
            }
            let size = Int(H5Tget_size(type))
            guard size <= maxAttributeStringBytes else { return .other("string of \(Format.bytes(size)), not read") }
            var buffer = [UInt8](repeating: 0, count: size + 1)
            guard H5Aread(attr, type, &buffer) >= 0 else { return .other("unreadable string: \(HDF5Lib.errorStack())") }
            return .string(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
        case .signedInteger, .unsignedInteger:
            var value: Int64 = 0
            guard H5Aread(attr, chdf5_native_int64(), &value) >= 0 else { return .other("unreadable integer: \(HDF5Lib.errorStack())") }
            return .integer(value)
        case .float:
            var value: Double = 0
            guard H5Aread(attr, chdf5_native_double(), &value) >= 0 else { return .other("unreadable float: \(HDF5Lib.errorStack())") }
            return .double(value)
        case let .other(name):
            return .other(name)
        }
    }

    /// A scalar variable-length string attribute, taken from its global heap collection by
    /// ``HDF5GlobalHeap`` after checking the collection and the object against the file.
    private static func variableLengthString(_ attr: hid_t, geometry g: HDF5FileGeometry) throws(HDF5GlobalHeap.Problem) -> String {
        guard (1...8).contains(g.sizeofAddress), (1...8).contains(g.sizeofSize) else {
            throw HDF5GlobalHeap.Problem(description: "the file's address size \(g.sizeofAddress) or length size \(g.sizeofSize) is not supported")
        }
        let rawSize = 4 + g.sizeofAddress + 4
        guard let raw = HDF5RawHeapID.read(attr, size: rawSize) else {
            throw HDF5GlobalHeap.Problem(description: "its heap reference cannot be read")
        }
        let length = HDF5GlobalHeap.le(raw, 0, 4)
        if length == 0 { return "" }
        let address = HDF5GlobalHeap.le(raw, 4, g.sizeofAddress)
        let index = HDF5GlobalHeap.le(raw, 4 + g.sizeofAddress, 4)
        guard length <= UInt64(maxAttributeStringBytes) else {
            throw HDF5GlobalHeap.Problem(description: "it declares \(length) bytes, more than the \(Format.bytes(maxAttributeStringBytes)) read")
        }
        let collection = try readCollection(at: address, geometry: g, limit: maxAttributeStringBytes + (64 << 10))
        let object = try HDF5GlobalHeap.object(index, in: collection, sizeofSize: g.sizeofSize)
        guard object.count == Int(length) else {
            throw HDF5GlobalHeap.Problem(description: "it declares \(length) bytes but its global heap object holds \(object.count)")
        }
        return String(decoding: object.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The global heap collection at file address `address`, read whole after checking that it
    /// lies inside the file and is at most `limit` bytes.
    private static func readCollection(at address: UInt64, geometry g: HDF5FileGeometry, limit: Int) throws(HDF5GlobalHeap.Problem) -> [UInt8] {
        let fd = Glibc.open(g.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HDF5GlobalHeap.Problem(description: "cannot open the file again: \(FileIO.errnoReason())") }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw HDF5GlobalHeap.Problem(description: "the file is no longer a regular file")
        }
        let fileSize = UInt64(max(0, st.st_size))
        let (start, overflow) = address.addingReportingOverflow(UInt64(g.base))
        let headerSize = HDF5GlobalHeap.headerSize(sizeofSize: g.sizeofSize)
        guard !overflow, start <= fileSize, fileSize - start >= UInt64(headerSize) else {
            throw HDF5GlobalHeap.Problem(description: "its global heap collection at address \(address) lies outside the \(fileSize)-byte file")
        }
        func read(_ count: Int) throws(HDF5GlobalHeap.Problem) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(start) + off_t(done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw HDF5GlobalHeap.Problem(description: "reading its global heap collection failed: \(n < 0 ? FileIO.errnoReason() : "end of file")") }
                done += n
            }
            return bytes
        }
        let declared = try HDF5GlobalHeap.declaredSize(header: try read(headerSize), sizeofSize: g.sizeofSize)
        guard declared >= UInt64(headerSize), declared <= fileSize - start else {
            throw HDF5GlobalHeap.Problem(description: "its global heap collection at address \(address) declares \(declared) bytes; \(fileSize - start) remain in the file")
        }
        guard declared <= UInt64(limit) else {
            throw HDF5GlobalHeap.Problem(description: "its global heap collection declares \(declared) bytes, more than the \(Format.bytes(limit)) read")
        }
        return try read(Int(declared))
    }
}
