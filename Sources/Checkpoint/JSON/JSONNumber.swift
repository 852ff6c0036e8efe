/// A JSON number kept as its literal text, so that every integer (including `UInt64` random-generator
/// state) and every decimal survives a parse → serialize round trip exactly.
///
/// Two numbers are equal when their texts are equal: `1` and `1.0` differ, as they do on disk.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal, valid under RFC 8259's `number` grammar.
    public let text: String

    /// An integer, written in decimal.
    public init(_ value: Int) { text = String(value) }
    /// An unsigned integer, written in decimal (exact beyond `Int.max`).
    public init(_ value: UInt64) { text = String(value) }
    /// `nil` for NaN and infinities, which JSON cannot represent.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        text = value.description  // shortest text that round-trips, e.g. "0.02", "1e-05", "1.0"
    }
    /// A `Float`, widened exactly to `Double` first; `nil` for NaN and infinities.
    public init?(_ value: Float) { self.init(Double(value)) }
    /// Validates `text` against the JSON number grammar.
    public init?(text: String) {
        let bytes = Array(text.utf8)
        guard let end = bytes.withUnsafeBufferPointer({ JSONNumber.scan($0, from: 0) }),
              end == bytes.count else { return nil }
        self.text = text
    }
    init(validatedText: String) { text = validatedText }

    public var description: String { text }

    /// True when the literal has neither fraction nor exponent.
    public var isIntegerLiteral: Bool { !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") } }

    /// The value as `Int` when it is an integer literal that fits (`"3"`, not `"3.0"` or `"3e0"`).
    public var exactInt: Int? { isIntegerLiteral ? Int(text) : nil }

    /// The value as `Int` when it is integral and fits, whatever the spelling (`"3"`, `"3.0"`, `"3e0"`).
    public var intValue: Int? {
        if isIntegerLiteral { return Int(text) }
        return Int(exactly: doubleValue)
    }

    /// The value as `UInt64` when it is a non-negative integer literal that fits.
    public var uint64Value: UInt64? { isIntegerLiteral ? UInt64(text) : nil }

    /// The nearest `Double` (±infinity for literals beyond its range).
    public var doubleValue: Double { Double(text) ?? .nan }

    /// Scans one number starting at `start`; returns the index after it, or nil when the grammar fails:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    static func scan(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        let n = b.count
        func isDigit(_ i: Int) -> Bool { i < n && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") }
        if i < n && b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return nil }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { while isDigit(i) { i += 1 } }
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
        }
        if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
        }
        return i
    }
}
