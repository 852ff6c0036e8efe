import Base
import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// A thin, internal layer over libhdf5's C API: one global lock (Debian's serial libhdf5 is not
// thread-safe), error stacks turned into messages instead of stderr prints, and RAII-style handles.

/// The element type of an HDF5 dataset or attribute, as reported by `inspect`.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case unsignedInteger(bits: Int)
    case signedInteger(bits: Int)
    case float(bits: Int)
    case string
    case other(String)

    public static let uint8 = HDF5ElementType.unsignedInteger(bits: 8)
    public static let float32 = HDF5ElementType.float(bits: 32)

    public var description: String {
        switch self {
        case let .unsignedInteger(bits): return "uint\(bits)"
        case let .signedInteger(bits): return "int\(bits)"
        case let .float(bits): return "float\(bits)"
        case .string: return "string"
        case let .other(name): return name
        }
    }

    /// Integers and floats (which we can read as numbers).
    public var isNumeric: Bool {
        switch self {
        case .unsignedInteger, .signedInteger, .float: return true
        default: return false
        }
    }
}

/// One object found in an HDF5 file.
public struct HDF5Object: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case group, dataset, other }
    /// Path inside the file, without a leading slash ("train/A").
    public var path: String
    public var kind: Kind
    /// Datasets only.
    public var elementType: HDF5ElementType?
    /// Datasets only.
    public var shape: [Int]?
    /// Datasets only: the bytes the file stores for the raw data, as the library reports them
    /// (compressed size for filtered datasets, allocated chunks for chunked ones).
    public var storageBytes: Int?
    /// Datasets only: whether a filter pipeline (compression) is applied.
    public var filtered: Bool?

    public var description: String {
        switch kind {
        case .group: return "\(path)/ (group)"
        case .dataset: return "\(path) \(elementType.map(\.description) ?? "?") \(shape.map { $0.map(String.init).joined(separator: "x") } ?? "?")"
        case .other: return "\(path) (other object)"
        }
    }
}

/// A scalar attribute value.
public enum HDF5AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case double(Double)
    /// Anything else (arrays, compound types), described.
    case other(String)

    public var description: String {
        switch self {
        case let .string(s): return s
        case let .integer(i): return String(i)
        case let .double(d): return String(d)
        case let .other(s): return s
        }
    }

    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var integerValue: Int64? { if case let .integer(i) = self { return i } else { return nil } }
}

enum HDF5Lib {
    static let lock = NSRecursiveLock()

    private static let setUp: Bool = {
        // No flock() on files: libhdf5 1.10 locks every file it opens, and a lock another handle
        // of this process still holds fails an open with "unable to lock file, errno = 11" (seen
        // once in parallel tests). Our writers never share a file (each writes a staging file and
        // renames it), so the lock protects nothing here. A value the user set is kept.
        setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0)
        _ = chdf5_silence_errors()
        HDF5RawHeapID.register()
        return true
    }()

    /// Runs `body` holding the library lock, with automatic error printing turned off. Debian's
    /// libhdf5 is built thread-safe, which makes the error stack and its printing per thread: the
    /// printing is turned off on whichever thread calls (else a damaged file's errors go to stderr).
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        _ = setUp
        _ = chdf5_silence_errors()
        return try body()
    }

    final class ErrorBox { var lines: [String] = [] }

    /// The current error stack (innermost first), joined into one line.
    static func errorStack() -> String {
        let box = ErrorBox()
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_UPWARD, { _, err, data in
            guard let err, let data else { return 0 }
            let box = Unmanaged<ErrorBox>.fromOpaque(data).takeUnretainedValue()
            var desc = err.pointee.desc.map { String(cString: $0) } ?? ""
            // The sec2 driver's I/O errors carry a time stamp, the (staging) file name and buffer
            // addresses: keep what failed and the system's reason.
            if let r = desc.range(of: "error message = '"), let end = desc[r.upperBound...].firstIndex(of: "'") {
                let what = desc.prefix { $0 != ":" }
                desc = "\(what): \(desc[r.upperBound..<end])"
            }
            let fn = err.pointee.func_name.map { String(cString: $0) } ?? ""
            box.lines.append(desc.isEmpty ? fn : "\(desc) (\(fn))")
            return 0
        }, unmanaged.toOpaque())
        _ = H5Eclear2(chdf5_e_default())
        var seen = Set<String>()
        let unique = box.lines.filter { seen.insert($0).inserted }
        return unique.isEmpty ? "no detail from the HDF5 library" : unique.prefix(4).joined(separator: "; ")
    }

    static func fail(_ path: String, _ operation: String) -> ImagingError {
        .hdf5(path: path, operation: operation, detail: errorStack())
    }

    static func elementType(_ type: hid_t) -> HDF5ElementType {
        let cls = H5Tget_class(type)
        let bits = Int(H5Tget_size(type)) * 8
        if cls == H5T_INTEGER { return H5Tget_sign(type) == H5T_SGN_NONE ? .unsignedInteger(bits: bits) : .signedInteger(bits: bits) }
        if cls == H5T_FLOAT { return .float(bits: bits) }
        if cls == H5T_STRING { return .string }
        let names: [(H5T_class_t, String)] = [(H5T_COMPOUND, "compound"), (H5T_ENUM, "enum"), (H5T_ARRAY, "array"),
                                              (H5T_VLEN, "vlen"), (H5T_OPAQUE, "opaque"), (H5T_REFERENCE, "reference"),
                                              (H5T_BITFIELD, "bitfield"), (H5T_TIME, "time")]
        return .other(names.first { $0.0 == cls }?.1 ?? "unknown type")
    }

    static func shape(ofSpace space: hid_t) -> [Int] {
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        _ = H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int(clamping: $0) }                 // a forged 2^64 − 1 must not trap
    }
}

