import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing
@testable import SeedNetworks

/// The seed networks' parameter counts as the seed's Keras code counts them
/// (scripts/seed_keras_param_counts.py wrote the fixture from the Keras layer list).
struct KerasCounts: Decodable {
    struct Counts: Decodable { var trainable: Int; var total: Int }
    struct GeneratorRow: Decodable {
        var image_size: Int, depth: Int, input_channels: Int, output_channels: Int, trainable: Int, total: Int
    }
    struct DiscriminatorRow: Decodable {
        var image_size: Int, patch_size: Int, patches: Int, condition_channels: Int, image_channels: Int
        var trainable: Int, total: Int, patch_classifier: Counts
    }
    var generators: [GeneratorRow]
    var discriminators: [DiscriminatorRow]

    static func load() throws -> KerasCounts {
        let url = try #require(Bundle.module.url(forResource: "seed_keras_params", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(KerasCounts.self, from: Data(contentsOf: url))
    }
}

/// A registry with the built-ins and the seed networks, as a process that registered them at start-up.
func seedRegistry() throws -> Registry {
    let registry = Registry()
    try SeedNetworks.register(in: registry)
    return registry
}

@Suite("Seed networks: the Keras project's G and D as registry variants")
struct SeedNetworkTests {
    @Test("parameter counts equal the Keras models' (trainable; total with batch-norm statistics), derived and built")
    func kerasParameterCounts() throws {
        let counts = try KerasCounts.load()
        let registry = try seedRegistry()
        #expect(counts.generators.contains { $0.image_size == 128 && $0.total == 19_303_811 }, "the seed's printed summary")
        for row in counts.generators {
            let entry = try registry.generator(named: "seed_unet_upsample")
            let config = try entry.config(overrides: ["depth": .int(row.depth), "input_channels": .int(row.input_channels),
                                                      "output_channels": .int(row.output_channels)])
            let shapes = try entry.stateShapes(config: config)
            #expect(shapes.parameterCount == row.trainable, "\(row)")
            #expect(shapes.elementCount == row.total, "\(row)")
            let network = try entry.make(config: config, context: BuildContext(seed: 0))
            #expect(network.parameterCount == row.trainable, "\(row)")
        }
        #expect(counts.discriminators.contains { $0.image_size == 128 && $0.total == 857_492 }, "the seed's printed summary")
        for row in counts.discriminators {
            let entry = try registry.discriminator(named: "seed_patch64")
            let config = try entry.config(overrides: ["image_size": .int(row.image_size), "image_channels": .int(row.image_channels)],
                                          inputChannels: row.condition_channels + row.image_channels)
            let shapes = try entry.stateShapes(config: config)
            #expect(shapes.parameterCount == row.trainable && shapes.elementCount == row.total, "\(row)")
            // Everything but the merge layer (2·patches → 2) is the shared per-patch classifier.
            #expect(row.trainable - (2 * 2 * row.patches + 2) == row.patch_classifier.trainable, "\(row)")
            let network = try entry.make(config: config, context: BuildContext(seed: 0))
            #expect(network.parameterCount == row.trainable, "\(row)")
        }
    }

    @Test("registered from outside the built-in tables, through the public API; a second registration is refused")
    func registration() throws {
        #expect(!Registry.builtInGenerators.contains { $0.name == "seed_unet_upsample" })
        #expect(!Registry.builtInDiscriminators.contains { $0.name == "seed_patch64" })
        let registry = try seedRegistry()
        #expect(registry.generatorNames.last == "seed_unet_upsample" && registry.discriminatorNames.last == "seed_patch64")
        #expect(try registry.generator(named: "seed_unet_upsample").family == "seed_unet_upsample")
        #expect(try registry.discriminator(named: "seed_patch64").family == "seed_patch")
        #expect(throws: RegistryError.duplicateName(kind: "generator", name: "seed_unet_upsample")) { try SeedNetworks.register(in: registry) }
        #expect(try registry.generator(named: "seed_unet_upsample").configKeys() == ["depth", "dropout", "input_channels", "ngf", "output_channels"])
        #expect(try registry.discriminator(named: "seed_patch64").configKeys() == ["image_channels", "image_size", "input_channels", "ndf", "patch_size"])
    }

