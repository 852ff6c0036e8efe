import Testing
@testable import TorchImport

/// The pickle machine on hand-made pickles: what it builds, and every bound and refusal.
@Suite("Pickle machine")
struct PickleMachineTests {
    typealias P = PickleBytes

    /// Runs `bytes` and returns a description of the result, or the error.
    func run(_ bytes: [UInt8], limits: PthLimits = .standard, storages: Bool = true) -> Result<String, PthError> {
        let source = PthMemorySource(name: "t.pkl", bytes: bytes)
        let table = StorageTable(file: "t.pkl", limits: limits, fileSize: 1 << 20)
        let machine = PickleMachine(file: "t.pkl", pickle: "test", input: PickleInput(source: source, start: 0, maximumBytes: limits.maximumPickleBytes),
                                    limits: limits, storages: storages ? table : nil)
        do {
            return .success(try machine.run { value -> String in
                switch value {
                case .dict(let d): return "dict \(d.ordered ? "ordered " : "")\(d.keys.count)"
                case .tensor(let t): return "tensor \(t.shape) \(t.stride) +\(t.offset) \(t.storage.dtype)"
                default: return value.kind
                }
            })
        } catch let e as PthError {
            return .failure(e)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(.notPyTorch(file: "", reason: ""))
        }
    }

    func error(_ bytes: [UInt8], limits: PthLimits = .standard) -> PthError? {
        if case .failure(let e) = run(bytes, limits: limits) { return e }
        return nil
    }

    @Test("builds scalars, strings, tuples, lists and dicts")
    func values() throws {
        #expect(try run(P.proto + [0x4B, 7, 0x2E]).get() == "the integer 7")
        #expect(try run(P.proto + [0x4A] + P.le(UInt32(bitPattern: -5)) + [0x2E]).get() == "the integer -5")
        #expect(try run(P.proto + [0x8A, 2, 0xFF, 0x7F, 0x2E]).get() == "the integer 32767")
        #expect(try run(P.proto + [0x8A, 1, 0xFF, 0x2E]).get() == "the integer -1")
        #expect(try run(P.proto + P.unicode("hé") + [0x2E]).get() == "the string 'hé'")
        #expect(try run(P.proto + [0x55, 2, 0x61, 0x62, 0x2E]).get() == "the string 'ab'")
        #expect(try run(P.proto + [0x4B, 1, 0x4B, 2, 0x86, 0x2E]).get() == "a tuple of 2")
        #expect(try run(P.proto + [0x5D, 0x28, 0x4B, 1, 0x4B, 2, 0x65, 0x4B, 3, 0x61, 0x2E]).get() == "a list of 3")
        #expect(try run(P.proto + P.emptyOrderedDict + [0x28] + P.unicode("a") + [0x4E] + P.unicode("b") + [0x88, 0x75, 0x2E]).get() == "dict ordered 2")
        // Memo: BINPUT / BINGET share the object.
        #expect(try run(P.proto + [0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E]).get() == "a list of 1")
    }

    @Test("a tensor: _rebuild_tensor_v2 over a persistent storage id")
    func tensor() throws {
        let pid = [0x28] + P.unicode("storage") + P.global("torch", "HalfStorage") + P.unicode("0") + P.unicode("cuda:0") + P.int(6) + [0x74, 0x51]
        let t = P.proto + P.global("torch._utils", "_rebuild_tensor_v2") + [0x28] + pid + P.int(1) + P.ints([2, 2]) + P.ints([1, 2])
            + [0x89] + P.emptyOrderedDict + [0x74, 0x52, 0x2E]
        #expect(try run(t).get() == "tensor [2, 2] [1, 2] +1 float16")
        // Without a storage table (the legacy stream's header pickles), a persistent id is refused.
        guard case .failure(.callRefused)? = Optional(run(t, storages: false)) else { Issue.record("BINPERSID accepted without storages"); return }
    }

    @Test("opcodes outside the allowlist are refused by name", arguments: [
        (UInt8(0x69), "INST"), (0x6F, "OBJ"), (0x81, "NEWOBJ"), (0x92, "NEWOBJ_EX"), (0x93, "STACK_GLOBAL"), (0x82, "EXT1"),
        (0x50, "PERSID"), (0x49, "INT"), (0x53, "STRING"), (0x56, "UNICODE"), (0x67, "GET"), (0x70, "PUT"), (0x32, "DUP"),
        (0x95, "FRAME"), (0x8C, "SHORT_BINUNICODE"), (0x94, "MEMOIZE"), (0x42, "BINBYTES"), (0x97, "NEXT_BUFFER"), (0xFF, "unknown"),
    ])
    func refusedOpcodes(_ opcode: UInt8, _ name: String) {
        guard case .opcodeRefused(_, _, let offset, let op)? = error(P.proto + [opcode, 0x2E]) else {
            Issue.record("\(name) was not refused"); return
        }
        #expect(op == opcode && offset == 2)
        #expect(error(P.proto + [opcode])!.description.contains(name))
    }

