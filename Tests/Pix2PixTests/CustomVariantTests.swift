import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

// The worked example of Docs/Pix2PixZoo.docc/AddingAVariant.md. The article's ```swift blocks are
// the regions between `// article: begin` and `// article: end` below, in order, and the test
// `articleQuotesThisFile` fails when the two differ — so the code the article shows is the code
// compiled and run here. Edit the regions, then copy them into the article (or the reverse).

// article: begin
/// A small fully-convolutional generator: `layers` 3×3 convolutions, `width` filters each.
struct ShallowConfig: Codable, Sendable, Equatable {
    var layers: Int
    var width: Int
    var inputChannels = 3
    var outputChannels = 3

    // snake_case keys: what checkpoints store and what `--g key=value` sets.
    enum CodingKeys: String, CodingKey {
        case layers, width
        case inputChannels = "input_channels"
        case outputChannels = "output_channels"
    }
}
// article: end

// article: begin
final class ShallowGenerator: Module, GeneratorNetwork {
    let config: ShallowConfig
    let body: Sequential

    init(config: ShallowConfig) throws {
        guard config.layers >= 1, config.width >= 1 else {
            throw RegistryError.invalidConfig(name: "shallow", message: "layers and width must be ≥ 1")
        }
        self.config = config
        var layers: [any UnaryLayer] = []
        var channels = config.inputChannels
        for _ in 0..<config.layers - 1 {
            layers.append(try Conv2d(inputChannels: channels, outputChannels: config.width,
                                     kernelSize: 3, stride: 1, padding: 1, bias: true))
            layers.append(ReLU())
            channels = config.width
        }
        layers.append(try Conv2d(inputChannels: channels, outputChannels: config.outputChannels,
                                 kernelSize: 3, stride: 1, padding: 1, bias: true))
        layers.append(Tanh())
        body = Sequential(layers)
        super.init()
        registerModule("body", body)
    }

    var channels: ChannelSpec {
        ChannelSpec(inputChannels: config.inputChannels, outputChannels: config.outputChannels)
    }
    var sizeMultiple: Int { 1 }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        return try body(input)
    }
}
// article: end

// article: begin
enum ShallowVariant: GeneratorVariant {
    static let family = "shallow"

    /// The family's bounds, and the state dict `make` builds, derived without building it.
    static func stateShapes(_ config: ShallowConfig) throws -> StateShapes {
        guard (1...16).contains(config.layers), (1...512).contains(config.width),
              (1...64).contains(config.inputChannels), (1...64).contains(config.outputChannels) else {
            throw RegistryError.invalidConfig(
                name: "shallow", message: "layers must be in 1…16, width in 1…512, channels in 1…64")
        }
        var shapes = StateShapes(network: "shallow")
        var channels = config.inputChannels
        for i in 0..<config.layers {  // body.0, body.2, …: an activation follows each convolution
            let output = i == config.layers - 1 ? config.outputChannels : config.width
            try shapes.conv2d("body.\(2 * i)", input: channels, output: output, kernel: 3, bias: true)
            channels = output
        }
        return shapes
    }

    static func make(_ config: ShallowConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try ShallowGenerator(config: config)
    }
}
// article: end

// article: begin
func registerShallow(in registry: Registry = .shared) throws {
    try registry.register(GeneratorEntry("shallow_4", ShallowVariant.self,
                                         preset: ShallowConfig(layers: 4, width: 16),
                                         summary: "four 3×3 convolutions, no downsampling"))
}
// article: end

/// A config without `input_channels` / `output_channels`: the registry refuses it.
private struct BareConfig: Codable, Sendable, Equatable { var width = 8 }
private enum BareVariant: GeneratorVariant {
    static var family: String { "bare" }
    static func stateShapes(_ config: BareConfig) throws -> StateShapes {
        try ShallowVariant.stateShapes(ShallowConfig(layers: 1, width: config.width))
    }
    static func make(_ config: BareConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try ShallowGenerator(config: ShallowConfig(layers: 1, width: config.width))
    }
}

