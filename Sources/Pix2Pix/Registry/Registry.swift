import Foundation
import NN
import Tensor

/// Options that override a preset's architecture (`nil` keeps the preset's value).
public struct ModelOptions: Codable, Sendable, Equatable {
    public var ngf: Int?
    public var ndf: Int?
    public var norm: NormKind?
    public var dropout: Bool?
    public var inputChannels: Int?
    public var outputChannels: Int?
    /// A conditional D sees A and B concatenated (the pix2pix default); an unconditional one sees B only.
    public var conditional: Bool

    public init(ngf: Int? = nil, ndf: Int? = nil, norm: NormKind? = nil, dropout: Bool? = nil,
                inputChannels: Int? = nil, outputChannels: Int? = nil, conditional: Bool = true) {
        self.ngf = ngf
        self.ndf = ndf
        self.norm = norm
        self.dropout = dropout
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.conditional = conditional
    }

    /// Channels the discriminator reads under these options.
    public func discriminatorChannels(generator io: ChannelSpec) -> Int {
        conditional ? io.inputChannels + io.outputChannels : io.outputChannels
    }
}

/// A generator architecture family: a Codable config and a builder. One type per family; presets
/// (`unet_256`, …) are registry entries that pair a name with a config of the family.
public protocol GeneratorVariant {
    associatedtype Config: Codable & Sendable & Equatable
    /// The family name stored in checkpoints next to the config (`unet`, `encoder_decoder`).
    static var family: String { get }
    /// The preset's config with the options applied.
    static func configure(_ preset: Config, with options: ModelOptions) -> Config
    static func make(_ config: Config, randomSource: RandomSource) throws -> any GeneratorNetwork
}

/// A discriminator architecture family.
public protocol DiscriminatorVariant {
    associatedtype Config: Codable & Sendable & Equatable
    static var family: String { get }
    /// The preset's config with the options applied; `inputChannels` is what D must read.
    static func configure(_ preset: Config, with options: ModelOptions, inputChannels: Int) -> Config
    static func make(_ config: Config) throws -> any DiscriminatorNetwork
}

/// A named generator preset, type-erased: configs travel as JSON (sorted keys) so that a checkpoint
/// header can name the architecture and the registry can rebuild it.
public struct GeneratorEntry: Sendable {
    public let name: String
    public let family: String
    public let summary: String
    let configure: @Sendable (ModelOptions) throws -> Data
    let build: @Sendable (Data, RandomSource) throws -> any GeneratorNetwork

    public init<V: GeneratorVariant>(_ name: String, _ variant: V.Type, preset: V.Config, summary: String) {
        self.name = name
        self.family = V.family
        self.summary = summary
        configure = { options in try encodeConfig(V.configure(preset, with: options)) }
        build = { data, source in try V.make(decodeConfig(V.Config.self, data, name: name), randomSource: source) }
    }

    /// The preset's config (with `options` applied) as canonical JSON.
    public func config(_ options: ModelOptions = ModelOptions()) throws -> Data { try configure(options) }

    /// Builds the network from a config produced by ``config(_:)`` or read from a checkpoint.
    public func make(config: Data, randomSource: RandomSource) throws -> any GeneratorNetwork {
        try build(config, randomSource)
    }
}

/// A named discriminator preset, type-erased like ``GeneratorEntry``.
public struct DiscriminatorEntry: Sendable {
    public let name: String
    public let family: String
    public let summary: String
    let configure: @Sendable (ModelOptions, Int) throws -> Data
    let build: @Sendable (Data) throws -> any DiscriminatorNetwork

    public init<V: DiscriminatorVariant>(_ name: String, _ variant: V.Type, preset: V.Config, summary: String) {
        self.name = name
        self.family = V.family
        self.summary = summary
        configure = { options, channels in try encodeConfig(V.configure(preset, with: options, inputChannels: channels)) }
        build = { data in try V.make(decodeConfig(V.Config.self, data, name: name)) }
    }

    public func config(_ options: ModelOptions = ModelOptions(), inputChannels: Int = 6) throws -> Data {
        try configure(options, inputChannels)
    }

    public func make(config: Data) throws -> any DiscriminatorNetwork { try build(config) }
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

    public func register(_ entry: GeneratorEntry) throws {
        try lock.withLock {
            guard generators[entry.name] == nil else { throw RegistryError.duplicateName(kind: "generator", name: entry.name) }
            generators[entry.name] = entry
            generatorOrder.append(entry.name)
        }
    }

    public func register(_ entry: DiscriminatorEntry) throws {
        try lock.withLock {
            guard discriminators[entry.name] == nil else { throw RegistryError.duplicateName(kind: "discriminator", name: entry.name) }
            discriminators[entry.name] = entry
            discriminatorOrder.append(entry.name)
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