    @Test("globals outside the allowlist are refused when named, whatever they look like", arguments: [
        ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "getattr"), ("__builtin__", "eval"),
        ("subprocess", "Popen"), ("torch", "load"), ("torch._utils", "_rebuild_tensor_v2.__globals__"),
        ("collections", "OrderedDict.fromkeys"), ("collections ", "OrderedDict"), ("torch.cuda", "FloatStorage.__new__"),
        ("torch", "ComplexFloatStorage"), ("numpy.core.multiarray", "_reconstruct"), ("torch._utils", "_rebuild_qtensor"),
    ])
    func refusedGlobals(_ module: String, _ name: String) {
        guard case .globalRefused(_, _, _, let m, let n)? = error(P.proto + P.global(module, name) + [0x2E]) else {
            Issue.record("\(module).\(name) was not refused"); return
        }
        #expect(m == module && n == name)
    }

    @Test("REDUCE only applies allowlisted globals, with their arguments checked")
    func reduce() {
        func refused(_ bytes: [UInt8]) -> Bool {
            if case .callRefused? = error(bytes) { return true }
            return false
        }
        // On a value a call returned.
        #expect(refused(P.proto + P.emptyOrderedDict + [0x29, 0x52, 0x2E]))
        // On a string.
        #expect(refused(P.proto + P.unicode("os.system") + [0x29, 0x52, 0x2E]))
        // A storage class is no callable.
        #expect(refused(P.proto + P.global("torch", "FloatStorage") + [0x29, 0x52, 0x2E]))
        // OrderedDict with arguments; arguments that are no tuple.
        #expect(refused(P.proto + P.global("collections", "OrderedDict") + [0x5D, 0x85, 0x52, 0x2E]))
        #expect(refused(P.proto + P.global("collections", "OrderedDict") + [0x5D, 0x52, 0x2E]))
        // _rebuild_tensor_v2 on something that is no storage.
        #expect(refused(P.proto + P.global("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x4E] + P.int(0) + P.ints([1]) + P.ints([1]) + [0x89, 0x4E, 0x74, 0x52, 0x2E]))
        // BUILD on a global.
        #expect(refused(P.proto + P.global("collections", "OrderedDict") + [0x7D, 0x62, 0x2E]))
    }

    @Test("malformed pickles: underflow, marks, memo, odd SETITEMS, duplicate keys, bad UTF-8")
    func malformed() {
        func isMalformed(_ bytes: [UInt8]) -> Bool {
            if case .malformedPickle? = error(bytes) { return true }
            return false
        }
        #expect(isMalformed(P.proto + [0x2E]))                       // STOP on an empty stack
        #expect(isMalformed(P.proto + [0x85, 0x2E]))                 // TUPLE1 with nothing
        #expect(isMalformed(P.proto + [0x4B, 1, 0x28, 0x85, 0x2E]))  // TUPLE1 reaching below a MARK
        #expect(isMalformed(P.proto + [0x74, 0x2E]))                 // TUPLE without MARK
        #expect(isMalformed(P.proto + [0x68, 9, 0x2E]))              // BINGET of a memo entry never stored
        #expect(isMalformed(P.proto + [0x7D, 0x28, 0x4B, 1, 0x75, 0x2E]))  // SETITEMS with an odd count
        #expect(isMalformed(P.proto + [0x7D, 0x28] + P.unicode("k") + [0x4E] + P.unicode("k") + [0x4E, 0x75, 0x2E]))  // duplicate key
        #expect(isMalformed(P.proto + [0x7D, 0x4E, 0x4E, 0x73, 0x2E]))     // a None key
        #expect(isMalformed(P.proto + [0x58, 2, 0, 0, 0, 0xC3, 0x28, 0x2E]))  // invalid UTF-8
        #expect(isMalformed(P.proto + [0x4B, 1, 0x61, 0x2E]))        // APPEND to an integer
        #expect(isMalformed(P.proto + [0x80, 9, 0x2E]))              // protocol 9
        // A pickle without STOP is truncated.
        guard case .truncated? = error(P.proto + [0x4B, 1]) else { Issue.record("missing STOP not reported"); return }
    }

    @Test("every bound is enforced before the work or the allocation")
    func limits() {
        var small = PthLimits()
        small.maximumStackDepth = 10
        small.maximumMarks = 3
        small.maximumMemoEntries = 2
        small.maximumStringBytes = 4
        small.maximumKeyBytes = 2
        small.maximumContainerItems = 5
        small.maximumTotalItems = 8
        small.maximumNesting = 3
        small.maximumPickleBytes = 64
        small.maximumRank = 2
        func limit(_ bytes: [UInt8]) -> String? {
            if case .limitExceeded(_, let what, _, _)? = error(bytes, limits: small) { return what }
            return nil
        }
        #expect(limit(P.proto + [UInt8](repeating: 0x4E, count: 11) + [0x2E])?.contains("stack") == true)
        #expect(limit(P.proto + [UInt8](repeating: 0x28, count: 4) + [0x2E])?.contains("MARK") == true)
        #expect(limit(P.proto + [0x4E, 0x71, 0, 0x71, 1, 0x71, 2, 0x2E])?.contains("memo") == true)
        #expect(limit(P.proto + P.unicode("hello") + [0x2E])?.contains("string") == true)
        // A declared length far beyond the bytes present fails on the length, before allocating.
        #expect(limit(P.proto + [0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E])?.contains("string") == true)
        #expect(limit(P.proto + [0x7D] + P.unicode("abc") + [0x4E, 0x73, 0x2E])?.contains("key") == true)
        #expect(limit(P.proto + [0x28] + [UInt8](repeating: 0x4E, count: 6) + [0x74, 0x2E])?.contains("one container") == true)
        #expect(limit(P.proto + [0x4E, 0x85, 0x85, 0x85, 0x85, 0x2E])?.contains("nesting") == true)
        #expect(limit(P.proto + [UInt8](repeating: 0, count: 35).flatMap { _ in [0x4E, 0x30] })?.contains("size") == true)
        #expect(limit(P.proto + [0x8A, 17] + [UInt8](repeating: 1, count: 17) + [0x2E])?.contains("integer") == true)
        let threeTuples = (0..<3).flatMap { _ in [UInt8]([0x28, 0x4E, 0x4E, 0x4E, 0x74, 0x30]) }
        #expect(limit(P.proto + threeTuples + [0x4E, 0x2E])?.contains("container items") == true)
        let rank3 = P.proto + P.global("torch._utils", "_rebuild_tensor") + [0x28, 0x28] + P.unicode("storage") + P.global("torch", "FloatStorage")
            + P.unicode("0") + P.unicode("cpu") + P.int(8) + [0x74, 0x51] + P.int(0) + P.ints([2, 2, 2]) + P.ints([4, 2, 1]) + [0x74, 0x52, 0x2E]
        var rankOnly = PthLimits()
        rankOnly.maximumRank = 2
        guard case .limitExceeded(_, let what, 3, 2)? = error(rank3, limits: rankOnly) else { Issue.record("rank 3 accepted"); return }
        #expect(what.contains("rank"))
    }

    @Test("a list appended to itself is built and released (the cycle is broken when the run ends)")
    func cycle() {
        weak var escaped: PickleList?
        do {
            let source = PthMemorySource(name: "c", bytes: P.proto + [0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E])
            let machine = PickleMachine(file: "c", pickle: "c", input: PickleInput(source: source, start: 0, maximumBytes: 1 << 10),
                                        limits: .standard, storages: nil)
            let count = try? machine.run { value -> Int in
                guard case .list(let l) = value else { return -1 }
                escaped = l
                return l.items.count
            }
            #expect(count == 1)
        }
        #expect(escaped == nil)
    }

    @Test("storage keys are checked: the path-like ones are refused, repeated ones must agree")
    func storageKeys() {
        func pid(_ key: String, _ cls: String = "FloatStorage", _ n: Int = 4) -> [UInt8] {
            [0x28] + P.unicode("storage") + P.global("torch", cls) + P.unicode(key) + P.unicode("cpu") + P.int(n) + [0x74, 0x51]
        }
        for bad in ["../0", "/etc/passwd", "", "a/b", "..", String(repeating: "9", count: 65)] {
            guard case .storage? = error(P.proto + pid(bad) + [0x2E]) else { Issue.record("key \(bad) accepted"); continue }
        }
        #expect((try? run(P.proto + pid("0") + pid("0") + [0x86, 0x2E]).get()) == "a tuple of 2")
        guard case .storage? = error(P.proto + pid("0") + pid("0", "HalfStorage") + [0x86, 0x2E]) else { Issue.record("a key with two types accepted"); return }
        guard case .storage? = error(P.proto + pid("0", "FloatStorage", 1 << 40) + [0x2E]) else { Issue.record("2^40 elements accepted"); return }
    }
}
