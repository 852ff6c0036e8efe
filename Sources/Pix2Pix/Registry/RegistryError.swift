/// Errors from the registry and from building or feeding networks.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownGenerator(name: String, known: [String])
    case unknownDiscriminator(name: String, known: [String])
    case duplicateName(kind: String, name: String)
    case invalidConfig(name: String, message: String)
    /// An override names a key the entry's config does not have; `known` lists the config's keys.
    case unknownConfigKey(entry: String, key: String, known: [String])
    /// An override's value does not fit its key (wrong type, not a case of an enum), or the key is derived.
    case invalidOverride(entry: String, key: String, message: String)
    case channelMismatch(message: String)
    case badInput(network: String, shape: [Int], message: String)

    public var description: String {
        switch self {
        case let .unknownGenerator(name, known):
            return "unknown generator '\(name)'\(suggestion(name, known)); known generators: \(known.joined(separator: ", "))"
        case let .unknownDiscriminator(name, known):
            return "unknown discriminator '\(name)'\(suggestion(name, known)); known discriminators: \(known.joined(separator: ", "))"
        case let .duplicateName(kind, name):
            return "a \(kind) named '\(name)' is already registered; pick another name"
        case let .invalidConfig(name, message):
            return "\(name): \(message)"
        case let .unknownConfigKey(entry, key, known):
            return "\(entry) has no config key '\(key)'\(suggestion(key, known)); its keys: \(known.joined(separator: ", ")) (see `pix2pix models`)"
        case let .invalidOverride(entry, key, message):
            return "\(entry): override \(key): \(message)"
        case let .channelMismatch(message):
            return "channel mismatch: \(message)"
        case let .badInput(network, shape, message):
            return "\(network): input of shape \(shape): \(message)"
        }
    }
}

/// " (did you mean 'x'?)" for the closest known name within a small edit distance.
func suggestion(_ name: String, _ known: [String]) -> String {
    func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
    guard let best = known.min(by: { distance(name, $0) < distance(name, $1) }),
          distance(name, best) <= max(2, name.count / 3) else { return "" }
    return " (did you mean '\(best)'?)"
}
