import Checkpoint
import Foundation

/// A value a config override sets: one of the JSON scalars a config key holds.
public enum ConfigValue: Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    /// Reads a command-line value: an integer, else a number, else `true` / `false`, else a JSON
    /// string literal (`"64"` is the string 64), else the text itself as a string.
    public init(parsing text: String) {
        if let i = Int(text) { self = .int(i) }
        else if let d = Double(text), d.isFinite, text.contains(where: \.isNumber) { self = .double(d) }
        else if text == "true" || text == "false" { self = .bool(text == "true") }
        else if text.hasPrefix("\""), let value = try? JSONValue(parsing: text), case .string(let s) = value { self = .string(s) }
        else { self = .string(text) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "an override value must be a number, true/false or a string") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        }
    }

    /// The command-line form: `ConfigValue(parsing: value.description) == value` (a string that
    /// would read as something else is JSON-quoted).
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let s): return ConfigValue(parsing: s) == self ? s : JSONValue.string(s).serializedString()
        }
    }

    /// "the integer", "the string", … for error messages.
    var kind: String {
        switch self {
        case .int: return "the integer"
        case .double: return "the number"
        case .bool: return "the boolean"
        case .string: return "the string"
        }
    }

    var json: JSONValue {
        switch self {
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        }
    }
}

/// One `key=value` override as the command line gives it (`--g ngf=32`, `--d norm=instance`).
public struct ConfigAssignment: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: ConfigValue

    public init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }

    /// Parses `key=value` (the value as ``ConfigValue/init(parsing:)`` reads it); nil unless the
    /// text has a key of letters, digits and `_` before its first `=`.
    public init?(parsing text: String) {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let key = String(text[..<eq])
        guard !key.isEmpty, key.allSatisfy({ $0 == "_" || (($0.isLetter || $0.isNumber) && $0.isASCII) }) else { return nil }
        self.init(key: key, value: ConfigValue(parsing: String(text[text.index(after: eq)...])))
    }

    public var description: String { "\(key)=\(value)" }
}

/// Overrides of a registry entry's config: keys of the config's JSON form (snake_case) to new
/// values, merged onto the preset by ``GeneratorEntry/config(overrides:)`` and
/// ``DiscriminatorEntry/config(overrides:inputChannels:)``. A key the config does not have fails
/// with ``RegistryError/unknownConfigKey(entry:key:known:)``; a value of the wrong type fails
/// on decode with ``RegistryError/invalidOverride(entry:key:message:)``.
///
/// Keys are unique and kept sorted, so two overlays with the same settings are equal and encode
/// alike (a JSON object, as `config.json` stores it).
public struct ConfigOverrides: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    private var values: [String: ConfigValue]

    /// The key every generator and discriminator config holds for the channels it reads.
    public static let inputChannelsKey = "input_channels"
    /// The key every generator config holds for the channels it writes.
    public static let outputChannelsKey = "output_channels"

    public init() { values = [:] }

    /// A later duplicate key wins, as on the command line.
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> ConfigValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Sets each assignment in order (a later one for the same key wins).
    public mutating func apply(_ assignments: [ConfigAssignment]) {
        for a in assignments { values[a.key] = a.value }
    }

    /// These overrides with `defaults` added for the keys they leave open.
    public func filling(_ defaults: ConfigOverrides) -> ConfigOverrides {
        var merged = self
        merged.values.merge(defaults.values, uniquingKeysWith: { mine, _ in mine })
        return merged
    }

    /// Sorted.
    public var keys: [String] { values.keys.sorted() }
    public var isEmpty: Bool { values.isEmpty }
    public var assignments: [ConfigAssignment] { keys.map { ConfigAssignment(key: $0, value: values[$0]!) } }

    /// `key=value` pairs separated by spaces, sorted by key (empty when there are none).
    public var description: String { assignments.map(\.description).joined(separator: " ") }

    public init(from decoder: any Decoder) throws {
        values = try [String: ConfigValue](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try values.encode(to: encoder)
    }

    /// `preset` with these overrides merged onto its JSON form, decoded back as `C` (so every
    /// value is type-checked by the config's own decoding). `entry` names the preset in errors.
    func applied<C: Codable>(to preset: C, entry: String) throws -> C {
        guard let object = try JSONValue(encoding: preset).objectValue else {
            throw RegistryError.invalidConfig(name: entry, message: "the config does not encode as a JSON object")
        }
        let known = object.keys.sorted()
        for key in keys where object[key] == nil {
            throw RegistryError.unknownConfigKey(entry: entry, key: key, known: known)
        }
        func decode(_ keys: [String]) throws -> C {
            var merged = object
            for key in keys { merged[key] = values[key]!.json }
            return try JSONValue.object(merged).decode(C.self)
        }
        do {
            return try decode(keys)
        } catch let error as DecodingError {
            // Foundation names the key for most mismatches, but not for a fraction given to an
            // integer key: then the first key that fails on its own is the one at fault.
            if let named = overrideError(error, entry: entry) { throw named }
            for key in keys {
                do { _ = try decode([key]) } catch let single as DecodingError {
                    throw overrideError(single, entry: entry)
                        ?? .invalidOverride(entry: entry, key: key, message: "does not fit the key's type, got \(values[key]!.kind) \(values[key]!.json.serializedString())")
                }
            }
            throw RegistryError.invalidConfig(name: entry, message: "the overridden config does not decode: \(error)")
        }
    }

    /// The override a decoding error names, with what its key expects; nil when it names none.
    private func overrideError(_ error: DecodingError, entry: String) -> RegistryError? {
        func expected(_ type: Any.Type) -> String {
            switch type {
            case is Bool.Type: return "true or false"
            case is Int.Type, is Int32.Type, is Int64.Type, is UInt.Type, is UInt64.Type: return "an integer"
            case is Double.Type, is Float.Type: return "a number"
            case is String.Type: return "a string"
            default: return "a value of type \(type)"
            }
        }
        let path: [any CodingKey], message: String
        switch error {
        case let .typeMismatch(type, context): (path, message) = (context.codingPath, "expects \(expected(type))")
        case let .valueNotFound(type, context): (path, message) = (context.codingPath, "expects \(expected(type))")
        case let .dataCorrupted(context): (path, message) = (context.codingPath, context.debugDescription)
        case let .keyNotFound(key, context): (path, message) = (context.codingPath + [key], "is missing")
        @unknown default: return nil
        }
        guard let key = path.first?.stringValue, let value = values[key] else { return nil }
        return .invalidOverride(entry: entry, key: key, message: "\(message), got \(value.kind) \(value.json.serializedString())")
    }
}
