import Base
import Checkpoint
import Foundation
import NN
import Tensor

/// What a variant's `make` receives besides its config.
public struct BuildContext {
    /// The stream random layers (dropout) draw from; the trainer saves its state for an exact resume.
    public var randomSource: RandomSource

    public init(randomSource: RandomSource) { self.randomSource = randomSource }
    public init(seed: UInt64) { self.init(randomSource: RandomSource(seed: seed)) }
}

/// A generator architecture family: a Codable config, the shapes it implies and a builder. One
/// type per family, in one file with its config and network; presets (`unet_256`, …) are registry
/// entries that pair a name with a config of the family.
///
/// The config's JSON form (snake_case keys) is what checkpoints store and what overrides
/// (`--g key=value`) set; it must have the keys `input_channels` and `output_channels`, which
/// the trainer sets from the data.
///
/// Configs come from files and flags, so nothing is built from one before ``stateShapes(_:)``
/// has accepted it: it checks the config against the family's documented bounds and returns the
/// state-dict shapes the network will have, without allocating. The registry calls it before
/// every `make` (and checks that the built network has exactly those shapes); the checkpoint
/// loader compares it with a file's tensor table before building anything.
public protocol GeneratorVariant {
    associatedtype Config: Codable & Sendable & Equatable
    /// The family name stored in checkpoints next to the config (`unet`, `encoder_decoder`).
    static var family: String { get }
    /// Validates `config` against the family's bounds (throwing ``RegistryError/invalidConfig(name:message:)``)
    /// and returns the names and shapes of the state dict `make` would build, without building it.
    static func stateShapes(_ config: Config) throws -> StateShapes
    static func make(_ config: Config, context: BuildContext) throws -> any GeneratorNetwork
}

/// A discriminator architecture family, as ``GeneratorVariant``. Its config must have the key
/// `input_channels`: a model derives it from the generator's channels
/// (``ChannelSpec/discriminatorChannels(conditional:)``).
public protocol DiscriminatorVariant {
    associatedtype Config: Codable & Sendable & Equatable
    static var family: String { get }
    /// As ``GeneratorVariant/stateShapes(_:)``.
    static func stateShapes(_ config: Config) throws -> StateShapes
    static func make(_ config: Config, context: BuildContext) throws -> any DiscriminatorNetwork
}

/// Builds `make(config)` only after `shapes(config)` accepted it, and checks that the network has
/// exactly the derived shapes (a family whose two functions disagree fails on its first build).
private func checkedBuild<C, N>(_ entry: String, _ config: C, shapes: (C) throws -> StateShapes,
                                make: (C) throws -> N) throws -> N {
    let expected = try shapes(config)
    let network = try make(config)
    guard let module = network as? Module else { return network }
    if let mismatch = StateMismatch(target: entry, expected: module.stateEntries().map { ($0.key, $0.tensor.shape) },
                                    found: expected.shapes) {
        throw RegistryError.invalidConfig(
            name: entry, message: "the family's stateShapes disagrees with the network its make builds (found = derived): \(mismatch)")
    }
    return network
}

/// A named generator preset, type-erased: configs travel as JSON (sorted keys) so that a checkpoint
/// header can name the architecture and the registry can rebuild it.
public struct GeneratorEntry: Sendable {
    public let name: String
    public let family: String
    public let summary: String
    let overlay: @Sendable (ConfigOverrides) throws -> Data
    let shapes: @Sendable (Data) throws -> StateShapes
    let build: @Sendable (Data, BuildContext) throws -> any GeneratorNetwork

    public init<V: GeneratorVariant>(_ name: String, _ variant: V.Type, preset: V.Config, summary: String) {
        self.name = name
        self.family = V.family
        self.summary = summary
        overlay = { overrides in try encodeConfig(overrides.applied(to: preset, entry: name)) }
        shapes = { data in try V.stateShapes(decodeConfig(V.Config.self, data, name: name)) }
        build = { data, context in
            try checkedBuild(name, decodeConfig(V.Config.self, data, name: name), shapes: V.stateShapes,
                             make: { try V.make($0, context: context) })
        }
    }

    /// The preset's config with `overrides` merged onto it, as canonical JSON (sorted snake_case keys).
    public func config(overrides: ConfigOverrides = [:]) throws -> Data { try overlay(overrides) }

    /// The keys of the preset's config, sorted: what overrides may set.
    public func configKeys() throws -> [String] { try keys(of: config(), entry: name) }

    /// Validates a config (the family's bounds) and returns the state-dict shapes of the network it
    /// describes, without building it.
    public func stateShapes(config: Data) throws -> StateShapes { try shapes(config) }

    /// Builds the network from a config produced by ``config(overrides:)`` or read from a checkpoint,
    /// after ``stateShapes(config:)`` has accepted it.
    public func make(config: Data, context: BuildContext) throws -> any GeneratorNetwork {
        try build(config, context)
    }
}

/// A named discriminator preset, type-erased like ``GeneratorEntry``.
public struct DiscriminatorEntry: Sendable {
    public let name: String
    public let family: String
    public let summary: String
    let overlay: @Sendable (ConfigOverrides) throws -> Data
    let shapes: @Sendable (Data) throws -> StateShapes
    let build: @Sendable (Data, BuildContext) throws -> any DiscriminatorNetwork

