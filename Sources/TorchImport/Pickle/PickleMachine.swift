import Foundation

/// The storages a file's persistent ids name, shared by every pickle of one file, with the
/// tensor budget.
final class StorageTable {
    let file: String
    let limits: PthLimits
    /// Bytes of the whole file: no storage can hold more.
    let fileSize: Int
    private(set) var roots: [String: StorageRef] = [:]
    /// Root keys in the order they were first named.
    private(set) var order: [String] = []
    var tensorsMade = 0

    init(file: String, limits: PthLimits, fileSize: Int) {
        self.file = file
        self.limits = limits
        self.fileSize = fileSize
    }

    /// A storage key: 1…64 characters from [A-Za-z0-9_.-], not "." or "..". PyTorch's keys are
    /// decimal numbers; the key becomes part of a zip entry name, so nothing else is accepted.
    static func validKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...64).contains(bytes.count), key != ".", key != ".." else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
    }

    /// Resolves a persistent id `('storage', <storage class>, key, location, numel[, view])`, where
    /// `view` is None or `(view_key, offset, count)` (legacy files only).
    func resolve(_ pid: PickleValue, fail: (String) -> PthError) throws -> StorageRef {
        guard case let .tuple(items, _) = pid, items.count == 5 || items.count == 6 else {
            throw fail("a persistent id must be ('storage', type, key, location, size[, view]), got \(pid.kind)")
        }
        guard items[0].string == "storage" else { throw fail("a persistent id names \(items[0].kind), not 'storage'") }
        guard case let .global(.storage(dtype)) = items[1] else {
            throw fail("a persistent id's type is \(items[1].kind), not a storage class")
        }
        guard let key = items[2].string else { throw fail("a storage key is \(items[2].kind), not a string") }
        guard Self.validKey(key) else {
            throw PthError.storage(file: file, key: key, reason: "refused key: storage keys are 1 to 64 letters, digits, '_', '.' or '-' (not \".\" or \"..\")")
        }
        guard let location = items[3].string, location.utf8.count <= 64 else {
            throw fail("storage '\(key)': the location is \(items[3].kind), not a short string")
        }
        _ = location  // 'cpu', 'cuda:0', …: the bytes are the same wherever the tensor lived
        guard let count = items[4].int, count >= 0 else {
            throw PthError.storage(file: file, key: key, reason: "its element count is \(items[4].kind), not a non-negative integer")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow, bytes <= fileSize else {
            throw PthError.storage(file: file, key: key, reason: "it declares \(count) elements of \(dtype) (\(overflow ? "more than 2^63" : String(bytes)) bytes), more than the whole file holds (\(fileSize) bytes)")
        }
        let root: StorageRef
        if let known = roots[key] {
            guard known.dtype == dtype, known.rootCount == count else {
                throw PthError.storage(file: file, key: key, reason: "named twice with different types or sizes (\(known.dtype) × \(known.rootCount), then \(dtype) × \(count))")
            }
            root = known
        } else {
            guard roots.count < limits.maximumTensors else {
                throw PthError.limitExceeded(file: file, what: "the number of storages", value: roots.count + 1, limit: limits.maximumTensors)
            }
            root = StorageRef(key: key, dtype: dtype, rootCount: count, base: 0, count: count)
            roots[key] = root
            order.append(key)
        }
        guard items.count == 6, case let .tuple(view, _) = items[5] else {
            if items.count == 6, case .none = items[5] { return root }
            if items.count == 5 { return root }
            throw fail("storage '\(key)': the view is \(items[5].kind), not None or (key, offset, size)")
        }
        guard view.count == 3, view[0].string != nil, let base = view[1].int, let length = view[2].int,
              base >= 0, length >= 0, base <= count, length <= count - base else {
            throw PthError.storage(file: file, key: key, reason: "a view (\(pid.kind)) that is not (key, offset, size) inside the storage's \(count) elements")
        }
        return StorageRef(key: key, dtype: dtype, rootCount: count, base: base, count: length)
    }
}

