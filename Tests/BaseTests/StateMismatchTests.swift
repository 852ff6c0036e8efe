import Base
import Testing

@Suite struct StateMismatchTests {
    @Test func equalStatesHaveNoMismatch() {
        #expect(StateMismatch(expected: ["a": [1]], found: ["a": [1]]) == nil)
        #expect(StateMismatch(expected: [:], found: [:]) == nil)
        #expect(StateMismatch(expected: ["a": [1]], found: ["a": [2]])?.wrongShape.count == 1)
    }

    @Test func everyProblemInOneMessage() throws {
        let m = try #require(StateMismatch(target: "Net", expected: [("w", [2, 3]), ("b", [2]), ("g", [4])],
                                           found: ["w": [3, 2], "extra": [1]]))
        #expect(m.missing.map(\.name) == ["b", "g"])
        #expect(m.unexpected == [.init(name: "extra", shape: [1])])
        #expect(m.wrongShape == [.init(name: "w", expected: [2, 3], found: [3, 2])])
        let text = m.description
        #expect(text.contains("loading into Net: 4 keys do not match (2 missing, 1 unexpected, 1 with the wrong shape)"))
        #expect(text.contains("wrong shape: w: expected [2, 3], found [3, 2]"))
        #expect(text.contains("missing:     b [2]") && text.contains("unexpected:  extra [1]"))
        #expect(text.contains("hint: "))
    }

    @Test func hintsFindPrefixesAndHugeListsAreCut() throws {
        let prefixed = try #require(StateMismatch(target: "Net", expected: [("a.w", [1]), ("a.b", [1])],
                                                  found: ["module.a.w": [1], "module.a.b": [1]]))
        #expect(prefixed.hint.contains("extra prefix \"module.\""))
        var found: [String: [Int]] = [:]
        for i in 0..<500 { found["k\(i)"] = [1] }
        found[String(repeating: "x", count: 100_000)] = [1]
        let many = try #require(StateMismatch(expected: [:], found: found))
        #expect(many.description.contains("… and 481 more"))
        #expect(many.description.count < 10_000)
    }
}
