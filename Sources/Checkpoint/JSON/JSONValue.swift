/// A JSON value: the opaque parts of a checkpoint header (the model description, metadata and extra
/// sections) travel as this type, so the checkpoint layer needs no knowledge of what they mean.
///
/// Objects are dictionaries; serialization sorts their keys by UTF-8 bytes, so equal values always
/// give equal bytes. Numbers keep their literal text (see ``JSONNumber``). Build values with literals:
///
/// ```swift
/// let metadata: JSONValue = ["epoch": 12, "lr": 0.0002, "note": "facades", "tags": ["a", "b"]]
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// An integer number.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    /// An unsigned 64-bit integer number (e.g. random-generator state words), kept exact.
    public static func uint64(_ value: UInt64) -> JSONValue { .number(JSONNumber(value)) }
    /// A floating-point number; NaN and infinities become `null`, as JavaScript's `JSON.stringify` does.
    public static func double(_ value: Double) -> JSONValue { JSONNumber(value).map(JSONValue.number) ?? .null }

    // MARK: Accessors (nil when the value has another type)

    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n }; return nil }
    /// The value of an integral number that fits in `Int`.
    public var intValue: Int? { numberValue?.intValue }
    /// The value of a non-negative integer literal that fits in `UInt64`.
    public var uint64Value: UInt64? { numberValue?.uint64Value }
    public var doubleValue: Double? { numberValue?.doubleValue }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { self == .null }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, a.indices.contains(index) else { return nil }
        return a[index]
    }
}

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialization.
    public var description: String { serializedString() }
}

/// A JSON syntax or content error, with the byte offset where it was found.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// Byte offset into the parsed text, when the error has a position.
    public let offset: Int?

    public init(_ message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }

    public var description: String { offset.map { "\(message) at byte \($0)" } ?? message }
}
