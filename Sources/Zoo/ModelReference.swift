import Foundation

/// A semantic version, `MAJOR.MINOR.PATCH` with an optional pre-release (`1.0.0-beta.2`), ordered
/// as semver.org says (a pre-release sorts before its release).
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// Dot-separated identifiers after `-`, empty for a release.
    public var prerelease: [String]

    public init(major: Int, minor: Int, patch: Int, prerelease: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
    }

    /// Parses `X.Y.Z[-pre]`; throws ``ZooError/invalidVersion(_:)`` otherwise (no leading zeros, no build metadata).
    public init(parsing text: String) throws {
        let (core, pre) = text.firstIndex(of: "-").map { (text[..<$0], String(text[text.index(after: $0)...])) } ?? (Substring(text), "")
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        func number(_ s: Substring) -> Int? {
            guard !s.isEmpty, s.allSatisfy(\.isASCIIDigit), s == "0" || s.first != "0", s.count <= 9 else { return nil }
            return Int(s)
        }
        guard parts.count == 3, let a = number(parts[0]), let b = number(parts[1]), let c = number(parts[2]) else {
            throw ZooError.invalidVersion(text)
        }
        var identifiers: [String] = []
        if text.contains("-") {
            identifiers = pre.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !identifiers.isEmpty, identifiers.allSatisfy({ id in
                !id.isEmpty && id.allSatisfy { $0.isASCIIDigit || ($0.isASCII && $0.isLetter) || $0 == "-" }
            }) else { throw ZooError.invalidVersion(text) }
        }
        self.init(major: a, minor: b, patch: c, prerelease: identifiers)
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    public static func < (l: SemanticVersion, r: SemanticVersion) -> Bool {
        if (l.major, l.minor, l.patch) != (r.major, r.minor, r.patch) { return (l.major, l.minor, l.patch) < (r.major, r.minor, r.patch) }
        if l.prerelease.isEmpty || r.prerelease.isEmpty { return !l.prerelease.isEmpty && r.prerelease.isEmpty }
        for (a, b) in zip(l.prerelease, r.prerelease) where a != b {
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
        return l.prerelease.count < r.prerelease.count
    }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// `id` or `id@version`: how models are named on the command line and in ``Translator``.
public struct ModelReference: Sendable, Hashable, CustomStringConvertible {
    public var id: String
    /// nil: the latest version.
    public var version: SemanticVersion?

    public init(id: String, version: SemanticVersion? = nil) throws {
        try Self.validate(id: id)
        self.id = id
        self.version = version
    }

    /// Parses `id` or `id@X.Y.Z`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw ZooError.invalidReference(text, reason: "more than one '@'") }
        do {
            try self.init(id: String(parts[0]), version: parts.count == 2 ? try SemanticVersion(parsing: String(parts[1])) : nil)
        } catch ZooError.invalidVersion(let v) {
            throw ZooError.invalidReference(text, reason: "\"\(v)\" is not a semantic version")
        }
    }

    public var description: String { version.map { "\(id)@\($0)" } ?? id }

    /// Ids are 1–64 characters: lowercase ASCII letters, digits, `.`, `_`, `-`, starting with a letter or digit.
    public static func validate(id: String) throws {
        guard !id.isEmpty else { throw ZooError.invalidReference(id, reason: "the id is empty") }
        guard id.count <= 64 else { throw ZooError.invalidReference(id, reason: "ids are at most 64 characters") }
        guard let first = id.first, first.isASCIIDigit || first.isASCIILowercase else {
            throw ZooError.invalidReference(id, reason: "ids start with a lowercase letter or a digit")
        }
        guard id.allSatisfy({ $0.isASCIIDigit || $0.isASCIILowercase || $0 == "." || $0 == "_" || $0 == "-" }) else {
            throw ZooError.invalidReference(id, reason: "ids use only lowercase letters, digits, '.', '_' and '-'")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILowercase: Bool { isASCII && isLowercase }
}

extension ModelReference {
    /// The ids of `known` close to `id` (closest first, at most `limit`): the "did you mean" of
    /// ``ZooError/unknownModel(id:searched:suggestions:)``, for callers that keep their own list.
    public static func closeIDs(to id: String, among known: [String], limit: Int = 3) -> [String] {
        suggestions(for: id, among: known, limit: limit)
    }
}

/// Close ids for "did you mean" hints: Levenshtein distance ≤ max(2, a third of the length), or a
/// prefix / substring match, closest first.
func suggestions(for id: String, among known: [String], limit: Int = 3) -> [String] {
    let scored = Set(known).compactMap { candidate -> (String, Int)? in
        let d = editDistance(id, candidate)
        let close = d <= max(2, id.count / 3) || candidate.hasPrefix(id) || (id.count >= 3 && candidate.contains(id))
        return close ? (candidate, d) : nil
    }
    return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
}

/// Levenshtein distance on characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}
