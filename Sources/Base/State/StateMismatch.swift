/// The difference between the tensors a model (or optimizer) expects and those a state dict or
/// checkpoint holds: every missing, unexpected and wrong-shape key, reported together.
///
/// The one comparison behind `Module.load(stateDict:)`, the optimizer's state import, checkpoint
/// verification and model loading, with one message format.
public struct StateMismatch: Sendable, Equatable, CustomStringConvertible {
    public struct NamedShape: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
    }

    public struct ShapeConflict: Sendable, Equatable {
        public var name: String
        /// The shape the model (or optimizer) holds.
        public var expected: [Int]
        /// The shape found in the state dict or file.
        public var found: [Int]
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    /// What was being loaded, e.g. `"UNetGenerator"`, `"Adam state"`, `"the model"`.
    public var target: String
    /// Expected but absent, in the target's order.
    public var missing: [NamedShape]
    /// Present but not expected, sorted by name.
    public var unexpected: [NamedShape]
    /// Present with another shape, in the target's order.
    public var wrongShape: [ShapeConflict]

    public init(target: String, missing: [NamedShape], unexpected: [NamedShape], wrongShape: [ShapeConflict]) {
        self.target = target
        self.missing = missing
        self.unexpected = unexpected
        self.wrongShape = wrongShape
    }

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty }

    /// Compares the target's ordered keys and shapes with what was found; nil when they agree exactly.
    public init?(target: String, expected: [(name: String, shape: [Int])], found: [String: [Int]]) {
        self.target = target
        var expectedNames = Set<String>()
        missing = []
        wrongShape = []
        for (name, shape) in expected {
            expectedNames.insert(name)
            if let f = found[name] {
                if f != shape { wrongShape.append(ShapeConflict(name: name, expected: shape, found: f)) }
            } else {
                missing.append(NamedShape(name: name, shape: shape))
            }
        }
        unexpected = found.keys.filter { !expectedNames.contains($0) }.sorted().map { NamedShape(name: $0, shape: found[$0]!) }
        if missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty { return nil }
    }

    /// Compares two key → shape maps (keys in sorted order); nil when they agree exactly.
    public init?(target: String = "the model", expected: [String: [Int]], found: [String: [Int]]) {
        self.init(target: target, expected: expected.keys.sorted().map { ($0, expected[$0]!) }, found: found)
    }

    /// Lines listed per kind before the rest is summarised (a damaged file can declare millions).
    public static let listedPerKind = 20

    public var description: String {
        let total = missing.count + unexpected.count + wrongShape.count
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected") }
        if !wrongShape.isEmpty { parts.append("\(wrongShape.count) with the wrong shape") }
        var lines = ["loading into \(target): \(total) key\(total == 1 ? "" : "s") do not match (\(parts.joined(separator: ", ")))"]
        func list<T>(_ items: [T], _ line: (T) -> String) {
            for item in items.prefix(Self.listedPerKind) { lines.append(line(item)) }
            if items.count > Self.listedPerKind { lines.append("  … and \(items.count - Self.listedPerKind) more") }
        }
        list(missing) { "  missing:     \(Format.shortened($0.name)) \($0.shape)" }
        list(unexpected) { "  unexpected:  \(Format.shortened($0.name)) \($0.shape)" }
        list(wrongShape) { "  wrong shape: \(Format.shortened($0.name)): expected \($0.expected), found \($0.found)" }
        lines.append("hint: " + hint)
        return lines.joined(separator: "\n")
    }

    /// A best guess at the cause, from the pattern of keys.
    public var hint: String {
        let missingNames = missing.map(\.name), unexpectedNames = unexpected.map(\.name)
        if let prefix = Self.commonExtraPrefix(extra: unexpectedNames, wanted: missingNames) {
            return "the state dict's keys carry an extra prefix \"\(prefix)\" (saved from a wrapper module?); strip it"
        }
        if let prefix = Self.commonExtraPrefix(extra: missingNames, wanted: unexpectedNames) {
            return "the state dict's keys lack the prefix \"\(prefix)\"; it was saved from a submodule — load it into `module(at:)` instead"
        }
        if !unexpectedNames.isEmpty, unexpectedNames.allSatisfy({ $0.hasSuffix("num_batches_tracked") }) {
            return "num_batches_tracked is PyTorch's BatchNorm step counter; Pix2PixZoo does not keep it (it only matters "
                + "for momentum=None) — drop those keys when converting a PyTorch state dict"
        }
        if !wrongShape.isEmpty && missing.isEmpty && unexpected.isEmpty {
            return "the architecture matches but widths differ: check channel options (ngf / ndf, input / output channels)"
        }
        return "the state dict was saved from a different architecture or configuration; build the same network "
            + "(name and options) before loading"
    }

    /// The prefix `p` such that every key in `wanted` appears in `extra` as `p + key`, if one exists.
    static func commonExtraPrefix(extra: [String], wanted: [String]) -> String? {
        guard let first = wanted.first, !extra.isEmpty else { return nil }
        let extraSet = Set(extra)
        for candidate in extra where candidate.hasSuffix("." + first) {
            let prefix = String(candidate.dropLast(first.count))
            if wanted.allSatisfy({ extraSet.contains(prefix + $0) }) { return prefix }
        }
        return nil
    }
}
