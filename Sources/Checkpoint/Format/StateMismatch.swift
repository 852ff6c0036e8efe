/// The difference between the tensors a model expects and those a checkpoint (or state dict) holds:
/// every missing, unexpected and wrong-shape key, reported together.
///
/// The NN module builds one from its own parameters to report a failed `load(stateDict:)` the same way.
public struct StateMismatch: Sendable, Equatable, CustomStringConvertible {
    public struct NamedShape: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
    }

    public struct ShapeConflict: Sendable, Equatable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    /// Expected but absent, sorted by name.
    public var missing: [NamedShape]
    /// Present but not expected, sorted by name.
    public var unexpected: [NamedShape]
    /// Present with another shape, sorted by name.
    public var wrongShape: [ShapeConflict]

    /// Compares two key → shape maps; nil when they agree exactly.
    public init?(expected: [String: [Int]], found: [String: [Int]]) {
        missing = expected.keys.filter { found[$0] == nil }.sorted().map { NamedShape(name: $0, shape: expected[$0]!) }
        unexpected = found.keys.filter { expected[$0] == nil }.sorted().map { NamedShape(name: $0, shape: found[$0]!) }
        wrongShape = expected.keys.sorted().compactMap { key in
            guard let f = found[key], let e = expected[key], f != e else { return nil }
            return ShapeConflict(name: key, expected: e, found: f)
        }
        if missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty { return nil }
    }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append("\(missing.count) missing (expected by the model, absent from the checkpoint): "
                         + missing.map { "\($0.name) \($0.shape)" }.joined(separator: ", "))
        }
        if !unexpected.isEmpty {
            parts.append("\(unexpected.count) unexpected (in the checkpoint, unknown to the model): "
                         + unexpected.map { "\($0.name) \($0.shape)" }.joined(separator: ", "))
        }
        if !wrongShape.isEmpty {
            parts.append("\(wrongShape.count) with the wrong shape: "
                         + wrongShape.map { "\($0.name) expected \($0.expected) found \($0.found)" }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}