/// An open HDF5 file. All methods take the library lock.
///
/// Writes that fail (a full disk) are fatal to the file: the first failure is remembered, every
/// later write throws it again, and the library's descriptor is pointed at an anonymous in-memory
/// file (`discardWrites()`), so that closing the datasets and the file can no longer fail.
/// libhdf5 1.10 leaves a dangling identifier behind when H5Dclose or H5Fclose fails to flush,
/// and the next call that touches it, or the library's shutdown at exit, crashes.
final class HDF5File: @unchecked Sendable {
    let id: hid_t
    let path: String
    /// The first failed write; the file is then only good for closing.
    private(set) var writeFailure: ImagingError?
    private var discarding = false
    /// Objects (header address) whose attribute messages the structural check found damaged:
    /// libhdf5 would read past them, so their attributes are never listed.
    private(set) var damagedAttributes: [UInt64: String] = [:]
    private var closed = false

    private init(id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        try HDF5Lib.locked {
            guard FileIO.exists(path) else { throw ImagingError.io(path: path, reason: "no such file") }
            // libhdf5 opens blocking: a FIFO or a device would hang here.
            if let kind = FileKind.of(path), kind != .regularFile {
                throw ImagingError.io(path: path, reason: "it is \(kind), not an HDF5 file. Hint: give the path of a regular .h5 file")
            }
            let isHDF5 = H5Fis_hdf5(path)
            if isHDF5 <= 0 {
                let detail = isHDF5 < 0 ? HDF5Lib.errorStack() : "no HDF5 signature found"
                throw ImagingError.corrupt(path: path, format: "HDF5", reason: detail)
            }
            // libhdf5 follows group structures unchecked (HDF5GroupCheck): check them first.
            let damagedAttributes = try HDF5GroupCheck.check(path: path)
            let fapl = H5Pcreate(chdf5_p_file_access())
            defer { H5Pclose(fapl) }
            _ = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
            let id = H5Fopen(path, writable ? chdf5_acc_rdwr() : chdf5_acc_rdonly(), fapl)
            guard id >= 0 else { throw ImagingError.corrupt(path: path, format: "HDF5", reason: HDF5Lib.errorStack()) }
            let file = HDF5File(id: id, path: path)
            file.damagedAttributes = damagedAttributes
            return file
        }
    }

    /// Creates (truncating) a file at `path`; `name` (default: `path`) is what errors call it, e.g.
    /// the destination of a file built under a staging name.
    static func create(_ path: String, name: String? = nil) throws -> HDF5File {
        try HDF5Lib.locked {
            let fapl = H5Pcreate(chdf5_p_file_access())
            defer { H5Pclose(fapl) }
            _ = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
            let id = H5Fcreate(path, chdf5_acc_trunc(), chdf5_p_default(), fapl)
            guard id >= 0 else { throw HDF5Lib.fail(name ?? path, "create") }
            return HDF5File(id: id, path: name ?? path)
        }
    }

