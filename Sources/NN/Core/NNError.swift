import Tensor

/// Errors thrown by the NN module. Each message names the layer, key or option at fault and says
/// what would be valid.
public enum NNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Loading a state dict (or optimizer state) found missing, unexpected or wrong-shape keys.
    case stateDictMismatch(StateDictMismatch)
    /// A layer, initialiser, optimizer or schedule argument is out of range.
    case invalidArgument(what: String, message: String)
    /// A layer received an input it cannot take.
    case badInput(layer: String, shape: [Int], message: String)

    public var description: String {
        switch self {
        case let .stateDictMismatch(mismatch):
            return mismatch.description
        case let .invalidArgument(what, message):
            return "\(what): \(message)"
        case let .badInput(layer, shape, message):
            return "\(layer): input of shape \(shape): \(message)"
        }
    }
}

/// Every problem found while loading a state dict, reported together (STYLE §3).
///
/// Loading is all or nothing: when any problem is found, nothing is written.
public struct StateDictMismatch: Equatable, Sendable, CustomStringConvertible {
    /// A key present on both sides whose tensors have different shapes.
    public struct WrongShape: Equatable, Sendable {
        public var key: String
        /// The shape the module (or optimizer) holds.
        public var expected: [Int]
        /// The shape found in the state dict.
        public var got: [Int]

        public init(key: String, expected: [Int], got: [Int]) {
            self.key = key
            self.expected = expected
            self.got = got
        }
    }

    /// What was being loaded, e.g. `"Sequential"` or `"Adam state"`.
    public var target: String
    /// Keys the target needs that the state dict lacks, in the target's order.
    public var missing: [String]
    /// Keys in the state dict the target does not have, sorted.
    public var unexpected: [String]
    /// Keys whose shapes differ, in the target's order.
    public var wrongShape: [WrongShape]

    public init(target: String, missing: [String], unexpected: [String], wrongShape: [WrongShape]) {
        self.target = target
        self.missing = missing
        self.unexpected = unexpected
        self.wrongShape = wrongShape
    }

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty }

    public var description: String {
        let total = missing.count + unexpected.count + wrongShape.count
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected") }
        if !wrongShape.isEmpty { parts.append("\(wrongShape.count) with the wrong shape") }
        var lines = ["loading into \(target): \(total) key\(total == 1 ? "" : "s") do not match (\(parts.joined(separator: ", ")))"]
        for key in missing { lines.append("  missing:     \(key)") }
        for key in unexpected { lines.append("  unexpected:  \(key)") }
        for w in wrongShape { lines.append("  wrong shape: \(w.key): expected \(w.expected), got \(w.got)") }
        lines.append("hint: " + hint)
        return lines.joined(separator: "\n")
    }

    /// A best guess at the cause, from the pattern of keys.
    public var hint: String {
        if let prefix = Self.commonExtraPrefix(extra: unexpected, wanted: missing) {
            return "the state dict's keys carry an extra prefix \"\(prefix)\" (saved from a wrapper module?); strip it"
        }
        if let prefix = Self.commonExtraPrefix(extra: missing, wanted: unexpected) {
            return "the state dict's keys lack the prefix \"\(prefix)\"; it was saved from a submodule — load it into `module(at:)` instead"
        }
        if !unexpected.isEmpty, unexpected.allSatisfy({ $0.hasSuffix("num_batches_tracked") }) {
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
        for candidate in extra where candidate.hasSuffix("." + first) {
            let prefix = String(candidate.dropLast(first.count))
            let extraSet = Set(extra)
            if wanted.allSatisfy({ extraSet.contains(prefix + $0) }) { return prefix }
        }
        return nil
    }
}
