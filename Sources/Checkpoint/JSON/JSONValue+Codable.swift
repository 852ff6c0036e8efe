import Foundation

/// `JSONValue` is Codable so that it can sit inside caller types, and bridges from / to any Codable
/// type (registry configs, optimizer hyperparameters) through Foundation's JSON coders.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let u = try? c.decode(UInt64.self) { self = .uint64(u); return }
        if let d = try? c.decode(Double.self) {
            guard let n = JSONNumber(d) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "JSON cannot hold the non-finite number \(d)")
            }
            self = .number(n)
            return
        }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if let i = n.exactInt { try c.encode(i) }
            else if let u = n.uint64Value { try c.encode(u) }
            else { try c.encode(n.doubleValue) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The JSON form of any Encodable value (e.g. a registry config struct with snake_case keys).
    /// Integers, including `UInt64`, stay exact.
    public init<T: Encodable>(encoding value: T) throws {
        let data = try JSONEncoder().encode(value)
        try self.init(parsing: [UInt8](data))
    }

    /// Decodes a Decodable type from this value (the inverse of ``init(encoding:)``).
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serialized()))
    }
}
