import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

// The worked example of Docs/Pix2PixZoo.docc/AddingAVariant.md, compiled and run here.
// Keep the two in step: the article quotes this code.

/// A small fully-convolutional generator: `layers` 3×3 convolutions at constant width.
struct ShallowConfig: Codable, Sendable, Equatable {
    var layers: Int
    var width: Int
    var inputChannels: Int = 3
    var outputChannels: Int = 3

    enum CodingKeys: String, CodingKey {
        case layers, width
        case inputChannels = "input_channels"
        case outputChannels = "output_channels"
    }
}

final class ShallowGenerator: Module, GeneratorNetwork {
    let config: ShallowConfig
    let body: Sequential

    init(config: ShallowConfig) throws {
        self.config = config
        var layers: [any UnaryLayer] = []
        var channels = config.inputChannels
        for _ in 0..<config.layers - 1 {
            layers.append(try Conv2d(inputChannels: channels, outputChannels: config.width, kernelSize: 3,
                                     stride: 1, padding: 1, bias: true))
            layers.append(ReLU())
            channels = config.width
        }
        layers.append(try Conv2d(inputChannels: channels, outputChannels: config.outputChannels, kernelSize: 3,
                                 stride: 1, padding: 1, bias: true))
        layers.append(Tanh())
        body = Sequential(layers)
        super.init()
        registerModule("body", body)
    }

    var channels: ChannelSpec { ChannelSpec(inputChannels: config.inputChannels, outputChannels: config.outputChannels) }
    var sizeMultiple: Int { 1 }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        return try body(input)
    }
}

enum ShallowVariant: GeneratorVariant {
    static let family = "shallow"
    static func configure(_ preset: ShallowConfig, with options: ModelOptions) -> ShallowConfig {
        var c = preset
        c.width = options.ngf ?? c.width
        c.inputChannels = options.inputChannels ?? c.inputChannels
        c.outputChannels = options.outputChannels ?? c.outputChannels
        return c
    }
    static func make(_ config: ShallowConfig, randomSource: RandomSource) throws -> any GeneratorNetwork {
        try ShallowGenerator(config: config)
    }
}

@Suite("Adding a variant (the Docs example)")
struct CustomVariantTests {
    @Test("a variant registered from outside the library trains with a built-in discriminator")
    func registerAndUse() throws {
        let registry = Registry()
        try registry.register(GeneratorEntry("shallow_4", ShallowVariant.self,
                                             preset: ShallowConfig(layers: 4, width: 16),
                                             summary: "four 3×3 convolutions, no downsampling"))
        #expect(registry.generatorNames.contains("shallow_4"))
        #expect(throws: RegistryError.self) {
            try registry.register(GeneratorEntry("shallow_4", ShallowVariant.self,
                                                 preset: ShallowConfig(layers: 2, width: 8), summary: "again"))
        }

        let model = try Pix2PixModel(generator: "shallow_4", discriminator: "patchgan_16",
                                     options: ModelOptions(ngf: 8, ndf: 8), registry: registry)
        #expect(model.generator.parameterCount == (3 * 8 * 9 + 8) + 2 * (8 * 8 * 9 + 8) + (8 * 3 * 9 + 3))
        var rng = RandomGenerator(seed: 2)
        let a = Tensor.uniform([1, 20, 20, 3], low: -1, high: 1, using: &rng)
        let out = try model.generator(a)
        #expect(out.shape == [1, 20, 20, 3])
        let logits = try model.discriminator(model.discriminatorInput(a: a, b: out))
        try (Loss.bceWithLogits(logits, label: 1) + Loss.l1(out, a) * 100).backward()
        #expect(model.generator.parameters().allSatisfy { $0.grad != nil })
        // The config round-trips through JSON, as a checkpoint stores it.
        let json = String(decoding: model.generatorConfig, as: UTF8.self)
        #expect(json == #"{"input_channels":3,"layers":4,"output_channels":3,"width":8}"#)
    }
}
