import CKernels
import Foundation

/// The two on-disk formats `torch.save` writes.
public enum PthFormat: String, Sendable, CustomStringConvertible {
    /// torch ≥ 1.6: a stored zip archive `<archive>/data.pkl` + `<archive>/data/<key>`.
    case zip
    /// The stream before it (and `_use_new_zipfile_serialization=False`): magic number, protocol,
    /// system info, the object pickle, the storage keys, then each storage's count and bytes.
    case legacy

    public var description: String {
        switch self {
        case .zip: return "zip archive (torch ≥ 1.6)"
        case .legacy: return "legacy stream (torch < 1.6, or _use_new_zipfile_serialization=False)"
        }
    }
}

/// One tensor of a state dict: its name and how it lies in its storage (checked: every element it
/// addresses is inside the storage).
public struct PthTensor: Sendable, Equatable {
    public let name: String
    public let dtype: PthDType
    public let shape: [Int]
    /// Strides in elements (PyTorch's; a non-contiguous view is read element by element).
    public let stride: [Int]
    /// Offset in elements from the start of the storage (view offsets included).
    public let storageOffset: Int
    public let storageKey: String
    /// Π shape.
    public let elementCount: Int
}

/// A PyTorch `.pth` state dict, read without executing anything.
///
/// Opening a file parses its structure only: the zip directory (or the legacy stream's pickles and
/// storage records) and the state dict's pickle, through a pickle machine — an interpreter
/// that builds values but has no way to call code. Tensor data is read later, by
/// ``read(_:)``, after the caller has compared names and shapes with what it expects. Every size
/// the file declares is checked against ``PthLimits`` and against the bytes present before
/// anything is allocated from it; every refusal is a ``PthError`` naming what was refused.
///
/// A top-level `{"state_dict": …}` wrapper is unwrapped and a `module.` prefix on every key (a
/// model saved inside `DataParallel`) is stripped; ``notes`` says when either happened.
public final class PthFile: @unchecked Sendable {  // immutable after init
    /// The path or name given (for messages).
    public let name: String
    public let format: PthFormat
    /// The state dict's tensors in the file's order.
    public let tensors: [PthTensor]
    /// What was adjusted while reading (wrapper unwrapped, prefix stripped).
    public let notes: [String]
    /// Size of the file in bytes.
    public var fileSize: Int { source.size }

    let limits: PthLimits
    private let source: any PthByteSource
    private let storages: [String: StorageLocation]

    /// Where a root storage's bytes are.
    struct StorageLocation {
        let key: String
        let dtype: PthDType
        let count: Int
        let offset: Int
        /// The zip entry (for its CRC-32), nil in legacy files.
        let entry: ZipArchive.Entry?
        let archive: ZipArchive?
    }

    /// Opens `path` (a regular file; FIFOs and devices are refused before they are opened).
    public convenience init(path: String, limits: PthLimits = .standard) throws {
        try self.init(source: try PthFileSource(path: path), limits: limits)
    }

    /// Reads a `.pth` from memory; `name` names it in errors.
    public convenience init(bytes: [UInt8], name: String = "<memory>", limits: PthLimits = .standard) throws {
        try self.init(source: PthMemorySource(name: name, bytes: bytes), limits: limits)
    }

    init(source: any PthByteSource, limits: PthLimits) throws {
        self.source = source
        self.limits = limits
        name = source.name
        let head = try source.read(count: min(source.size, 512), at: 0, what: "the file's first bytes")
        let table = StorageTable(file: source.name, limits: limits, fileSize: source.size)
        let root: [(String, TensorRef)]
        var notes: [String] = []
        if ZipArchive.looksLikeZip(head) {
            format = .zip
            let opened = try Self.openZip(source, limits: limits, table: table, notes: &notes)
            root = opened.0
            storages = opened.1
        } else if head.count >= 2, head[0] == PickleOpcode.proto, head[1] <= 5 {
            format = .legacy
            let opened = try Self.openLegacy(source, limits: limits, table: table, notes: &notes)
            root = opened.0
            storages = opened.1
        } else {
            throw Self.notPyTorch(source.name, head)
        }
        tensors = try Self.checkTensors(root, file: source.name, limits: limits)
        self.notes = notes
    }

