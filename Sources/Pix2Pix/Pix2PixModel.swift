import Base
import Foundation
import NN
import Tensor

/// A pix2pix model: a generator G and a discriminator D built from two registry names, with the
/// configs that rebuild them (stored in checkpoints and model cards).
public final class Pix2PixModel {
    public let generatorName: String
    public let discriminatorName: String
    /// Canonical JSON configs (sorted keys).
    public let generatorConfig: Data
    public let discriminatorConfig: Data
    public let generator: any GeneratorNetwork
    public let discriminator: any DiscriminatorNetwork
    /// Whether D sees (A, B) concatenated on channels (pix2pix) or B alone (an unconditional GAN).
    public let conditional: Bool
    /// The stream generator dropout draws from.
    public let randomSource: RandomSource
    /// Registry families of the two networks (`unet`, `patchgan`, …).
    public let generatorFamily: String
    public let discriminatorFamily: String

    /// Builds G and D by name, each preset's config with its overrides merged on (``ConfigOverrides``;
    /// D's `input_channels` is derived from G's channels). Weights are initialised as the reference
    /// does (normal, gain 0.02) from `seed`, so a seed gives the same networks every time.
    public convenience init(generator gName: String, discriminator dName: String,
                            generatorOverrides: ConfigOverrides = [:], discriminatorOverrides: ConfigOverrides = [:],
                            conditional: Bool = true, seed: UInt64 = 0, registry: Registry = .shared) throws {
        let gEntry = try registry.generator(named: gName)
        let dEntry = try registry.discriminator(named: dName)
        // D's config depends on G's channels, known once G is built (built once, below).
        try self.init(generator: gName, generatorConfig: try gEntry.config(overrides: generatorOverrides), discriminator: dName,
                      discriminatorConfig: {
                          try dEntry.config(overrides: discriminatorOverrides, inputChannels: $0.discriminatorChannels(conditional: conditional))
                      },
                      conditional: conditional, seed: seed, registry: registry)
    }

    /// Rebuilds G and D from a stored architecture (a checkpoint header or a model card), with
    /// freshly initialised weights; load a state into them afterwards. The architecture is checked
    /// first (``ModelArchitecture/validate(registry:file:)``): nothing is built from a config
    /// outside its family's bounds.
    public convenience init(architecture: ModelArchitecture, seed: UInt64 = 0, registry: Registry = .shared) throws {
        guard let d = architecture.discriminator else {
            throw RegistryError.invalidConfig(name: architecture.generator.name,
                                              message: "the architecture names no discriminator (an inference-only model); load it with ModelCheckpoint.loadGenerator")
        }
        try architecture.validate(registry: registry)
        try self.init(generator: architecture.generator.name, generatorConfig: architecture.generator.configData,
                      discriminator: d.name, discriminatorConfig: { _ in d.configData },
                      conditional: architecture.conditional, seed: seed, registry: registry)
    }

    /// `discriminatorConfig` receives G's channels (D reads A and B, or B alone).
    init(generator gName: String, generatorConfig: Data, discriminator dName: String,
         discriminatorConfig makeDiscriminatorConfig: (ChannelSpec) throws -> Data,
         conditional: Bool, seed: UInt64, registry: Registry) throws {
        let gEntry = try registry.generator(named: gName)
        let dEntry = try registry.discriminator(named: dName)
        randomSource = RandomSource(seed: seed &+ 0x5EED)
        let context = BuildContext(randomSource: randomSource)
        let g = try gEntry.make(config: generatorConfig, context: context)
        let discriminatorConfig = try makeDiscriminatorConfig(g.channels)
        let d = try dEntry.make(config: discriminatorConfig, context: context)
        let dChannels = g.channels.discriminatorChannels(conditional: conditional)
        guard d.inputChannels == dChannels else {
            throw RegistryError.channelMismatch(
                message: "\(dName) reads \(d.inputChannels) channels but \(conditional ? "A (\(g.channels.inputChannels)) + B (\(g.channels.outputChannels))" : "B (\(g.channels.outputChannels))") make \(dChannels)")
        }
        generatorName = gName
        discriminatorName = dName
        self.generatorConfig = generatorConfig
        self.discriminatorConfig = discriminatorConfig
        generator = g
        discriminator = d
        self.conditional = conditional
        generatorFamily = gEntry.family
        discriminatorFamily = dEntry.family
        var rng = RandomGenerator(seed: seed)
        try g.initialize(.reference, using: &rng)
        try d.initialize(.reference, using: &rng)
    }

    /// The names, families, configs and parameter counts of both networks, as stored in checkpoints.
    public var architecture: ModelArchitecture {
        ModelArchitecture(
            generator: .init(name: generatorName, family: generatorFamily, configData: generatorConfig,
                             parameters: generator.parameterCount),
            discriminator: .init(name: discriminatorName, family: discriminatorFamily, configData: discriminatorConfig,
                                 parameters: discriminator.parameterCount),
            conditional: conditional)
    }

    /// The input D judges: (A, B) concatenated along channels when conditional, else B.
    public func discriminatorInput(a: Tensor, b: Tensor) throws -> Tensor {
        conditional ? try Tensor.concatChannels([a, b]) : b
    }
}
