import Checkpoint
import Foundation
import Testing

@Suite struct JSONTests {
    @Test func serializationIsCanonicalAndRoundTrips() throws {
        let value: JSONValue = ["zeta": 1, "alpha": [true, false, .null], "mid": ["b": 0.02, "a": "x\"y\\z\n\u{1}é"]]
        let text = value.serializedString()
        #expect(text == #"{"alpha":[true,false,null],"mid":{"a":"x\"y\\z\n\u0001é","b":0.02},"zeta":1}"#)
        #expect(try JSONValue(parsing: text) == value)
        // Same value built in another order: same bytes.
        let other: JSONValue = ["mid": ["a": "x\"y\\z\n\u{1}é", "b": 0.02], "alpha": [true, false, .null], "zeta": 1]
        #expect(other.serialized() == value.serialized())
    }

    @Test func numbersKeepTheirExactText() throws {
        let v = try JSONValue(parsing: #"[18446744073709551615, -9223372036854775808, 1.0, 1e-05, 0.1, 12]"#)
        let a = try #require(v.arrayValue)
        #expect(a[0].uint64Value == UInt64.max)
        #expect(a[1].intValue == Int.min)
        #expect(a[2] != .int(1))  // "1.0" and "1" are different texts
        #expect(a[2].intValue == 1)
        #expect(a[3].doubleValue == 1e-5)
        #expect(a[5].intValue == 12)
        #expect(v.serializedString() == "[18446744073709551615,-9223372036854775808,1.0,1e-05,0.1,12]")
        #expect(JSONValue.double(.nan) == .null)
        #expect(JSONValue.double(0.0002).doubleValue == 0.0002)
    }

    @Test func codableBridgeKeepsUInt64Exact() throws {
        struct State: Codable, Equatable { var words: [UInt64]; var lr: Double; var name: String }
        let s = State(words: [UInt64.max, 0x9E37_79B9_7F4A_7C15, 1], lr: 0.0002, name: "adam")
        let json = try JSONValue(encoding: s)
        #expect(json["words"]?[0]?.uint64Value == UInt64.max)
        #expect(try json.decode(State.self) == s)
        // JSONValue inside a Codable type.
        struct Wrapper: Codable, Equatable { var payload: JSONValue }
        let w = Wrapper(payload: ["k": [1, 2.5, "s", true, .null]])
        let data = try JSONEncoder().encode(w)
        #expect(try JSONDecoder().decode(Wrapper.self, from: data) == w)
    }

    @Test func unicodeEscapesAndSurrogatePairs() throws {
        let v = try JSONValue(parsing: #""\u00e9\ud83d\ude00\/""#)
        #expect(v.stringValue == "é😀/")
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate key"),
        (#"[1,]"#, "unexpected"),
        (#"{"a":1,}"#, "expected a string key"),
        (#"[01]"#, "expected ','"),
        (#"[NaN]"#, "unexpected"),
        (#"[1.]"#, "malformed number"),
        (#""\ud800""#, "unpaired surrogate"),
        (#""\x""#, "invalid escape"),
        ("\"a\u{1}\"", "control character"),
        (#"{"a":1} x"#, "after the JSON value"),
        (#"[tru]"#, "invalid literal"),
        (#""abc"#, "unterminated string"),
    ])
    func rejectsInvalidJSON(text: String, expected: String) {
        #expect {
            _ = try JSONValue(parsing: text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONError.self) { _ = try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { _ = try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect { _ = try JSONValue(parsing: deep) } throws: { "\($0)".contains("nesting") }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { _ = try JSONValue(parsing: ok) }
    }

    @Test func prettyPrintingParsesBack() throws {
        let v: JSONValue = ["a": [1, ["b": []]], "c": [:]]
        let pretty = v.serializedString(pretty: true)
        #expect(pretty.contains("\n  \"a\": ["))
        #expect(try JSONValue(parsing: pretty) == v)
    }
}