@Suite("Adding a variant (the Docs example)")
struct CustomVariantTests {
    @Test("a family registered from outside the library trains with a built-in discriminator, with overrides")
    func registerAndUse() throws {
        let registry = Registry()
        try registerShallow(in: registry)
        #expect(registry.generatorNames.contains("shallow_4"))
        #expect(throws: RegistryError.duplicateName(kind: "generator", name: "shallow_4")) { try registerShallow(in: registry) }
        #expect(try registry.generator(named: "shallow_4").configKeys() == ["input_channels", "layers", "output_channels", "width"])

        // article: begin
        let model = try Pix2PixModel(generator: "shallow_4", discriminator: "patchgan_16",
                                     generatorOverrides: ["width": 48, "layers": 3],
                                     discriminatorOverrides: ["ndf": 8], registry: registry)
        // article: end
        #expect(model.generator.parameterCount == (3 * 48 * 9 + 48) + (48 * 48 * 9 + 48) + (48 * 3 * 9 + 3))
        var rng = RandomGenerator(seed: 2)
        let a = Tensor.uniform([1, 20, 20, 3], low: -1, high: 1, using: &rng)
        let out = try model.generator(a)
        #expect(out.shape == [1, 20, 20, 3])
        let logits = try model.discriminator(model.discriminatorInput(a: a, b: out))
        try (Loss.bceWithLogits(logits, label: 1) + Loss.l1(out, a) * 100).backward()
        #expect(model.generator.parameters().allSatisfy { $0.grad != nil })
        // The config round-trips through JSON, as a checkpoint stores it.
        let json = String(decoding: model.generatorConfig, as: UTF8.self)
        #expect(json == #"{"input_channels":3,"layers":3,"output_channels":3,"width":48}"#)

        // The U-Net's knobs are not the shallow family's: the error lists the keys it has.
        #expect(throws: RegistryError.unknownConfigKey(entry: "shallow_4", key: "ngf",
                                                       known: ["input_channels", "layers", "output_channels", "width"])) {
            _ = try Pix2PixModel(generator: "shallow_4", discriminator: "patchgan_16", generatorOverrides: ["ngf": 32], registry: registry)
        }
    }

    @Test("a config without the channel keys is refused at registration")
    func channelKeysRequired() throws {
        #expect {
            try Registry().register(GeneratorEntry("bare", BareVariant.self, preset: BareConfig(), summary: "no channels"))
        } throws: { error in
            guard case RegistryError.invalidConfig("bare", let message) = error else { return false }
            return message.contains("input_channels, output_channels") && message.contains("width")
        }
    }

    /// The ```swift blocks of the article, in order.
    static func articleBlocks() throws -> [String] {
        let article = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/Pix2PixZoo.docc/AddingAVariant.md")
        let lines = try String(contentsOf: article, encoding: .utf8).components(separatedBy: "\n")
        var blocks: [String] = [], current: [String]? = nil
        for line in lines {
            if current == nil, line == "```swift" { current = [] }
            else if current != nil, line == "```" { blocks.append(current!.joined(separator: "\n")); current = nil }
            else if current != nil { current!.append(line) }
        }
        return blocks
    }

    /// The `// article:` regions of this file, in order, each without its common indentation.
    static func sourceRegions() throws -> [String] {
        let lines = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8).components(separatedBy: "\n")
        var regions: [String] = [], current: [String]? = nil
        for line in lines {
            let marker = line.trimmingCharacters(in: .whitespaces)
            if marker == "// article: begin" { current = [] }
            else if marker == "// article: end", let region = current {
                let indent = region.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
                regions.append(region.map { $0.isEmpty ? $0 : String($0.dropFirst(indent)) }.joined(separator: "\n"))
                current = nil
            } else if current != nil { current!.append(line) }
        }
        return regions
    }

    @Test("the article's Swift code is this file's code, byte for byte")
    func articleQuotesThisFile() throws {
        let blocks = try Self.articleBlocks(), regions = try Self.sourceRegions()
        #expect(regions.count == 5)
        #expect(blocks.count == regions.count, "the article has \(blocks.count) swift blocks, this file \(regions.count) regions")
        for (i, (block, region)) in zip(blocks, regions).enumerated() {
            #expect(block == region, "swift block \(i + 1) of AddingAVariant.md differs from region \(i + 1) of CustomVariantTests.swift")
        }
    }
}