    deinit {
        if !closed { HDF5Lib.locked { _ = H5Fclose(id) } }
    }

    /// Closes the file (every dataset of it must be released first), flushing what the library
    /// caches. A file whose writes failed is closed with its writes discarded.
    /// - Throws: `ImagingError.hdf5` when the final flush fails (the library then keeps a
    ///   broken identifier; writers avoid this by checking the free space first).
    func close() throws {
        try HDF5Lib.locked {
            guard !closed else { return }
            closed = true
            guard H5Fclose(id) >= 0 else { throw HDF5Lib.fail(path, "close") }
        }
    }

    /// Bytes that must be free on the file's disk before the final close of a file being
    /// written: the metadata the library still caches (object headers, chunk indexes) is written
    /// then, and a failure at that point cannot be recovered cleanly (see `failWrite`).
    static let closeReserveBytes = 4 << 20

    /// Throws an ENOSPC-like typed error unless `closeReserveBytes` are free where `stagedPath` lies.
    func checkSpaceForClose(stagedPath: String) throws {
        var st = statvfs()
        guard statvfs(stagedPath, &st) == 0 else { return }
        let free = Int(st.f_bavail) &* Int(st.f_frsize)
        guard free < Self.closeReserveBytes else { return }
        let error = ImagingError.hdf5(path: path, operation: "close",
                                      detail: "No space left on device: \(Format.bytes(free)) free, \(Format.bytes(Self.closeReserveBytes)) needed to finish the file safely")
        HDF5Lib.locked {
            if writeFailure == nil { writeFailure = error }
            discardWrites()
        }
        throw error
    }

    final class NameBox { var names: [String] = [] }

    /// Every group and dataset in the file, in name order.
    func objects() throws -> [HDF5Object] {
        try HDF5Lib.locked {
            let box = NameBox()
            let unmanaged = Unmanaged.passRetained(box)
            defer { unmanaged.release() }
            let rc = H5Lvisit(id, H5_INDEX_NAME, H5_ITER_INC, { _, name, info, data in
                guard let name, let data, let info else { return 0 }
                if info.pointee.type == H5L_TYPE_HARD {
                    Unmanaged<NameBox>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                }
                return 0
            }, unmanaged.toOpaque())
            guard rc >= 0 else { throw ImagingError.corrupt(path: path, format: "HDF5", reason: "cannot list objects: \(HDF5Lib.errorStack())") }
            return box.names.map { name in
                let obj = H5Oopen(id, name, chdf5_p_default())
                guard obj >= 0 else { return HDF5Object(path: name, kind: .other) }
                defer { H5Oclose(obj) }
                switch H5Iget_type(obj) {
                case H5I_GROUP:
                    return HDF5Object(path: name, kind: .group)
                case H5I_DATASET:
                    let type = H5Dget_type(obj), space = H5Dget_space(obj), dcpl = H5Dget_create_plist(obj)
                    defer { H5Tclose(type); H5Sclose(space); if dcpl >= 0 { H5Pclose(dcpl) } }
                    return HDF5Object(path: name, kind: .dataset, elementType: HDF5Lib.elementType(type),
                                      shape: HDF5Lib.shape(ofSpace: space),
                                      storageBytes: Int(clamping: H5Dget_storage_size(obj)),
                                      filtered: dcpl >= 0 ? H5Pget_nfilters(dcpl) != 0 : true)
                default:
                    return HDF5Object(path: name, kind: .other)
                }
            }
        }
    }