    public init<V: DiscriminatorVariant>(_ name: String, _ variant: V.Type, preset: V.Config, summary: String) {
        self.name = name
        self.family = V.family
        self.summary = summary
        overlay = { overrides in try encodeConfig(overrides.applied(to: preset, entry: name)) }
        shapes = { data in try V.stateShapes(decodeConfig(V.Config.self, data, name: name)) }
        build = { data, context in
            try checkedBuild(name, decodeConfig(V.Config.self, data, name: name), shapes: V.stateShapes,
                             make: { try V.make($0, context: context) })
        }
    }

    /// The preset's config with `overrides` merged onto it and, when given, the channels D must
    /// read (derived from G's, so `overrides` may not set them).
    public func config(overrides: ConfigOverrides = [:], inputChannels: Int? = nil) throws -> Data {
        var merged = overrides
        if let inputChannels {
            let key = ConfigOverrides.inputChannelsKey
            guard overrides[key] == nil else {
                throw RegistryError.invalidOverride(
                    entry: name, key: key,
                    message: "is derived (A + B channels for a conditional D, B alone otherwise); set the generator's input_channels / output_channels instead")
            }
            merged[key] = .int(inputChannels)
        }
        return try overlay(merged)
    }

    /// The keys of the preset's config, sorted: what overrides may set.
    public func configKeys() throws -> [String] { try keys(of: config(), entry: name) }

    /// As ``GeneratorEntry/stateShapes(config:)``.
    public func stateShapes(config: Data) throws -> StateShapes { try shapes(config) }

    /// Builds the network after ``stateShapes(config:)`` has accepted the config.
    public func make(config: Data, context: BuildContext) throws -> any DiscriminatorNetwork {
        try build(config, context)
    }
}

private func keys(of config: Data, entry: String) throws -> [String] {
    guard let object = try? JSONValue(parsing: [UInt8](config)).objectValue else {
        throw RegistryError.invalidConfig(name: entry, message: "the config is not a JSON object")
    }
    return object.keys.sorted()
}

func encodeConfig<C: Encodable>(_ config: C) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(config)
}

func decodeConfig<C: Decodable>(_ type: C.Type, _ data: Data, name: String) throws -> C {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch {
        throw RegistryError.invalidConfig(name: name, message: "the config does not decode as \(type): \(error)")
    }
}

/// The registry of generator and discriminator variants, by name.
///
/// The built-in presets are one literal table each (``builtInGenerators``, ``builtInDiscriminators``).
/// Code outside the library adds its own with ``register(_:)-(GeneratorEntry)``; a duplicate name
/// fails, and looking up an unknown name fails with the list of known names.
public final class Registry: @unchecked Sendable {
    public static let shared = Registry()

    private let lock = NSLock()
    private var generators: [String: GeneratorEntry] = [:]
    private var discriminators: [String: DiscriminatorEntry] = [:]
    private var generatorOrder: [String] = []
    private var discriminatorOrder: [String] = []

    /// A registry holding the built-in presets.
    public init() {
        for entry in Self.builtInGenerators { try! register(entry) }
        for entry in Self.builtInDiscriminators { try! register(entry) }
    }

    /// Adds a generator preset. Fails on a duplicate name, or when the config lacks
    /// `input_channels` / `output_channels` (the trainer sets them from the data).
    public func register(_ entry: GeneratorEntry) throws {
        try Self.requireKeys([ConfigOverrides.inputChannelsKey, ConfigOverrides.outputChannelsKey], in: entry.configKeys(), entry: entry.name)
        try lock.withLock {
            guard generators[entry.name] == nil else { throw RegistryError.duplicateName(kind: "generator", name: entry.name) }
            generators[entry.name] = entry
            generatorOrder.append(entry.name)
        }
    }

    /// Adds a discriminator preset. Fails on a duplicate name, or when the config lacks `input_channels`.
    public func register(_ entry: DiscriminatorEntry) throws {
        try Self.requireKeys([ConfigOverrides.inputChannelsKey], in: entry.configKeys(), entry: entry.name)
        try lock.withLock {
            guard discriminators[entry.name] == nil else { throw RegistryError.duplicateName(kind: "discriminator", name: entry.name) }
            discriminators[entry.name] = entry
            discriminatorOrder.append(entry.name)
        }
    }

    private static func requireKeys(_ required: [String], in keys: [String], entry: String) throws {
        let missing = required.filter { !keys.contains($0) }
        guard missing.isEmpty else {
            throw RegistryError.invalidConfig(
                name: entry, message: "the config needs the key(s) \(missing.joined(separator: ", ")) (a model sets channels through them); its keys: \(keys.joined(separator: ", "))")
        }
    }

    public var generatorNames: [String] { lock.withLock { generatorOrder } }
    public var discriminatorNames: [String] { lock.withLock { discriminatorOrder } }

    public func generator(named name: String) throws -> GeneratorEntry {
        try lock.withLock {
            guard let entry = generators[name] else { throw RegistryError.unknownGenerator(name: name, known: generatorOrder) }
            return entry
        }
    }

    public func discriminator(named name: String) throws -> DiscriminatorEntry {
        try lock.withLock {
            guard let entry = discriminators[name] else {
                throw RegistryError.unknownDiscriminator(name: name, known: discriminatorOrder)
            }
            return entry
        }
    }
}
