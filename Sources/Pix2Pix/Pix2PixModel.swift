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

    /// Builds G and D by name. Weights are initialised as the reference does (normal, gain 0.02)
    /// from `seed`, so a seed gives the same networks every time.
    public init(generator gName: String, discriminator dName: String, options: ModelOptions = ModelOptions(),
                seed: UInt64 = 0, registry: Registry = .shared) throws {
        let gEntry = try registry.generator(named: gName)
        let dEntry = try registry.discriminator(named: dName)
        randomSource = RandomSource(seed: seed &+ 0x5EED)
        generatorConfig = try gEntry.config(options)
        let g = try gEntry.make(config: generatorConfig, randomSource: randomSource)
        let dChannels = options.discriminatorChannels(generator: g.channels)
        discriminatorConfig = try dEntry.config(options, inputChannels: dChannels)
        let d = try dEntry.make(config: discriminatorConfig)
        guard d.inputChannels == dChannels else {
            throw RegistryError.channelMismatch(
                message: "\(dName) reads \(d.inputChannels) channels but \(options.conditional ? "A (\(g.channels.inputChannels)) + B (\(g.channels.outputChannels))" : "B (\(g.channels.outputChannels))") make \(dChannels)")
        }
        generatorName = gName
        discriminatorName = dName
        generator = g
        discriminator = d
        conditional = options.conditional
        var rng = RandomGenerator(seed: seed)
        try g.initialize(.reference, using: &rng)
        try d.initialize(.reference, using: &rng)
    }

    /// The input D judges: (A, B) concatenated along channels when conditional, else B.
    public func discriminatorInput(a: Tensor, b: Tensor) throws -> Tensor {
        conditional ? try Tensor.concatChannels([a, b]) : b
    }
}
