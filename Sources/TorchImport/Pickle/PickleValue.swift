/// The element type of a storage, from its class name (`torch.FloatStorage` → `.float32`).
public enum PthDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    /// The storage class PyTorch pickles for this type (`FloatStorage`).
    public var storageClass: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    public var description: String { rawValue }
}

/// The globals a pickle may name: what `torch.save` of a state dict refers to, and nothing else.
/// Looked up by exact (module, name) pairs, so dotted names, attribute chains and look-alike
/// modules never match.
enum AllowedGlobal: Equatable, Sendable {
    case orderedDict
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)` (torch before 0.4).
    case rebuildTensor
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)`.
    case rebuildParameterWithState
    /// `torch.nn.parameter.Parameter(data[, requires_grad])`.
    case parameter
    /// `torch.FloatStorage`, `torch.cuda.HalfStorage`, … (only as a persistent id's type).
    case storage(PthDType)

    static func lookup(module: String, name: String) -> AllowedGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch.nn.parameter", "Parameter"): return .parameter
        default:
            guard module == "torch" || module == "torch.cuda" else { return nil }
            return PthDType.allCases.first { $0.storageClass == name }.map { .storage($0) }
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .parameter: return "torch.nn.parameter.Parameter"
        case .storage(let dtype): return "torch.\(dtype.storageClass)"
        }
    }
}

/// A storage a persistent id names: `count` elements of `dtype` starting `base` elements into the
/// root storage `key` (a view only in legacy files; otherwise base 0 and the whole storage).
final class StorageRef: @unchecked Sendable {  // immutable
    let key: String
    let dtype: PthDType
    /// Elements of the root storage.
    let rootCount: Int
    let base: Int
    let count: Int

    init(key: String, dtype: PthDType, rootCount: Int, base: Int, count: Int) {
        self.key = key
        self.dtype = dtype
        self.rootCount = rootCount
        self.base = base
        self.count = count
    }
}

/// A tensor as the pickle describes it: a strided view of a storage. Nothing is checked or read
/// when it is created; ``PthFile`` checks shape, strides and extent once it knows the tensor's name.
final class TensorRef: @unchecked Sendable {  // immutable
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let stride: [Int]
    /// Where in the pickle it was made (for messages).
    let pickleOffset: Int

    init(storage: StorageRef, offset: Int, shape: [Int], stride: [Int], pickleOffset: Int) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.stride = stride
        self.pickleOffset = pickleOffset
    }
}

/// A mutable list (shared through the memo, as in Python).
final class PickleList {
    var items: [PickleValue] = []
}

/// A mutable dict in insertion order (as `OrderedDict` and Python 3.7 dicts); keys are strings or
/// integers, each at most once.
final class PickleDict {
    enum Key: Hashable { case string(String), int(Int) }
    var keys: [Key] = []
    var values: [PickleValue] = []
    var index: [Key: Int] = [:]
    /// Made by `collections.OrderedDict()` (rather than EMPTY_DICT / DICT).
    let ordered: Bool

    init(ordered: Bool) { self.ordered = ordered }

    func value(_ key: String) -> PickleValue? { index[.string(key)].map { values[$0] } }
}

/// A value on the pickle machine's stack. Tuples carry their nesting depth, which the machine
/// bounds (a deep chain of tuples would otherwise be released recursively).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits: little-endian two's complement bytes (the legacy magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    /// A Python 2 byte string that is not UTF-8.
    case bytes([UInt8])
    indirect case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    case global(AllowedGlobal)
    case storage(StorageRef)
    case tensor(TensorRef)

    var depth: Int {
        if case let .tuple(_, depth) = self { return depth }
        return 0
    }

    /// "a tuple of 3", "the string 'x'", … for messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "the integer \(i)"
        case .bigInt: return "a large integer"
        case .float: return "a float"
        case .string(let s): return "the string '\(PthError.printable(s, limit: 40))'"
        case .bytes: return "a byte string"
        case .tuple(let items, _): return "a tuple of \(items.count)"
        case .list(let l): return "a list of \(l.items.count)"
        case .dict(let d): return "a dict of \(d.keys.count)"
        case .global(let g): return g.qualifiedName
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var int: Int? {
        if case .int(let i) = self { return i }
        return nil
    }
}
