import Checkpoint

/// The strict JSON parser that gates every checkpoint header: any bytes must parse or throw a
/// `JSONError` (no trap, no unbounded recursion), and whatever parses must survive a round trip —
/// compact and pretty serializations parse back to the same value and the compact bytes are stable.
enum JSONFuzz {
    static func run(_ bytes: [UInt8]) {
        guard let value = try? JSONValue(parsing: bytes) else { return }
        let compact = value.serialized()
        guard let again = try? JSONValue(parsing: compact) else {
            fatalError("the serialization of a parsed value does not parse: \(String(decoding: compact.prefix(200), as: UTF8.self))")
        }
        guard again.serialized() == compact else {
            fatalError("serialize → parse → serialize changed the bytes: \(String(decoding: compact.prefix(200), as: UTF8.self))")
        }
        guard let pretty = try? JSONValue(parsing: value.serialized(pretty: true)), pretty == value else {
            fatalError("the pretty serialization does not parse back to the same value")
        }
    }
}