    /// Writes a scalar attribute on an object (default: the root group). Strings are written
    /// fixed-length; `legacyVariableLength` writes them as earlier versions did (variable-length,
    /// in the global heap), for the tests that check such files still read.
    func setAttribute(_ name: String, _ value: HDF5AttributeValue, on object: String = "/", legacyVariableLength: Bool = false) throws {
        try HDF5Lib.locked {
            try checkWritable()
            let obj = H5Oopen(id, object, chdf5_p_default())
            guard obj >= 0 else { throw HDF5Lib.fail(path, "open '\(object)'") }
            defer { H5Oclose(obj) }
            let space = H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            var rc: herr_t = -1
            switch value {
            case let .string(s) where legacyVariableLength:
                let type = H5Tcopy(chdf5_c_s1())
                defer { H5Tclose(type) }
                _ = H5Tset_size(type, Int(bitPattern: UInt.max))            // H5T_VARIABLE
                _ = H5Tset_cset(type, H5T_CSET_UTF8)
                let attr = H5Acreate2(obj, name, type, space, chdf5_p_default(), chdf5_p_default())
                guard attr >= 0 else { throw failWrite("create attribute '\(name)'") }
                defer { H5Aclose(attr) }
                rc = s.withCString { cs in
                    var ptr: UnsafePointer<CChar>? = cs
                    return H5Awrite(attr, type, &ptr)
                }
            case let .string(s):
                // Fixed-length (NUL-terminated UTF-8), stored in the object header itself: a
                // variable-length string would live in the global heap, whose references libhdf5
                // 1.10 follows unchecked when reading (see HDF5Attributes.swift).
                let bytes = Array(s.utf8) + [0]
                guard bytes.count <= Self.maxWrittenStringBytes else {
                    throw ImagingError.invalidArgument(operation: "HDF5 attribute '\(name)'",
                                                       message: "a string of \(Format.bytes(bytes.count - 1)) is longer than the \(Format.bytes(Self.maxWrittenStringBytes - 1)) an attribute may hold; keep long lists in a dataset")
                }
                let type = H5Tcopy(chdf5_c_s1())
                defer { H5Tclose(type) }
                _ = H5Tset_size(type, bytes.count)
                _ = H5Tset_strpad(type, H5T_STR_NULLTERM)
                _ = H5Tset_cset(type, H5T_CSET_UTF8)
                let attr = H5Acreate2(obj, name, type, space, chdf5_p_default(), chdf5_p_default())
                guard attr >= 0 else { throw failWrite("create attribute '\(name)'") }
                defer { H5Aclose(attr) }
                rc = bytes.withUnsafeBytes { H5Awrite(attr, type, $0.baseAddress) }
            case let .integer(i):
                let attr = H5Acreate2(obj, name, chdf5_std_i64le(), space, chdf5_p_default(), chdf5_p_default())
                guard attr >= 0 else { throw failWrite("create attribute '\(name)'") }
                defer { H5Aclose(attr) }
                var v = i
                rc = H5Awrite(attr, chdf5_native_int64(), &v)
            case let .double(d):
                let attr = H5Acreate2(obj, name, chdf5_ieee_f64le(), space, chdf5_p_default(), chdf5_p_default())
                guard attr >= 0 else { throw failWrite("create attribute '\(name)'") }
                defer { H5Aclose(attr) }
                var v = d
                rc = H5Awrite(attr, chdf5_native_double(), &v)
            case .other:
                throw ImagingError.invalidArgument(operation: "HDF5 attribute '\(name)'", message: "only strings, integers and doubles can be written")
            }
            guard rc >= 0 else { throw failWrite("write attribute '\(name)'") }
        }
    }

    /// Creates a group with modification-time tracking off (so equal content gives equal bytes).
    func createGroup(_ name: String) throws {
        try HDF5Lib.locked {
            try checkWritable()
            let gcpl = H5Pcreate(chdf5_p_group_create())
            defer { H5Pclose(gcpl) }
            _ = H5Pset_obj_track_times(gcpl, false)
            let group = H5Gcreate2(id, name, chdf5_p_default(), gcpl, chdf5_p_default())
            guard group >= 0 else { throw failWrite("create group '\(name)'") }
            H5Gclose(group)
        }
    }
}

/// An open dataset (kept open for repeated hyperslab reads).
final class HDF5Dataset: @unchecked Sendable {
    let file: HDF5File
    let id: hid_t
    let name: String
    let elementType: HDF5ElementType
    private(set) var shape: [Int]

    init(file: HDF5File, name: String) throws {
        self.file = file
        self.name = name
        (id, elementType, shape) = try HDF5Lib.locked {
            let id = H5Dopen2(file.id, name, chdf5_p_default())
            guard id >= 0 else { throw HDF5Lib.fail(file.path, "open dataset '\(name)'") }
            let type = H5Dget_type(id), space = H5Dget_space(id)
            defer { H5Tclose(type); H5Sclose(space) }
            return (id, HDF5Lib.elementType(type), HDF5Lib.shape(ofSpace: space))
        }
    }

