import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML document as the parser saw it: every element with its attributes, in document order,
/// and the character data of each `<text>`-like element.
struct ParsedXML {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
    }

    var elements: [Element]

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    func all(_ name: String, class cls: String) -> [Element] { all(name).filter { $0.attributes["class"] == cls } }
    /// The concatenated character data of all elements (entities decoded).
    var allText: String { elements.map(\.text).joined(separator: "\n") }
}

struct XMLParseFailure: Error, CustomStringConvertible {
    var description: String
}

/// Parses `source` with Foundation's XMLParser (libxml2 on Linux); throws when it is not
/// well-formed XML.
func parseXML(_ source: String) throws -> ParsedXML {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [ParsedXML.Element] = []
        var stack: [Int] = []
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            elements.append(.init(name: elementName, attributes: attributeDict, text: ""))
            stack.append(elements.count - 1)
        }
        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            stack.removeLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            // Text of a <tspan> also belongs to its <text>.
            for i in stack { elements[i].text += string }
        }
    }
    let parser = XMLParser(data: Data(source.utf8))
    let collector = Collector()
    parser.delegate = collector
    guard parser.parse() else {
        throw XMLParseFailure(description: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error") "
            + "at line \(parser.lineNumber), column \(parser.columnNumber)")
    }
    return ParsedXML(elements: collector.elements)
}

/// The (x, y) pairs of an SVG path made of M and L commands.
func pathPoints(_ d: String) -> [(Double, Double)] {
    var numbers: [Double] = []
    var current = ""
    for c in d {
        if c == "M" || c == "L" || c == " " || c == "," {
            if let v = Double(current) { numbers.append(v) }
            current = ""
        } else {
            current.append(c)
        }
    }
    if let v = Double(current) { numbers.append(v) }
    return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
}

/// A valid PNG of `width` × `height` gray pixels (stored deflate blocks, real CRCs and Adler-32).
func makePNG(width: Int, height: Int) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }
    var raw: [UInt8] = []
    for y in 0..<height {
        raw.append(0)
        for x in 0..<width { raw.append(UInt8((x * 37 + y * 11) & 0xFF)) }
    }
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in raw {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    let len = UInt16(raw.count)
    let zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8(~len >> 8)]
        + raw + be32(b << 16 | a)
    let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [8, 0, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
}

/// A fresh empty directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("reports-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
}

/// Strings no label should be able to smuggle into SVG or HTML.
let hostileLabel = "</text><script>alert('x & y')</script> \"quoted\" & <b>bold</b>\u{1}\u{7}"