/// A pickle machine that builds values and never calls anything.
///
/// It executes only the opcodes in ``PickleOpcode/allowed``; GLOBAL resolves only the exact names of
/// ``AllowedGlobal`` (anything else is refused when it is named, before it could be called);
/// REDUCE applies only those, with their arguments checked, and each of them merely builds a value
/// here (an empty dict, a tensor description). BUILD is accepted only to attach state to a dict
/// (the state dict's `_metadata`), where it is ignored. Stack, marks, memo, strings, containers,
/// tuple nesting and the pickle's size are bounded (``PthLimits``), and every length is checked
/// against the bytes present before anything is allocated from it.
final class PickleMachine {
    let file: String
    /// Names the pickle in errors ("data.pkl", "the legacy object pickle at byte 137").
    let pickle: String
    let limits: PthLimits
    private var input: PickleInput
    private let storages: StorageTable?
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var totalItems = 0
    /// Every list and dict made, emptied when the run ends: that breaks any reference cycle the
    /// pickle built (a list appended to itself) and keeps releases shallow.
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    private var opcodeOffset = 0

    init(file: String, pickle: String, input: PickleInput, limits: PthLimits, storages: StorageTable?) {
        self.file = file
        self.pickle = pickle
        self.input = input
        self.limits = limits
        self.storages = storages
    }

    /// Bytes the pickle took, STOP included (valid after ``run(_:)``).
    var consumed: Int { input.position }

    /// Runs the pickle to its STOP and hands the result to `body`; afterwards every container the
    /// pickle made is emptied, so `body` must copy out what it keeps.
    func run<T>(_ body: (PickleValue) throws -> T) throws -> T {
        defer {
            stack.removeAll()
            memo.removeAll()
            for list in lists { list.items.removeAll() }
            for dict in dicts { dict.values.removeAll(); dict.keys.removeAll(); dict.index.removeAll() }
        }
        return try body(try execute())
    }

    private func malformed(_ reason: String) -> PthError {
        .malformedPickle(file: file, pickle: pickle, offset: opcodeOffset, reason: reason)
    }

    private func take(_ n: Int, _ what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        try input.take(n, what: what(), pickle: pickle)
    }

    private func push(_ value: PickleValue) throws {
        guard stack.count < limits.maximumStackDepth else {
            throw PthError.limitExceeded(file: file, what: "the depth of the pickle stack", value: stack.count + 1, limit: limits.maximumStackDepth)
        }
        stack.append(value)
    }

    /// The stack's floor: values below the innermost mark belong to an outer construction.
    private var floor: Int { marks.last ?? 0 }

    private func pop() throws -> PickleValue {
        guard stack.count > floor else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard stack.count > floor else { throw malformed("stack underflow") }
        return stack[stack.count - 1]
    }