    /// Creates an extendible, chunked dataset of `elementType` with shape [0] + `itemShape`
    /// (one chunk per item, time tracking off).
    init(creatingIn file: HDF5File, name: String, fileType: hid_t, itemShape: [Int]) throws {
        self.file = file
        self.name = name
        elementType = HDF5Lib.elementType(fileType)
        shape = [0] + itemShape
        id = try HDF5Lib.locked {
            try file.checkWritable()
            let rank = itemShape.count + 1
            var dims = [hsize_t](repeating: 0, count: rank)
            var maxDims = [chdf5_s_unlimited()] + itemShape.map { hsize_t($0) }
            var chunk = [hsize_t(1)] + itemShape.map { hsize_t(max($0, 1)) }
            for i in 1..<rank { dims[i] = hsize_t(itemShape[i - 1]) }
            let space = H5Screate_simple(Int32(rank), &dims, &maxDims)
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(chdf5_p_dataset_create())
            defer { H5Pclose(dcpl) }
            _ = H5Pset_chunk(dcpl, Int32(rank), &chunk)
            _ = H5Pset_obj_track_times(dcpl, false)
            // No chunk cache: each item is written by its append, so a full disk fails the append
            // (and the file discards further writes) instead of a later flush, whose failure
            // libhdf5 1.10 does not survive.
            let dapl = H5Pcreate(chdf5_p_dataset_access())
            defer { H5Pclose(dapl) }
            _ = H5Pset_chunk_cache(dapl, Int(bitPattern: UInt.max), 0, 1.0)      // default slots, 0 bytes
            let id = H5Dcreate2(file.id, name, fileType, space, chdf5_p_default(), dcpl, dapl)
            guard id >= 0 else { throw file.failWrite("create dataset '\(name)'") }
            return id
        }
    }

    deinit {
        HDF5Lib.locked { _ = H5Dclose(id) }
    }