    @Test("configs are checked against the families' bounds before anything is built")
    func bounds() throws {
        let registry = try seedRegistry()
        let g = try registry.generator(named: "seed_unet_upsample")
        for bad: ConfigOverrides in [["depth": 11], ["depth": 1], ["ngf": 0], ["ngf": 257], ["input_channels": 65]] {
            #expect(throws: RegistryError.self, "\(bad)") { try g.stateShapes(config: g.config(overrides: bad)) }
        }
        let d = try registry.discriminator(named: "seed_patch64")
        for bad: ConfigOverrides in [["patch_size": 48], ["patch_size": 2], ["image_size": 96], ["image_size": 8192], ["ndf": 0], ["image_channels": 5]] {
            #expect(throws: RegistryError.self, "\(bad)") { try d.stateShapes(config: d.config(overrides: bad, inputChannels: 4)) }
        }
        #expect(throws: RegistryError.self) { try g.config(overrides: ["norm": "instance"]) }
    }

    @Test("every G × D combination with the seed networks runs forward and backward and reaches every parameter")
    func forwardBackward() throws {
        let registry = try seedRegistry()
        var rng = RandomGenerator(seed: 5)
        let pairs: [(String, String, ConfigOverrides, ConfigOverrides)] = [
            ("seed_unet_upsample", "seed_patch64", ["depth": 6, "ngf": 4], ["image_size": 64, "ndf": 4]),
            ("seed_unet_upsample", "patchgan_16", ["depth": 6, "ngf": 4], ["ndf": 4]),
            ("unet_64", "seed_patch64", ["ngf": 4], ["image_size": 64, "ndf": 4]),
            ("seed_unet_upsample", "seed_patch64", ["depth": 4, "ngf": 2], ["image_size": 128, "patch_size": 32, "ndf": 2]),
        ]
        for (gName, dName, gOverrides, dOverrides) in pairs {
            for conditional in [true, false] {
                let model = try Pix2PixModel(generator: gName, discriminator: dName,
                                             generatorOverrides: gOverrides.filling(["input_channels": 1, "output_channels": 3]),
                                             discriminatorOverrides: dOverrides, conditional: conditional, seed: 3, registry: registry)
                let size = dName == "seed_patch64" ? (dOverrides["image_size"] == 128 ? 128 : 64) : 64
                let a = Tensor.uniform([2, size, size, 1], low: -1, high: 1, using: &rng)
                let b = Tensor.uniform([2, size, size, 3], low: -1, high: 1, using: &rng)
                let fake = try model.generator(a)
                #expect(fake.shape == [2, size, size, 3] && fake.scalars.allSatisfy { $0.isFinite && abs($0) <= 1 })
                let logits = try model.discriminator(model.discriminatorInput(a: a, b: fake))
                let grid = model.discriminator.outputGrid(forInput: size)
                #expect(logits.shape == [2, grid, grid, 1], "\(dName)")
                let loss = try Loss.bceWithLogits(logits, label: 1) + Loss.l1(fake, b)
                + Loss.bceWithLogits(model.discriminator(model.discriminatorInput(a: a, b: b)), label: 0)
                try loss.backward()
                for (key, p) in model.generator.namedParameters() + model.discriminator.namedParameters() {
                    #expect(p.grad != nil, "\(gName) × \(dName), conditional \(conditional): no gradient reached \(key)")
                }
            }
        }
    }

