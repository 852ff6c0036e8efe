/// Pickle opcodes: the allowlist the machine executes, and every name for messages.
enum PickleOpcode {
    static let mark: UInt8 = 0x28           // (
    static let stop: UInt8 = 0x2E           // .
    static let pop: UInt8 = 0x30            // 0
    static let popMark: UInt8 = 0x31        // 1
    static let binInt: UInt8 = 0x4A         // J
    static let binInt1: UInt8 = 0x4B        // K
    static let binInt2: UInt8 = 0x4D        // M
    static let none: UInt8 = 0x4E           // N
    static let binPersId: UInt8 = 0x51      // Q
    static let reduce: UInt8 = 0x52         // R
    static let binString: UInt8 = 0x54      // T
    static let shortBinString: UInt8 = 0x55 // U
    static let binUnicode: UInt8 = 0x58     // X
    static let emptyList: UInt8 = 0x5D      // ]
    static let append: UInt8 = 0x61         // a
    static let build: UInt8 = 0x62          // b
    static let global: UInt8 = 0x63         // c
    static let dict: UInt8 = 0x64           // d
    static let appends: UInt8 = 0x65        // e
    static let binGet: UInt8 = 0x68         // h
    static let longBinGet: UInt8 = 0x6A     // j
    static let list: UInt8 = 0x6C           // l
    static let binPut: UInt8 = 0x71         // q
    static let longBinPut: UInt8 = 0x72     // r
    static let setItem: UInt8 = 0x73        // s
    static let tuple: UInt8 = 0x74          // t
    static let emptyTuple: UInt8 = 0x29     // )
    static let setItems: UInt8 = 0x75       // u
    static let binFloat: UInt8 = 0x47       // G
    static let emptyDict: UInt8 = 0x7D      // }
    static let proto: UInt8 = 0x80
    static let tuple1: UInt8 = 0x85
    static let tuple2: UInt8 = 0x86
    static let tuple3: UInt8 = 0x87
    static let newTrue: UInt8 = 0x88
    static let newFalse: UInt8 = 0x89
    static let long1: UInt8 = 0x8A
    static let long4: UInt8 = 0x8B

    /// What the machine executes: the protocol-2 opcodes a state dict needs (plus the Python 2
    /// byte-string forms of old files). Everything else — INST, OBJ, NEWOBJ, STACK_GLOBAL, EXT*,
    /// the text-mode protocol-0 forms, protocol 4 and 5 — is refused.
    static let allowed: Set<UInt8> = [
        mark, stop, pop, popMark, binInt, binInt1, binInt2, none, binPersId, reduce, binString, shortBinString,
        binUnicode, emptyList, append, build, global, dict, appends, binGet, longBinGet, list, binPut, longBinPut,
        setItem, tuple, emptyTuple, setItems, binFloat, emptyDict, proto, tuple1, tuple2, tuple3, newTrue, newFalse,
        long1, long4,
    ]

    /// Python's name for an opcode ("REDUCE"), or "unknown" for a byte that is none.
    static func name(of opcode: UInt8) -> String {
        names[opcode] ?? "unknown"
    }

    static let names: [UInt8: String] = [
        0x28: "MARK", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT",
        0x4A: "BININT", 0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE", 0x50: "PERSID",
        0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
        0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
        0x7D: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6A: "LONG_BINGET",
        0x6C: "LIST", 0x5D: "EMPTY_LIST", 0x6F: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
        0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
        0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
        0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8A: "LONG1", 0x8B: "LONG4",
        0x42: "BINBYTES", 0x43: "SHORT_BINBYTES",
        0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8", 0x8E: "BINBYTES8", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS",
        0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
        0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
}
