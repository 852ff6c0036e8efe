import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

@Suite("Registry")
struct RegistryTests {
    let registry = Registry.shared

    func generatorParameters(_ name: String) throws -> Int {
        let entry = try registry.generator(named: name)
        return try entry.make(config: entry.config(), context: BuildContext(seed: 0)).parameterCount
    }

    func discriminatorParameters(_ name: String, channels: Int = 6) throws -> Int {
        let entry = try registry.discriminator(named: name)
        return try entry.make(config: entry.config(inputChannels: channels), context: BuildContext(seed: 0)).parameterCount
    }

    // The counts the PyTorch reference's own model classes print (batch norm, G 3 → 3, D on 6
    // channels); scripts/make_fixtures.py pins the ones below for the other variants.
    @Test("parameter counts equal the PyTorch reference's")
    func parameterCounts() throws {
        #expect(try generatorParameters("unet_256") == 54_413_955)
        #expect(try generatorParameters("unet_128") == 41_828_995)
        #expect(try generatorParameters("unet_64") == 29_244_035)
        #expect(try generatorParameters("encoder_decoder_256") == 39_075_459)
        #expect(try discriminatorParameters("patchgan_70") == 2_768_705)
        #expect(try discriminatorParameters("pixelgan") == 9_024)
        // Pinned from scripts/make_fixtures.py (the reference classes, batch norm).
        #expect(try generatorParameters("encoder_decoder_128") == 30_684_803)
        #expect(try generatorParameters("encoder_decoder_64") == 22_294_147)
        #expect(try discriminatorParameters("patchgan_16") == 139_585)
        #expect(try discriminatorParameters("patchgan_34") == 666_433)
        #expect(try discriminatorParameters("patchgan_142") == 6_964_033)
        #expect(try discriminatorParameters("imagegan_286") == 11_159_361)
    }

    @Test("receptive fields are computed from the layer lists")
    func receptiveFields() throws {
        let expected = ["pixelgan": 1, "patchgan_16": 16, "patchgan_34": 34, "patchgan_70": 70,
                        "patchgan_142": 142, "imagegan_286": 286]
        for (name, field) in expected {
            let entry = try registry.discriminator(named: name)
            let d = try entry.make(config: entry.config(overrides: ["ndf": 4]), context: BuildContext(seed: 0))
            #expect(d.receptiveField == field, "\(name)")
        }
        let d70 = try registry.discriminator(named: "patchgan_70")
        #expect(try d70.make(config: d70.config(), context: BuildContext(seed: 0)).outputGrid(forInput: 256) == 30)
    }

    @Test("unknown names list the known ones; duplicates fail")
    func unknownAndDuplicate() throws {
        do {
            _ = try registry.generator(named: "unet256")
            Issue.record("expected an error")
        } catch let error as RegistryError {
            let text = error.description
            #expect(text.contains("did you mean 'unet_256'"))
            #expect(text.contains("encoder_decoder_128"))
        }
        #expect(throws: RegistryError.self) { try registry.discriminator(named: "patchgan_71") }
        let local = Registry()
        #expect(throws: RegistryError.duplicateName(kind: "generator", name: "unet_64")) {
            try local.register(GeneratorEntry("unet_64", UNetVariant.self, preset: UNetConfig(depth: 6), summary: "again"))
        }
    }

    @Test("bad sizes and channel mismatches give typed errors that say what is valid")
    func badInput() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70",
                                     generatorOverrides: ["ngf": 4], discriminatorOverrides: ["ndf": 4])
        let odd = Tensor.zeros([1, 48, 64, 3])
        #expect {
            _ = try model.generator(odd)
        } throws: { error in
            "\(error)".contains("multiples of 64")
        }
        let gray = Tensor.zeros([1, 64, 64, 1])
        #expect(throws: RegistryError.self) { _ = try model.generator(gray) }
        let tiny = Tensor.zeros([1, 16, 16, 6])
        let imageGAN = try Pix2PixModel(generator: "unet_64", discriminator: "imagegan_286",
                                        generatorOverrides: ["ngf": 4], discriminatorOverrides: ["ndf": 4])
        #expect {
            _ = try imageGAN.discriminator(tiny)
        } throws: { error in
            "\(error)".contains("too small")
        }
        // 1-channel A → 3-channel B: a conditional D reads 4 channels, built so by the registry.
        let grayModel = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                         generatorOverrides: ["ngf": 4, "input_channels": 1], discriminatorOverrides: ["ndf": 4])
        #expect(grayModel.discriminator.inputChannels == 4)
        let unconditional = try Pix2PixModel(generator: "unet_64", discriminator: "pixelgan",
                                             generatorOverrides: ["ngf": 4, "input_channels": 1], discriminatorOverrides: ["ndf": 4],
                                             conditional: false)
        #expect(unconditional.discriminator.inputChannels == 3)
        #expect(throws: RegistryError.self) {
            _ = try Pix2PixModel(generator: "unet_64", discriminator: "pixelgan", generatorOverrides: ["ngf": 0])
        }
    }

    @Test("every G × D pair runs forward and backward and reaches every parameter")
    func everyPair() throws {
        var rng = RandomGenerator(seed: 7)
        for g in registry.generatorNames {
            for d in registry.discriminatorNames {
                let model = try Pix2PixModel(generator: g, discriminator: d, generatorOverrides: ["ngf": 2],
                                             discriminatorOverrides: ["ndf": 2], seed: 3)
                let size = max(model.generator.sizeMultiple, d == "imagegan_286" ? 128 : 64)
                let a = Tensor.uniform([1, size, size, 3], low: -1, high: 1, using: &rng)
                let fake = try model.generator(a)
                #expect(fake.shape == [1, size, size, 3], "\(g)")
                #expect(fake.scalars.allSatisfy { $0.isFinite && abs($0) <= 1 }, "\(g)")
                let logits = try model.discriminator(model.discriminatorInput(a: a, b: fake))
                let grid = model.discriminator.outputGrid(forInput: size)
                #expect(logits.shape == [1, grid, grid, 1], "\(d)")
                #expect(logits.scalars.allSatisfy { $0.isFinite }, "\(g) × \(d)")
                let loss = try Loss.bceWithLogits(logits, label: 1) + Loss.l1(fake, a)
                try loss.backward()
                for (key, p) in model.generator.namedParameters() + model.discriminator.namedParameters() {
                    #expect(p.grad != nil, "\(g) × \(d): no gradient reached \(key)")
                }
            }
        }
    }

    @Test("one pair at 256²")
    func pairAt256() throws {
        let model = try Pix2PixModel(generator: "unet_256", discriminator: "patchgan_70",
                                     generatorOverrides: ["ngf": 4], discriminatorOverrides: ["ndf": 4])
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.uniform([1, 256, 256, 3], low: -1, high: 1, using: &rng)
        let fake = try model.generator(a)
        let logits = try model.discriminator(model.discriminatorInput(a: a, b: fake))
        #expect(fake.shape == [1, 256, 256, 3])
        #expect(logits.shape == [1, 30, 30, 1])
    }

    @Test("state-dict keys follow the PyTorch reference's module tree")
    func referenceKeys() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70",
                                     generatorOverrides: ["ngf": 2], discriminatorOverrides: ["ndf": 2])
        let gKeys = model.generator.stateEntries().map(\.key)
        #expect(gKeys.first == "model.model.0.weight")
        #expect(gKeys.contains("model.model.1.model.2.running_mean"))
        let dKeys = model.discriminator.stateEntries().map(\.key)
        #expect(dKeys.first == "model.0.weight")
        #expect(dKeys.last == "model.11.bias")
    }
}