    static func notPyTorch(_ file: String, _ head: [UInt8]) -> PthError {
        if head.count >= 262, String(decoding: head[257..<262], as: UTF8.self) == "ustar" {
            return .unsupportedFormat(file: file, reason: "a tar archive, the format of torch before 0.1.10; load and re-save it with a current torch")
        }
        if head.count >= 8, head[0..<5].elementsEqual([0x89, 0x50, 0x5A, 0x43, 0x4B]) {
            return .notPyTorch(file: file, reason: "it is a Pix2PixZoo checkpoint (.pzck), which loads directly")
        }
        if head.count >= 9, head[8] == 0x7B, head.le(UInt64.self, at: 0) < 100_000_000 {
            return .notPyTorch(file: file, reason: "it looks like a safetensors file (a length, then a JSON header)")
        }
        return .notPyTorch(file: file, reason: "it starts with neither a zip header (PK\\3\\4) nor a pickle protocol opcode (0x80)")
    }

    // MARK: The zip archive

    private static func openZip(_ source: any PthByteSource, limits: PthLimits, table: StorageTable,
                                notes: inout [String]) throws -> ([(String, TensorRef)], [String: StorageLocation]) {
        let file = source.name
        let archive = try ZipArchive(source: source, limits: limits)
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard let pickleEntry = pickles.first else {
            if archive.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") || $0.name.contains("/code/") }) {
                throw PthError.unsupportedFormat(file: file, reason: "a TorchScript archive (torch.jit.save); save the state dict with torch.save(model.state_dict(), path) instead")
            }
            throw PthError.notPyTorch(file: file, reason: "a zip archive without <archive>/data.pkl")
        }
        guard pickles.count == 1 else {
            throw PthError.unsafeEntryName(file: file, name: pickles[1].name, reason: "a second data.pkl (\(pickles[0].name) is the first): which one is the model would depend on the reader")
        }
        let root = String(pickleEntry.name.dropLast("/data.pkl".count))
        for entry in archive.entries where !entry.name.hasPrefix(root + "/") {
            throw PthError.unsafeEntryName(file: file, name: entry.name, reason: "it lies outside the archive's folder \"\(root)/\"")
        }
        if let order = archive.entry(named: root + "/byteorder") {
            let text = String(decoding: try archive.read(order, limit: 16, what: "the byte order record"), as: UTF8.self)
            guard text == "little" else {
                throw PthError.unsupportedFormat(file: file, reason: "byte order \"\(PthError.printable(text))\": only little-endian files are read; re-save it on a little-endian machine")
            }
        }
        let bytes = try archive.read(pickleEntry, limit: limits.maximumPickleBytes, what: "the state dict's pickle")
        let machine = PickleMachine(file: file, pickle: pickleEntry.name,
                                    input: PickleInput(source: PthMemorySource(name: file, bytes: bytes), start: 0, maximumBytes: limits.maximumPickleBytes),
                                    limits: limits, storages: table)
        let tensors = try machine.run { try stateDict($0, file: file, notes: &notes) }
        var locations: [String: StorageLocation] = [:]
        for key in table.order {
            let storage = table.roots[key]!
            let entryName = "\(root)/data/\(key)"
            guard let entry = archive.entry(named: entryName) else {
                throw PthError.storage(file: file, key: key, reason: "no zip entry \(entryName) holds its data")
            }
            let needed = storage.rootCount * storage.dtype.itemSize  // ≤ file size, checked when the id was read
            guard entry.size == needed else {
                throw PthError.storage(file: file, key: key, reason: "declared as \(storage.rootCount) elements of \(storage.dtype) (\(needed) bytes), but its entry holds \(entry.size) bytes")
            }
            locations[key] = StorageLocation(key: key, dtype: storage.dtype, count: storage.rootCount, offset: entry.dataOffset,
                                             entry: entry, archive: archive)
        }
        return (tensors, locations)
    }

    // MARK: The legacy stream

    /// PyTorch's legacy magic number 0x1950a86a20f9469cfc6c, as LONG1 stores it.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let legacyProtocolVersion = 1001

    private static func openLegacy(_ source: any PthByteSource, limits: PthLimits, table: StorageTable,
                                   notes: inout [String]) throws -> ([(String, TensorRef)], [String: StorageLocation]) {
        let file = source.name
        var position = 0
        func pickle<T>(_ what: String, storages: StorageTable? = nil, _ body: (PickleValue) throws -> T) throws -> T {
            let machine = PickleMachine(file: file, pickle: "\(what) (at byte \(position))",
                                        input: PickleInput(source: source, start: position, maximumBytes: limits.maximumPickleBytes),
                                        limits: limits, storages: storages)
            let result = try machine.run(body)
            position += machine.consumed
            return result
        }
        let magicOK = try pickle("the magic number") { value -> Bool in
            if case .bigInt(let bytes) = value { return bytes == legacyMagic }
            return false
        }
        guard magicOK else {
            throw PthError.notPyTorch(file: file, reason: "a pickle without PyTorch's magic number (a plain pickle, not written by torch.save)")
        }
        let version = try pickle("the protocol version") { $0.int }
        guard version == legacyProtocolVersion else {
            throw PthError.unsupportedFormat(file: file, reason: "legacy protocol version \(version.map(String.init) ?? "missing"), not \(legacyProtocolVersion)")
        }
        let littleEndian = try pickle("the system information") { value -> Bool? in
            guard case .dict(let dict) = value else { return nil }
            if case .bool(let b)? = dict.value("little_endian") { return b }
            return true
        }
        guard let littleEndian else { throw PthError.notPyTorch(file: file, reason: "the system information is not a dict") }
        guard littleEndian else {
            throw PthError.unsupportedFormat(file: file, reason: "written on a big-endian machine: only little-endian files are read; re-save it on a little-endian machine")
        }
        let tensors = try pickle("the object pickle", storages: table) { try stateDict($0, file: file, notes: &notes) }
        let keys = try pickle("the storage keys") { value -> [String]? in
            guard case .list(let list) = value else { return nil }
            let keys = list.items.compactMap(\.string)
            return keys.count == list.items.count ? keys : nil
        }
        guard let keys else { throw PthError.notPyTorch(file: file, reason: "the storage keys are not a list of strings") }
        guard Set(keys).count == keys.count else {
            throw PthError.storage(file: file, key: keys.first { k in keys.filter { $0 == k }.count > 1 }!, reason: "listed twice")
        }
        for key in keys where table.roots[key] == nil {
            throw PthError.storage(file: file, key: key, reason: "listed in the storage keys but no tensor refers to it (its element type is unknown, so its bytes cannot be skipped safely)")
        }
        for key in table.order where !keys.contains(key) {
            throw PthError.storage(file: file, key: key, reason: "a tensor refers to it but it is not in the file's storage list")
        }
        var locations: [String: StorageLocation] = [:]
        for key in keys {
            let storage = table.roots[key]!
            let header = try source.read(count: 8, at: position, what: "the element count of storage '\(key)'")
            let count = Int64(bitPattern: header.le(UInt64.self, at: 0))
            guard count == Int64(storage.rootCount) else {
                throw PthError.storage(file: file, key: key, reason: "its record holds \(count) elements, the pickle declared \(storage.rootCount)")
            }
            position += 8
            let bytes = storage.rootCount * storage.dtype.itemSize  // ≤ file size, checked when the id was read
            guard bytes <= source.size - position else {
                throw PthError.truncated(file: file, what: "storage '\(key)' (\(storage.rootCount) × \(storage.dtype))", needed: position + bytes,
                                         available: source.size)
            }
            locations[key] = StorageLocation(key: key, dtype: storage.dtype, count: storage.rootCount, offset: position, entry: nil, archive: nil)
            position += bytes
        }
        return (tensors, locations)
    }

    // MARK: The state dict

    /// The (name, tensor) pairs of a state dict, or of the dict under "state_dict"; a `module.` prefix
    /// on every key is stripped.
    static func stateDict(_ value: PickleValue, file: String, notes: inout [String]) throws -> [(String, TensorRef)] {
        guard case .dict(var dict) = value else {
            throw PthError.notAStateDict(file: file, reason: "the pickled object is \(value.kind), not a dict")
        }
        if case .dict(let inner)? = dict.value("state_dict") {
            dict = inner
            notes.append("read the state dict under the top-level key \"state_dict\"")
        }
        var pairs: [(String, TensorRef)] = []
        for (key, value) in zip(dict.keys, dict.values) {
            guard case .string(let name) = key else {
                throw PthError.notAStateDict(file: file, reason: "a key is an integer, not a parameter name")
            }
            guard case .tensor(let tensor) = value else {
                let others = dict.keys.compactMap { k -> String? in if case .string(let s) = k { return "\"\(PthError.printable(s, limit: 40))\"" } else { return nil } }
                throw PthError.notAStateDict(file: file, reason: "the value of \"\(PthError.printable(name))\" is \(value.kind), not a tensor (top-level keys: \(others.prefix(8).joined(separator: ", "))\(others.count > 8 ? ", …" : ""))")
            }
            pairs.append((name, tensor))
        }
        guard !pairs.isEmpty else { throw PthError.notAStateDict(file: file, reason: "it holds no tensors") }
        if pairs.allSatisfy({ $0.0.hasPrefix("module.") }) {
            pairs = pairs.map { (String($0.0.dropFirst("module.".count)), $0.1) }
            notes.append("stripped the prefix \"module.\" (saved from a DataParallel wrapper)")
        }
        return pairs
    }

    /// Checks each tensor's offset, shape and strides against its storage (overflow-safe) and the
    /// element budget, and describes it.
    static func checkTensors(_ pairs: [(String, TensorRef)], file: String, limits: PthLimits) throws -> [PthTensor] {
        var total = 0
        return try pairs.map { name, t in
            func refuse(_ reason: String) -> PthError { .tensor(file: file, name: name, reason: reason) }
            guard t.offset >= 0 else { throw refuse("a negative storage offset \(t.offset)") }
            guard t.shape.allSatisfy({ $0 >= 0 }) else { throw refuse("a negative dimension in its shape \(t.shape)") }
            guard t.stride.allSatisfy({ $0 >= 0 }) else { throw refuse("a negative stride in \(t.stride)") }
            var elements = 1
            for d in t.shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= limits.maximumTotalElements else {
                    throw PthError.limitExceeded(file: file, what: "the element count of tensor '\(PthError.printable(name))' (shape \(t.shape))",
                                                 value: overflow ? Int.max : p, limit: limits.maximumTotalElements)
                }
                elements = p
            }
            total += elements
            guard total <= limits.maximumTotalElements else {
                throw PthError.limitExceeded(file: file, what: "the elements of all tensors together", value: total, limit: limits.maximumTotalElements)
            }
            if elements > 0 {
                // The last element it addresses: offset + Σ (size − 1) · stride, inside the storage.
                var last = t.offset
                for (d, s) in zip(t.shape, t.stride) {
                    let (step, o1) = (d - 1).multipliedReportingOverflow(by: s)
                    let (sum, o2) = last.addingReportingOverflow(step)
                    guard !o1, !o2 else { throw refuse("its strides \(t.stride) and shape \(t.shape) overflow") }
                    last = sum
                }
                guard last < t.storage.count else {
                    throw refuse("shape \(t.shape), stride \(t.stride) at offset \(t.offset) reach element \(last) of storage '\(t.storage.key)', which holds \(t.storage.count) (the storage is shorter than its tensor)")
                }
            } else if t.offset > t.storage.count {
                throw refuse("offset \(t.offset) is past the end of storage '\(t.storage.key)' (\(t.storage.count) elements)")
            }
            return PthTensor(name: name, dtype: t.storage.dtype, shape: t.shape, stride: t.stride,
                             storageOffset: t.storage.base + t.offset, storageKey: t.storage.key, elementCount: elements)
        }
    }

    // MARK: Reading values

    /// Name → shape of every tensor.
    public var shapes: [String: [Int]] {
        Dictionary(tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
    }

    /// The values of `selected` tensors (all when nil) as Float32, row-major: F16, BF16 and F64 are
    /// converted (F64 rounds to nearest), integer types too. Each storage is read once (and, in a
    /// zip, checked against its CRC-32), one at a time.
    public func read(_ selected: [PthTensor]? = nil) throws -> [String: [Float]] {
        let wanted = selected ?? tensors
        var result: [String: [Float]] = [:]
        var byStorage: [String: [PthTensor]] = [:]
        var order: [String] = []
        for t in wanted {
            if byStorage[t.storageKey] == nil { order.append(t.storageKey) }
            byStorage[t.storageKey, default: []].append(t)
        }
        for key in order {
            guard let location = storages[key] else { throw PthError.storage(file: name, key: key, reason: "unknown storage") }
            let bytes = try source.read(count: location.count * location.dtype.itemSize, at: location.offset, what: "storage '\(key)'")
            if let entry = location.entry, let archive = location.archive { try archive.check(entry, bytes) }
            for t in byStorage[key]! {
                result[t.name] = Self.gather(t, from: bytes)
            }
        }
        return result
    }

    /// The elements of `t` in row-major order, converted to Float.
    static func gather(_ t: PthTensor, from storage: [UInt8]) -> [Float] {
        let n = t.elementCount
        guard n > 0 else { return [] }
        let size = t.dtype.itemSize
        // Row-major contiguous (dimensions of size 1 may have any stride): one run of bytes.
        var contiguous = true
        var expected = 1
        for (d, s) in zip(t.shape, t.stride).reversed() where d != 1 {
            if s != expected { contiguous = false; break }
            expected *= d
        }
        var raw: [UInt8]
        if contiguous {
            raw = Array(storage[(t.storageOffset * size)..<((t.storageOffset + n) * size)])
        } else {
            raw = [UInt8](repeating: 0, count: n * size)
            let rank = t.shape.count
            var index = [Int](repeating: 0, count: rank)
            var position = t.storageOffset
            storage.withUnsafeBytes { src in
                raw.withUnsafeMutableBytes { dst in
                    for i in 0..<n {
                        (dst.baseAddress! + i * size).copyMemory(from: src.baseAddress! + position * size, byteCount: size)
                        // Odometer over the index, innermost dimension first.
                        var k = rank - 1
                        while k >= 0 {
                            index[k] += 1
                            position += t.stride[k]
                            if index[k] < t.shape[k] { break }
                            position -= t.stride[k] * t.shape[k]
                            index[k] = 0
                            k -= 1
                        }
                    }
                }
            }
        }
        return convert(raw, dtype: t.dtype, count: n)
    }

    /// Little-endian elements of `dtype` to Float.
    static func convert(_ raw: [UInt8], dtype: PthDType, count n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        raw.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst.baseAddress!
                switch dtype {
                case .float32:
                    UnsafeMutableRawPointer(d).copyMemory(from: src.baseAddress!, byteCount: n * 4)
                case .float16:
                    ck_f16_to_f32(d, src.baseAddress!.assumingMemoryBound(to: UInt16.self), n)
                case .bfloat16:
                    ck_bf16_to_f32(d, src.baseAddress!.assumingMemoryBound(to: UInt16.self), n)
                case .float64:
                    for i in 0..<n { d[i] = Float(Double(bitPattern: src.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
                case .int64:
                    for i in 0..<n { d[i] = Float(src.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
                case .int32:
                    for i in 0..<n { d[i] = Float(src.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
                case .int16:
                    for i in 0..<n { d[i] = Float(src.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
                case .int8:
                    for i in 0..<n { d[i] = Float(Int8(bitPattern: src[i])) }
                case .uint8:
                    for i in 0..<n { d[i] = Float(src[i]) }
                case .bool:
                    for i in 0..<n { d[i] = src[i] != 0 ? 1 : 0 }
                }
            }
        }
        return out
    }
}