    /// Reads the hyperslab `start` + `count` (full rank) converting to `memType`, into `buffer`.
    func read(start: [Int], count: [Int], memType: hid_t, into buffer: UnsafeMutableRawPointer) throws {
        precondition(start.count == shape.count && count.count == shape.count,
                     "hyperslab rank \(start.count)/\(count.count) for dataset '\(name)' of shape \(shape)")
        try HDF5Lib.locked {
            let fileSpace = H5Dget_space(id)
            defer { H5Sclose(fileSpace) }
            var s = start.map { hsize_t($0) }, c = count.map { hsize_t($0) }
            guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &s, nil, &c, nil) >= 0 else {
                throw HDF5Lib.fail(file.path, "select \(start)+\(count) in '\(name)'")
            }
            try checkChunks(start: start, count: count)
            let memSpace = H5Screate_simple(Int32(c.count), &c, nil)
            defer { H5Sclose(memSpace) }
            guard H5Dread(id, memType, memSpace, fileSpace, chdf5_p_default(), buffer) >= 0 else {
                throw ImagingError.corrupt(path: file.path, format: "HDF5",
                                           reason: "reading '\(name)' \(start)+\(count) failed: \(HDF5Lib.errorStack())")
            }
        }
    }

    /// The chunk shape and bytes of a chunked dataset (nil for other layouts); `filtered` chunks
    /// are decoded by their filter, which checks their size.
    private lazy var chunking: (shape: [Int], bytes: Int, filtered: Bool)?? = nil

    /// libhdf5 1.10 copies a whole chunk's worth of bytes (chunk shape × element size) out of
    /// the buffer it read an unfiltered chunk into, whose size is the chunk's stored size from
    /// the file's chunk index: a forged chunk shape or stored size reads past that buffer. So
    /// every allocated chunk a read touches must store exactly chunk shape × element size bytes.
    /// Called with the library's lock held.
    private func checkChunks(start: [Int], count: [Int]) throws {
        if chunking == nil { chunking = .some(chunkLayout()) }
        guard let layout = chunking!, count.allSatisfy({ $0 > 0 }) else { return }
        guard layout.shape.count == shape.count, layout.shape.allSatisfy({ $0 > 0 }), layout.bytes > 0 else {
            throw ImagingError.corrupt(path: file.path, format: "HDF5",
                                       reason: "dataset '\(name)' has chunks of shape \(layout.shape) (\(layout.bytes) bytes) for data of shape \(shape)")
        }
        guard !layout.filtered else { return }
        let first = zip(start, layout.shape).map { $0 / $1 }
        let last = zip(zip(start, count), layout.shape).map { ($0.0 + $0.1 - 1) / $1 }
        let chunks = HDF5Limits.product(zip(first, last).map { $1 - $0 + 1 }) ?? .max
        guard chunks <= 65_536 else {
            throw ImagingError.unsupported(path: file.path, reason: "dataset '\(name)' has chunks of shape \(layout.shape): one read would touch \(chunks) of them. Hint: rewrite it with larger chunks (h5repack -l CHUNK=...)")
        }
        var index = first
        while true {
            var offset = zip(index, layout.shape).map { hsize_t($0 * $1) }
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            if H5Dget_chunk_info_by_coord(id, &offset, &mask, &address, &size) >= 0 {
                if address != haddr_t.max, Int(clamping: size) != layout.bytes {
                    throw ImagingError.corrupt(path: file.path, format: "HDF5",
                                               reason: "chunk \(index) of dataset '\(name)' stores \(size) bytes where its shape \(layout.shape) needs \(layout.bytes)")
                }
            } else {
                throw ImagingError.corrupt(path: file.path, format: "HDF5",
                                           reason: "the chunk index of dataset '\(name)' is damaged: \(HDF5Lib.errorStack())")
            }
            // Next chunk coordinate (last axis fastest).
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] <= last[axis] { break }
                index[axis] = first[axis]
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// See ``chunking``.
    private func chunkLayout() -> (shape: [Int], bytes: Int, filtered: Bool)? {
        let dcpl = H5Dget_create_plist(id)
        guard dcpl >= 0 else { return nil }
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CHUNKED else { return nil }
        let filtered = H5Pget_nfilters(dcpl) != 0
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = Int(H5Pget_chunk(dcpl, 32, &dims))
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        guard rank > 0 else { return ([], 0, filtered) }
        let shape = dims.prefix(rank).map { Int(clamping: $0) }
        return (shape, HDF5Limits.product(shape + [H5Tget_size(type)]) ?? .max, filtered)
    }

    /// The whole dataset as bytes (1-D uint8 datasets such as the JSON manifest), at most
    /// `limit` bytes and no more than the file stores for it (checked before allocating).
    func readAllBytes(limit: Int = HDF5Limits.maxManifestBytes) throws -> [UInt8] {
        let stored = storage()
        try HDF5Limits.checkDeclared(path: file.path, dataset: name, shape: shape, elementBytes: 1, storageBytes: stored.bytes,
                                     filtered: stored.filtered, fileSize: FileIO.size(file.path) ?? 0)
        guard let total = HDF5Limits.product(shape), total <= limit else {
            throw ImagingError.declaredTooLarge(path: file.path, dataset: name, shape: shape, declaredBytes: HDF5Limits.product(shape),
                                                availableBytes: limit, reason: "such a dataset is read whole, up to")
        }
        var bytes = [UInt8](repeating: 0, count: total)
        if total > 0 {
            try bytes.withUnsafeMutableBytes { raw in
                try read(start: [Int](repeating: 0, count: shape.count), count: shape, memType: chdf5_native_uint8(), into: raw.baseAddress!)
            }
        }
        return bytes
    }

    /// Appends one item (shape = shape.dropFirst()) of `memType` data.
    func append(_ buffer: UnsafeRawPointer, memType: hid_t) throws {
        try HDF5Lib.locked {
            try file.checkWritable()
            let n = shape[0]
            var newDims = ([n + 1] + shape.dropFirst()).map { hsize_t($0) }
            guard H5Dset_extent(id, &newDims) >= 0 else { throw file.failWrite("extend '\(name)'") }
            let fileSpace = H5Dget_space(id)
            defer { H5Sclose(fileSpace) }
            var start = [hsize_t](repeating: 0, count: shape.count)
            start[0] = hsize_t(n)
            var count = newDims
            count[0] = 1
            _ = H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
            let memSpace = H5Screate_simple(Int32(count.count), &count, nil)
            defer { H5Sclose(memSpace) }
            guard H5Dwrite(id, memType, memSpace, fileSpace, chdf5_p_default(), buffer) >= 0 else {
                throw file.failWrite("write item \(n) of '\(name)'")
            }
            shape[0] = n + 1
        }
    }

    /// Writes a whole 1-D dataset of bytes (e.g. JSON), time tracking off.
    static func writeBytes(_ bytes: [UInt8], in file: HDF5File, name: String) throws {
        try HDF5Lib.locked {
            try file.checkWritable()
            var dims = [hsize_t(bytes.count)]
            let space = H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(chdf5_p_dataset_create())
            defer { H5Pclose(dcpl) }
            _ = H5Pset_obj_track_times(dcpl, false)
            let id = H5Dcreate2(file.id, name, chdf5_std_u8le(), space, chdf5_p_default(), dcpl, chdf5_p_default())
            guard id >= 0 else { throw file.failWrite("create dataset '\(name)'") }
            defer { H5Dclose(id) }
            let rc = bytes.withUnsafeBytes { H5Dwrite(id, chdf5_native_uint8(), chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress) }
            guard rc >= 0 else { throw file.failWrite("write dataset '\(name)'") }
        }
    }
}