    @Test("layer keys follow the Keras names; the generator is the seed's layer list")
    func keys() throws {
        let g = try SeedUNetUpsampleGenerator(config: SeedUNetUpsampleConfig(depth: 3, ngf: 2), randomSource: RandomSource(seed: 0))
        #expect(g.stateEntries().map(\.key) == [
            "unet_conv2d_1.weight", "unet_conv2d_1.bias",
            "unet_conv2d_2.weight", "unet_conv2d_2.bias",
            "unet_conv2d_2_bn.weight", "unet_conv2d_2_bn.bias", "unet_conv2d_2_bn.running_mean", "unet_conv2d_2_bn.running_var",
            "unet_conv2d_3.weight", "unet_conv2d_3.bias",
            "unet_conv2d_3_bn.weight", "unet_conv2d_3_bn.bias", "unet_conv2d_3_bn.running_mean", "unet_conv2d_3_bn.running_var",
            "unet_upconv2d_1.weight", "unet_upconv2d_1.bias",
            "unet_upconv2d_1_bn.weight", "unet_upconv2d_1_bn.bias", "unet_upconv2d_1_bn.running_mean", "unet_upconv2d_1_bn.running_var",
            "unet_upconv2d_2.weight", "unet_upconv2d_2.bias",
            "unet_upconv2d_2_bn.weight", "unet_upconv2d_2_bn.bias", "unet_upconv2d_2_bn.running_mean", "unet_upconv2d_2_bn.running_var",
            "last_conv.weight", "last_conv.bias",
        ])
        // depth 3, ngf 2: encoder 2, 4, 8; decoder widths [2] + [2]; inputs 8, 2 + 4, then 2 + 2 into last_conv.
        let shapes = Dictionary(uniqueKeysWithValues: g.stateEntries().map { ($0.key, $0.tensor.shape) })
        #expect(shapes["unet_upconv2d_1.weight"] == [2, 8, 3, 3] && shapes["unet_upconv2d_2.weight"] == [2, 6, 3, 3])
        #expect(shapes["last_conv.weight"] == [3, 4, 3, 3])
        let d = try SeedPatchDiscriminator(config: SeedPatchConfig(imageSize: 128))
        #expect(d.stateEntries().map(\.key).filter { $0.hasSuffix(".weight") } == [
            "disc_conv2d_1.weight", "disc_conv2d_1_bn.weight", "raw_disc_conv2d_1.weight", "raw_disc_conv2d_1_bn.weight",
            "disc_conv2d_6.weight", "disc_conv2d_6_bn.weight", "disc_dense.weight", "disc_output.weight",
        ])
        #expect(d.stateEntries().first { $0.key == "disc_dense.weight" }?.tensor.shape == [2, 16 * 16 * 512])
        #expect(d.stateEntries().first { $0.key == "disc_output.weight" }?.tensor.shape == [2, 8])
        let unconditional = try SeedPatchDiscriminator(config: SeedPatchConfig(imageSize: 64, inputChannels: 3))
        #expect(!unconditional.stateEntries().contains { $0.key.hasPrefix("raw_") })
    }

    @Test("'same' convolutions pad as TensorFlow: a 3×3 stride-2 convolution of an even map pads only bottom and right")
    func samePadding() throws {
        #expect(KerasConv2d.samePadding(size: 64, kernel: 3, stride: 2) == (0, 1))
        #expect(KerasConv2d.samePadding(size: 63, kernel: 3, stride: 2) == (1, 1))
        #expect(KerasConv2d.samePadding(size: 64, kernel: 3, stride: 1) == (1, 1))
        let conv = try KerasConv2d(inputChannels: 2, outputChannels: 3, stride: 2)
        var rng = RandomGenerator(seed: 9)
        try conv.initialize(.reference, using: &rng)
        conv.conv.bias!.assign(Tensor.uniform([3], low: -1, high: 1, using: &rng))
        for size in [6, 5] {
            let x = Tensor.uniform([1, size, size, 2], low: -1, high: 1, using: &rng)
            let y = try conv(x)
            let out = (size + 1) / 2
            #expect(y.shape == [1, out, out, 3])
            let pad = KerasConv2d.samePadding(size: size, kernel: 3, stride: 2).before
            let w = conv.conv.weight  // [out, in, 3, 3]
            var worst: Float = 0
            for i in 0..<out {
                for j in 0..<out {
                    for o in 0..<3 {
                        var sum = conv.conv.bias!.pointer[o]
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let (r, c) = (2 * i + ky - pad, 2 * j + kx - pad)
                                guard r >= 0, r < size, c >= 0, c < size else { continue }
                                for ch in 0..<2 {
                                    sum += x.pointer[(r * size + c) * 2 + ch] * w.pointer[((o * 2 + ch) * 3 + ky) * 3 + kx]
                                }
                            }
                        }
                        worst = max(worst, abs(sum - y.pointer[(i * out + j) * 3 + o]))
                    }
                }
            }
            #expect(worst < 1e-5, "size \(size): max |Δ| \(worst)")
        }
    }

    @Test("the networks start as Keras starts them: Glorot-uniform kernels, zero biases, γ 1, β 0")
    func kerasInitialisation() throws {
        let model = try Pix2PixModel(generator: "seed_unet_upsample", discriminator: "seed_patch64",
                                     generatorOverrides: ["depth": 6, "ngf": 8], discriminatorOverrides: ["image_size": 64, "ndf": 8],
                                     seed: 1, registry: try seedRegistry())
        for (key, tensor) in model.generator.namedParameters() + model.discriminator.namedParameters() {
            let values = tensor.scalars
            if key.hasSuffix("bias") {
                #expect(values.allSatisfy { $0 == 0 }, "\(key)")
            } else if key.contains("_bn.") {
                #expect(values.allSatisfy { $0 == 1 }, "\(key)")
            } else {
                let (fanIn, fanOut) = tensor.rank == 4
                    ? (tensor.shape[1] * 9, tensor.shape[0] * 9) : (tensor.shape[1], tensor.shape[0])
                let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
                let largest = values.map(abs).max() ?? 0
                #expect(largest <= limit && (values.count < 100 || largest > 0.9 * limit), "\(key): max |w| \(largest), limit \(limit)")
            }
        }
    }

    @Test("eval mode: batch norm uses its running statistics and dropout is off, so each image's output is its own")
    func evalMode() throws {
        let g = try SeedUNetUpsampleGenerator(config: SeedUNetUpsampleConfig(depth: 4, ngf: 4), randomSource: RandomSource(seed: 2))
        let d = try SeedPatchDiscriminator(config: SeedPatchConfig(patchSize: 16, imageSize: 32, ndf: 4, imageChannels: 3, inputChannels: 4))
        var rng = RandomGenerator(seed: 3)
        try g.initialize(.reference, using: &rng)
        try d.initialize(.reference, using: &rng)
        let batch = Tensor.uniform([2, 32, 32, 1], low: -1, high: 1, using: &rng)
        let pairs = Tensor.uniform([2, 32, 32, 4], low: -1, high: 1, using: &rng)
        // Training mode updates the running statistics (several times per D call: once per patch, as Keras).
        _ = try g(batch)
        _ = try d(pairs)
        g.eval()
        d.eval()
        let alone = try g(batch.slice(batch: 0..<1)), together = try g(batch)
        #expect(alone.scalars == Array(together.scalars.prefix(alone.count)))
        #expect(try g(batch).scalars == together.scalars, "no dropout in eval mode")
        let dAlone = try d(pairs.slice(batch: 0..<1)), dTogether = try d(pairs)
        #expect(abs(dAlone.scalars[0] - dTogether.scalars[0]) < 1e-5)
        g.train()
        let first = try g(batch), second = try g(batch)
        #expect(first.scalars != second.scalars, "dropout draws new masks in training mode")
    }

    @Test("batch norm on one value per channel trains as TensorFlow does: the output is β, no gradient reaches x")
    func singleValueBatchNorm() throws {
        let norm = try KerasBatchNorm(channels: 3)
        norm.norm.bias!.assign(try Tensor(shape: [3], values: [0.5, -1, 2]))
        let x = try Tensor(shape: [1, 1, 1, 3], values: [4, 5, 6])
        x.requiresGrad = true
        let y = try norm(x)
        #expect(y.scalars == [0.5, -1, 2])
        try (y * 2).sum().backward()
        #expect(x.grad?.scalars ?? [0, 0, 0] == [0, 0, 0])
        #expect(norm.norm.bias!.grad?.scalars == [2, 2, 2])
        #expect(zip(norm.norm.runningMean.scalars, [0.04, 0.05, 0.06] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(norm.norm.runningVar.scalars.allSatisfy { abs($0 - 0.99) < 1e-6 })
        // A 1×1 map at batch 1 through the seed generator (depth = log₂ size) trains.
        let g = try SeedUNetUpsampleGenerator(config: SeedUNetUpsampleConfig(depth: 4, ngf: 2), randomSource: RandomSource(seed: 1))
        var rng = RandomGenerator(seed: 1)
        try g.initialize(.reference, using: &rng)
        let out = try g(Tensor.uniform([1, 16, 16, 1], low: -1, high: 1, using: &rng))
        try out.sum().backward()
        #expect(out.scalars.allSatisfy { $0.isFinite })
    }

    @Test("the discriminator is built for one image size and says which --d image_size fits another")
    func imageSize() throws {
        let d = try SeedPatchDiscriminator(config: SeedPatchConfig())
        #expect(d.receptiveField == 128 && d.outputGrid(forInput: 256) == 1)
        #expect { try d.checkInput(shape: [1, 64, 64, 4]) } throws: { error in
            guard case RegistryError.badInput(_, _, let message) = error else { return false }
            return message.contains("--d image_size=64") && message.contains("128×128")
        }
        #expect(throws: RegistryError.self) { try d(Tensor.zeros([1, 64, 64, 4])) }
        #expect(throws: RegistryError.self) { try d.checkInput(shape: [1, 128, 128, 6]) }
        try d.checkInput(shape: [3, 128, 128, 4])
    }
}