    /// The values since the innermost mark (removed, with the mark).
    private func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func count(items n: Int, into current: Int) throws {
        guard current + n <= limits.maximumContainerItems else {
            throw PthError.limitExceeded(file: file, what: "the number of items in one container", value: current + n, limit: limits.maximumContainerItems)
        }
        totalItems += n
        guard totalItems <= limits.maximumTotalItems else {
            throw PthError.limitExceeded(file: file, what: "the number of container items in \(pickle)", value: totalItems, limit: limits.maximumTotalItems)
        }
    }

    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        try count(items: items.count, into: 0)
        let depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= limits.maximumNesting else {
            throw PthError.limitExceeded(file: file, what: "the nesting of tuples", value: depth, limit: limits.maximumNesting)
        }
        return .tuple(items, depth: depth)
    }

    private func newList(_ items: [PickleValue] = []) throws -> PickleValue {
        try count(items: items.count, into: 0)
        let list = PickleList()
        list.items = items
        lists.append(list)
        return .list(list)
    }

    private func newDict(ordered: Bool) -> PickleDict {
        let dict = PickleDict(ordered: ordered)
        dicts.append(dict)
        return dict
    }

    private func set(_ dict: PickleDict, _ key: PickleValue, _ value: PickleValue) throws {
        let k: PickleDict.Key
        switch key {
        case .string(let s):
            guard s.utf8.count <= limits.maximumKeyBytes else {
                throw PthError.limitExceeded(file: file, what: "the length of a dict key", value: s.utf8.count, limit: limits.maximumKeyBytes)
            }
            k = .string(s)
        case .int(let i): k = .int(i)
        default: throw malformed("a dict key must be a string or an integer, got \(key.kind)")
        }
        guard dict.index[k] == nil else {
            throw malformed("the dict key \(key.kind) appears twice (a reader would keep one of the two values)")
        }
        try count(items: 1, into: dict.keys.count)
        dict.index[k] = dict.keys.count
        dict.keys.append(k)
        dict.values.append(value)
    }

    private func memoIndex(_ n: Int) throws -> Int {
        guard memo[n] != nil || memo.count < limits.maximumMemoEntries else {
            throw PthError.limitExceeded(file: file, what: "the number of memo entries", value: memo.count + 1, limit: limits.maximumMemoEntries)
        }
        return n
    }

    private func string(_ bytes: ArraySlice<UInt8>, strict: Bool) throws -> PickleValue {
        if let s = String(validating: bytes, as: UTF8.self) { return .string(s) }
        if strict { throw malformed("a BINUNICODE string that is not valid UTF-8") }
        return .bytes(Array(bytes))
    }

    private func checkedLength(_ n: Int) throws -> Int {
        guard n >= 0 else { throw malformed("a negative length \(n)") }
        guard n <= limits.maximumStringBytes else {
            throw PthError.limitExceeded(file: file, what: "the length of a string", value: n, limit: limits.maximumStringBytes)
        }
        return n
    }

    private func le(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// A LONG1 / LONG4 payload: two's complement, little-endian.
    private func long(_ bytes: ArraySlice<UInt8>) -> PickleValue {
        if bytes.isEmpty { return .int(0) }
        if bytes.count <= 8 {
            var v = le(bytes)
            if bytes.count < 8, bytes.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(bytes.count)) }
            return .int(Int(Int64(bitPattern: v)))
        }
        return .bigInt(Array(bytes))
    }

    private func execute() throws -> PickleValue {
        while true {
            opcodeOffset = input.position
            let op = try input.byte(pickle: pickle)
            guard PickleOpcode.allowed.contains(op) else {
                throw PthError.opcodeRefused(file: file, pickle: pickle, offset: opcodeOffset, opcode: op)
            }
            switch op {
            case PickleOpcode.proto:
                let version = try take(1, "the protocol").first!
                guard version <= 5 else { throw malformed("unknown pickle protocol \(version)") }
            case PickleOpcode.stop:
                return try pop()
            case PickleOpcode.mark:
                guard marks.count < limits.maximumMarks else {
                    throw PthError.limitExceeded(file: file, what: "the number of open MARKs", value: marks.count + 1, limit: limits.maximumMarks)
                }
                marks.append(stack.count)
            case PickleOpcode.pop:
                _ = try pop()
            case PickleOpcode.popMark:
                _ = try popMark()
            case PickleOpcode.none: try push(.none)
            case PickleOpcode.newTrue: try push(.bool(true))
            case PickleOpcode.newFalse: try push(.bool(false))
            case PickleOpcode.binInt:
                try push(.int(Int(Int32(bitPattern: UInt32(le(try take(4, "a BININT")))))))
            case PickleOpcode.binInt1:
                try push(.int(Int(try take(1, "a BININT1").first!)))
            case PickleOpcode.binInt2:
                try push(.int(Int(le(try take(2, "a BININT2")))))
            case PickleOpcode.long1, PickleOpcode.long4:
                let n = op == PickleOpcode.long1 ? Int(try take(1, "a LONG1 length").first!)
                                                 : Int(Int32(bitPattern: UInt32(le(try take(4, "a LONG4 length")))))
                guard n >= 0, n <= 16 else {
                    throw PthError.limitExceeded(file: file, what: "the byte length of an integer", value: n, limit: 16)
                }
                try push(long(try take(n, "an integer")))
            case PickleOpcode.binFloat:
                try push(.float(Double(bitPattern: UInt64(bigEndian: le(try take(8, "a BINFLOAT"))))))
            case PickleOpcode.binUnicode:
                let n = try checkedLength(Int(le(try take(4, "a BINUNICODE length"))))
                try push(try string(try take(n, "a string of \(n) bytes"), strict: true))
            case PickleOpcode.binString:
                let n = try checkedLength(Int(Int32(bitPattern: UInt32(le(try take(4, "a BINSTRING length"))))))
                try push(try string(try take(n, "a string of \(n) bytes"), strict: false))
            case PickleOpcode.shortBinString:
                let n = Int(try take(1, "a SHORT_BINSTRING length").first!)
                try push(try string(try take(n, "a string of \(n) bytes"), strict: false))
            case PickleOpcode.emptyTuple: try push(try tuple([]))
            case PickleOpcode.tuple: try push(try tuple(try popMark()))
            case PickleOpcode.tuple1:
                let a = try pop()
                try push(try tuple([a]))
            case PickleOpcode.tuple2:
                let b = try pop(), a = try pop()
                try push(try tuple([a, b]))
            case PickleOpcode.tuple3:
                let c = try pop(), b = try pop(), a = try pop()
                try push(try tuple([a, b, c]))
            case PickleOpcode.emptyList: try push(try newList())
            case PickleOpcode.list: try push(try newList(try popMark()))
            case PickleOpcode.append:
                let value = try pop()
                guard case .list(let list) = try top() else { throw malformed("APPEND to \(try top().kind), not a list") }
                try count(items: 1, into: list.items.count)
                list.items.append(value)
            case PickleOpcode.appends:
                let items = try popMark()
                guard case .list(let list) = try top() else { throw malformed("APPENDS to \(try top().kind), not a list") }
                try count(items: items.count, into: list.items.count)
                list.items += items
            case PickleOpcode.emptyDict: try push(.dict(newDict(ordered: false)))
            case PickleOpcode.dict:
                let items = try popMark()
                guard items.count % 2 == 0 else { throw malformed("DICT with an odd number of items") }
                let dict = newDict(ordered: false)
                for i in stride(from: 0, to: items.count, by: 2) { try set(dict, items[i], items[i + 1]) }
                try push(.dict(dict))
            case PickleOpcode.setItem:
                let value = try pop(), key = try pop()
                guard case .dict(let dict) = try top() else { throw malformed("SETITEM on \(try top().kind), not a dict") }
                try set(dict, key, value)
            case PickleOpcode.setItems:
                let items = try popMark()
                guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
                guard case .dict(let dict) = try top() else { throw malformed("SETITEMS on \(try top().kind), not a dict") }
                for i in stride(from: 0, to: items.count, by: 2) { try set(dict, items[i], items[i + 1]) }
            case PickleOpcode.binPut:
                memo[try memoIndex(Int(try take(1, "a BINPUT index").first!))] = try top()
            case PickleOpcode.longBinPut:
                memo[try memoIndex(Int(le(try take(4, "a LONG_BINPUT index"))))] = try top()
            case PickleOpcode.binGet, PickleOpcode.longBinGet:
                let n = op == PickleOpcode.binGet ? Int(try take(1, "a BINGET index").first!) : Int(le(try take(4, "a LONG_BINGET index")))
                guard let value = memo[n] else { throw malformed("memo entry \(n) was never stored") }
                try push(value)
            case PickleOpcode.global:
                let offset = opcodeOffset
                guard let module = try input.line(limit: 256, pickle: pickle), let name = try input.line(limit: 256, pickle: pickle) else {
                    throw malformed("a GLOBAL name longer than 256 bytes")
                }
                let m = String(decoding: module, as: UTF8.self), n = String(decoding: name, as: UTF8.self)
                guard let global = AllowedGlobal.lookup(module: m, name: n) else {
                    throw PthError.globalRefused(file: file, pickle: pickle, offset: offset, module: m, name: n)
                }
                try push(.global(global))
            case PickleOpcode.reduce:
                let args = try pop(), callable = try pop()
                guard case .global(let global) = callable else {
                    throw PthError.callRefused(file: file, pickle: pickle, offset: opcodeOffset, callable: callable.kind,
                                               reason: "REDUCE may only apply an allowlisted global")
                }
                guard case .tuple(let items, _) = args else {
                    throw PthError.callRefused(file: file, pickle: pickle, offset: opcodeOffset, callable: global.qualifiedName,
                                               reason: "its arguments are \(args.kind), not a tuple")
                }
                try push(try apply(global, items))
            case PickleOpcode.build:
                let state = try pop(), target = try top()
                switch (target, state) {
                case (.dict, .dict), (.dict, .none), (.dict, .tuple):
                    break  // a state dict's `_metadata` (module versions): not needed
                default:
                    throw PthError.callRefused(file: file, pickle: pickle, offset: opcodeOffset, callable: "BUILD on \(target.kind)",
                                               reason: "BUILD may only attach state to a dict (a state dict's _metadata)")
                }
            case PickleOpcode.binPersId:
                let pid = try pop()
                guard let storages else {
                    throw PthError.callRefused(file: file, pickle: pickle, offset: opcodeOffset, callable: "a persistent load",
                                               reason: "this pickle may not refer to storages")
                }
                let offset = opcodeOffset
                try push(.storage(try storages.resolve(pid) { reason in
                    PthError.callRefused(file: file, pickle: pickle, offset: offset, callable: "a persistent load", reason: reason)
                }))
            default:
                throw PthError.opcodeRefused(file: file, pickle: pickle, offset: opcodeOffset, opcode: op)
            }
        }
    }

    // MARK: The allowlisted calls

    private func apply(_ global: AllowedGlobal, _ args: [PickleValue]) throws -> PickleValue {
        func refuse(_ reason: String) -> PthError {
            .callRefused(file: file, pickle: pickle, offset: opcodeOffset, callable: global.qualifiedName, reason: reason)
        }
        func ints(_ value: PickleValue, _ what: String) throws -> [Int] {
            guard case .tuple(let items, _) = value else { throw refuse("\(what) is \(value.kind), not a tuple") }
            guard items.count <= limits.maximumRank else {
                throw PthError.limitExceeded(file: file, what: "the rank of a tensor (\(what))", value: items.count, limit: limits.maximumRank)
            }
            return try items.map { item in
                guard let i = item.int else { throw refuse("\(what) holds \(item.kind), not an integer") }
                return i
            }
        }
        func tensor(_ storageValue: PickleValue, _ offsetValue: PickleValue, _ size: PickleValue, _ stride: PickleValue) throws -> PickleValue {
            guard case .storage(let storage) = storageValue else { throw refuse("its first argument is \(storageValue.kind), not a storage") }
            guard let offset = offsetValue.int else { throw refuse("the storage offset is \(offsetValue.kind), not an integer") }
            let shape = try ints(size, "the size"), strides = try ints(stride, "the stride")
            guard shape.count == strides.count else { throw refuse("a size of rank \(shape.count) with a stride of rank \(strides.count)") }
            guard let storages else { throw refuse("this pickle may not make tensors") }
            storages.tensorsMade += 1
            guard storages.tensorsMade <= limits.maximumTensors else {
                throw PthError.limitExceeded(file: file, what: "the number of tensors", value: storages.tensorsMade, limit: limits.maximumTensors)
            }
            return .tensor(TensorRef(storage: storage, offset: offset, shape: shape, stride: strides, pickleOffset: opcodeOffset))
        }
        func isHooks(_ value: PickleValue) -> Bool {
            if case .dict = value { return true }
            if case .none = value { return true }
            return false
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw refuse("only OrderedDict() with no arguments is accepted (items follow as SETITEMS)") }
            return .dict(newDict(ordered: true))
        case .rebuildTensor:
            guard args.count == 4 else { throw refuse("it takes (storage, offset, size, stride), got \(args.count) arguments") }
            return try tensor(args[0], args[1], args[2], args[3])
        case .rebuildTensorV2:
            guard args.count == 6 || args.count == 7 else {
                throw refuse("it takes (storage, offset, size, stride, requires_grad, hooks[, metadata]), got \(args.count) arguments")
            }
            guard case .bool = args[4], isHooks(args[5]), args.count == 6 || isHooks(args[6]) else {
                throw refuse("requires_grad must be a bool and the hooks and metadata dicts (or None)")
            }
            return try tensor(args[0], args[1], args[2], args[3])
        case .rebuildParameter, .rebuildParameterWithState:
            let n = global == .rebuildParameter ? 3 : 4
            guard args.count == n, case .tensor = args[0], case .bool = args[1], isHooks(args[2]) else {
                throw refuse("it takes (tensor, requires_grad, hooks\(n == 4 ? ", state" : "")), got \(args.map(\.kind).joined(separator: ", "))")
            }
            return args[0]
        case .parameter:
            guard (1...2).contains(args.count), case .tensor = args[0] else {
                throw refuse("it takes (tensor[, requires_grad]), got \(args.map(\.kind).joined(separator: ", "))")
            }
            if args.count == 2, case .bool = args[1] {} else if args.count == 2 { throw refuse("requires_grad must be a bool") }
            return args[0]
        case .storage:
            throw refuse("a storage class is only accepted as the type in a persistent id")
        }
    }
}