// Error paths: a failed write makes the file write nowhere until it is closed; the tests inject a
// full disk under a real libhdf5 write and check that nothing stays open after a failure.
extension HDF5File {
    /// Throws the first failed write, if any.
    func checkWritable() throws {
        if let writeFailure { throw writeFailure }
    }

    /// The error for a failed write `operation`; the first one also makes the file discard writes.
    func failWrite(_ operation: String) -> ImagingError {
        HDF5Lib.locked {
            let error = HDF5Lib.fail(path, operation)
            if writeFailure == nil {
                writeFailure = error
                discardWrites()
            }
            return error
        }
    }

    /// Points the library's descriptor at an anonymous in-memory file (POSIX shared memory,
    /// unlinked at once; /dev/null when that is unavailable), so that the flushes of closing an
    /// abandoned file succeed instead of failing again on a full disk. Used only on files that
    /// are being abandoned: what is written afterwards is lost.
    func discardWrites() {
        HDF5Lib.locked {
            guard !discarding else { return }
            discarding = true
            let name = "/pix2pix-hdf5-discard-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            var replacement = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if replacement >= 0 { shm_unlink(name) } else { replacement = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC) }
            guard replacement >= 0 else { return }
            defer { Glibc.close(replacement) }
            try? redirectDescriptor(to: replacement)
        }
    }

    /// Makes the library's descriptor for this file refer to what `descriptor` refers to.
    func redirectDescriptor(to descriptor: Int32) throws {
        try HDF5Lib.locked {
            var handle: UnsafeMutableRawPointer?
            guard H5Fget_vfd_handle(id, chdf5_p_default(), &handle) >= 0, let handle else { throw HDF5Lib.fail(path, "get the file descriptor") }
            let fd = handle.load(as: Int32.self)
            guard dup2(descriptor, fd) >= 0 else { throw ImagingError.io(path: path, reason: "dup2 failed: \(FileIO.errnoReason())") }
        }
    }

    /// Points the library's descriptor for this file at `device`: with /dev/full every later
    /// write fails with ENOSPC, exactly as on a full disk (reads see zeros).
    func redirectDescriptor(to device: String) throws {
        let replacement = Glibc.open(device, O_RDWR | O_CLOEXEC)
        guard replacement >= 0 else { throw ImagingError.io(path: device, reason: "cannot open: \(FileIO.errnoReason())") }
        defer { Glibc.close(replacement) }
        try redirectDescriptor(to: replacement)
    }
}

extension HDF5Lib {
    /// The names of the files the library holds open (through any identifier).
    static func openFileNames() -> [String] {
        locked {
            let all = hid_t(0x1F)                              // H5F_OBJ_ALL: every file
            let fileKind: UInt32 = 0x1                         // H5F_OBJ_FILE
            let count = H5Fget_obj_count(all, fileKind)
            guard count > 0 else { return [] }
            var ids = [hid_t](repeating: 0, count: count)
            let n = H5Fget_obj_ids(all, fileKind, count, &ids)
            return ids.prefix(max(0, n)).map { id in
                var buffer = [CChar](repeating: 0, count: 4096)
                _ = H5Fget_name(id, &buffer, buffer.count)
                return String(cString: buffer)
            }
        }
    }
}
