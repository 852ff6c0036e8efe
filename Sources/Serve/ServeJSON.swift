import Foundation

/// The server's JSON: sorted keys, `/` unescaped, pretty-printed (the documents are small and meant
/// to be read by people too), a newline at the end.
enum ServeJSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every value the server encodes is made of strings, numbers, arrays and objects.
        return ((try? encoder.encode(value)).map { [UInt8]($0) } ?? Array("{}".utf8)) + [0x0A]
    }

    /// An untyped document (the OpenAPI description).
    static func encode(any value: Any) -> [UInt8] {
        ((try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { [UInt8]($0) } ?? Array("{}".utf8)) + [0x0A]
    }
}
