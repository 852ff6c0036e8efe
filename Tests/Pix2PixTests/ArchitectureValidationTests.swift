import Base
import Checkpoint
import Foundation
import NN
import Tensor
import Testing
@testable import Pix2Pix

/// Counts how often `CountingUNetVariant.make` runs: the forged-header tests assert that the error
/// arrives before any network is built.
private final class BuildCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// The U-Net under another family name, counting its builds.
private enum CountingUNetVariant: GeneratorVariant {
    static let family = "counting_unet"
    static let builds = BuildCounter()
    static func stateShapes(_ config: UNetConfig) throws -> StateShapes { try UNetVariant.stateShapes(config) }
    static func make(_ config: UNetConfig, context: BuildContext) throws -> any GeneratorNetwork {
        builds.increment()
        return try UNetVariant.make(config, context: context)
    }
}

/// A family whose `stateShapes` forgets the bias: the registry's check after `make` catches it.
private enum ForgetfulVariant: GeneratorVariant {
    static let family = "forgetful"
    static func stateShapes(_ config: ShallowConfig) throws -> StateShapes {
        var shapes = StateShapes(network: "forgetful")
        try shapes.parameter("body.0.weight", [config.outputChannels, config.inputChannels, 3, 3])
        return shapes
    }
    static func make(_ config: ShallowConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try ShallowGenerator(config: ShallowConfig(layers: 1, width: config.width))
    }
}

/// The largest resident set this process has had, in bytes (Linux reports KiB).
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

@Suite("Architecture configs are checked before anything is built")
struct ArchitectureValidationTests {
    static let g: ConfigOverrides = ["ngf": 4, "input_channels": 1, "output_channels": 3]
    static let d: ConfigOverrides = ["ndf": 4]

    @Test("every built-in preset's derived shapes are the built network's, for every norm")
    func derivedShapesMatchBuiltNetworks() throws {
        let registry = Registry.shared
        for name in registry.generatorNames {
            for norm in NormKind.allCases {
                for dropout in [true, false] {
                    let entry = try registry.generator(named: name)
                    let config = try entry.config(overrides: ["ngf": 2, "norm": .string(norm.rawValue), "dropout": .bool(dropout)])
                    let shapes = try entry.stateShapes(config: config)
                    // make() itself compares the built network with the derived shapes; check the counts too.
                    let network = try entry.make(config: config, context: BuildContext(seed: 0))
                    #expect(shapes.parameterCount == network.parameterCount, "\(name), \(norm)")
                    #expect(shapes.elementCount == network.stateEntries().reduce(0) { $0 + $1.tensor.count }, "\(name), \(norm)")
                }
            }
        }
        for name in registry.discriminatorNames {
            for norm in NormKind.allCases {
                let entry = try registry.discriminator(named: name)
                let config = try entry.config(overrides: ["ndf": 2, "norm": .string(norm.rawValue)], inputChannels: 4)
                let network = try entry.make(config: config, context: BuildContext(seed: 0))
                #expect(try entry.stateShapes(config: config).parameterCount == network.parameterCount, "\(name), \(norm)")
            }
        }
        // The paper's networks, counted without building them.
        let unet256 = try registry.generator(named: "unet_256")
        #expect(try unet256.stateShapes(config: unet256.config()).parameterCount == 54_413_955)
        let patch70 = try registry.discriminator(named: "patchgan_70")
        #expect(try patch70.stateShapes(config: patch70.config(inputChannels: 6)).parameterCount == 2_768_705)
    }

    @Test("a family whose stateShapes disagrees with its network fails on its first build")
    func disagreeingFamilyIsCaught() throws {
        let registry = Registry()
        try registry.register(GeneratorEntry("forgetful", ForgetfulVariant.self, preset: ShallowConfig(layers: 1, width: 4), summary: "wrong shapes"))
        let entry = try registry.generator(named: "forgetful")
        #expect {
            _ = try entry.make(config: try entry.config(), context: BuildContext(seed: 0))
        } throws: { error in
            guard case RegistryError.invalidConfig("forgetful", let message) = error else { return false }
            return message.contains("disagrees") && message.contains("body.0.bias")
        }
    }

    static let generatorBoundCases: [(overrides: ConfigOverrides, expected: String)] = [
        (["ngf": 0], "ngf must be in 1…256"),
        (["ngf": 257], "ngf must be in 1…256"),
        (["ngf": .int(1 << 62)], "ngf must be in 1…256"),
        (["ngf": .int(Int.max)], "ngf must be in 1…256"),
        (["depth": 13], "depth must be in 2…12"),
        (["depth": .int(-(1 << 62))], "depth must be in 2…12"),
        (["input_channels": 100_000], "input_channels and output_channels must be in 1…64"),
        (["output_channels": 0], "input_channels and output_channels must be in 1…64"),
        (["depth": 12, "ngf": 256], "more than 1073741824 elements"),
    ]

    @Test("bounds: out-of-range and overflowing configs are refused with the key and range, without trapping",
          arguments: generatorBoundCases)
    func generatorBounds(overrides: ConfigOverrides, expected: String) throws {
        let entry = try Registry.shared.generator(named: "unet_256")
        let config = try entry.config(overrides: overrides)
        let attempts: [() throws -> Void] = [{ _ = try entry.stateShapes(config: config) },
                                             { _ = try entry.make(config: config, context: BuildContext(seed: 0)) }]
        for attempt in attempts {
            #expect { try attempt() } throws: { error in
                guard case RegistryError.invalidConfig(_, let message) = error else { return false }
                return message.contains(expected)
            }
        }
        // The width arithmetic saturates instead of trapping.
        #expect(UNetConfig(depth: 8, ngf: 1 << 62).width(level: 7) == .max)
        #expect(UNetConfig(depth: 8, ngf: 64).width(level: 7) == 512)
    }

    static let discriminatorBoundCases: [(name: String, overrides: ConfigOverrides, expected: String)] = [
        ("patchgan_70", ["ndf": .int(1 << 62)], "ndf must be in 1…256"),
        ("patchgan_70", ["layers": 9], "layers must be in 0…8"),
        ("pixelgan", ["ndf": 300], "ndf must be in 1…256"),
    ]

    @Test("discriminator bounds", arguments: discriminatorBoundCases)
    func discriminatorBounds(name: String, overrides: ConfigOverrides, expected: String) throws {
        let entry = try Registry.shared.discriminator(named: name)
        #expect {
            _ = try Pix2PixModel(generator: "unet_64", discriminator: name, generatorOverrides: Self.g, discriminatorOverrides: overrides)
        } throws: { error in
            guard case RegistryError.invalidConfig(_, let message) = error else { return false }
            return message.contains(expected)
        }
        #expect(throws: RegistryError.self) { try entry.stateShapes(config: entry.config(inputChannels: 1000)) }
    }

    // MARK: Forged headers

    /// A valid inference file of a tiny counting U-Net, and its architecture.
    func validFile(in dir: URL, registry: Registry) throws -> (url: URL, model: Pix2PixModel) {
        let model = try Pix2PixModel(generator: "counting_unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: Self.g, discriminatorOverrides: Self.d, registry: registry)
        let url = dir.appendingPathComponent("valid.pzck")
        try ModelCheckpoint.saveInference(model, to: url)
        return (url, model)
    }

    /// The same weights under a header whose architecture `edit` changed.
    func forged(_ model: Pix2PixModel, in dir: URL, _ name: String, _ edit: (inout ModelArchitecture) throws -> Void) throws -> URL {
        var architecture = model.architecture
        try edit(&architecture)
        let url = dir.appendingPathComponent(name + ".pzck")
        try ModelCheckpoint.saveInference(generator: model.generator, architecture: architecture, to: url)
        return url
    }

    static func config(_ base: Data, _ changes: [String: JSONValue]) throws -> Data {
        var object = try #require(try JSONValue(parsing: [UInt8](base)).objectValue)
        for (key, value) in changes { object[key] = value }
        return Data(JSONValue.object(object).serialized())
    }

    @Test("a forged header gets a typed error quickly, before any network is built and without a large allocation")
    func forgedHeaders() throws {
        let dir = try TrainingData.temporaryDirectory("forged")
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = Registry()
        try registry.register(GeneratorEntry("counting_unet_64", CountingUNetVariant.self, preset: UNetConfig(depth: 6), summary: "counts builds"))
        let (valid, model) = try validFile(in: dir, registry: registry)
        let g = model.generatorConfig, d = model.discriminatorConfig

        typealias Case = (name: String, edit: (inout ModelArchitecture) throws -> Void, check: (any Error) -> Bool)
        func invalidConfig(_ role: String, _ text: String) -> (any Error) -> Bool {
            { error in
                guard case ModelFileError.invalidConfig(let file, role, _, let reason) = error else { return false }
                return file.hasSuffix(".pzck") && reason.contains(text) && "\(error)".contains("Hint:")
            }
        }
        let cases: [Case] = [
            // Within the bounds, but not what the file holds: 470 M parameters would have been
            // allocated (1.9 GB) before "tensors do not match".
            ("ngf256", { $0.generator.configData = try Self.config(g, ["ngf": 256]); $0.generator.parameters = 0 }, { error in
                guard case CheckpointError.stateMismatch(_, let mismatch, _) = error else { return false }
                return !mismatch.wrongShape.isEmpty
            }),
            ("ngf400", { $0.generator.configData = try Self.config(g, ["ngf": 400]) }, invalidConfig("generator", "ngf must be in 1…256 (64 is the paper's), got 400")),
            ("ngf2^62", { $0.generator.configData = try Self.config(g, ["ngf": .int(1 << 62)]) }, invalidConfig("generator", "ngf must be in")),
            ("channels", { $0.generator.configData = try Self.config(g, ["input_channels": 1_000_000_000]) },
             invalidConfig("generator", "input_channels and output_channels must be in 1…64")),
            ("notDecoding", { $0.generator.configData = try Self.config(g, ["ngf": "wide"]) }, invalidConfig("generator", "does not decode")),
            ("parameters", { $0.generator.parameters = 12_345 }, { error in
                guard case ModelFileError.parameterCountMismatch(_, "generator", _, 12_345, let derived) = error else { return false }
                return derived == model.generator.parameterCount
            }),
            ("negativeParameters", { $0.generator.parameters = -5 }, { error in
                guard case ModelFileError.invalidArchitecture(_, let reason) = error else { return false }
                return reason.contains("model.generator.parameters is -5")
            }),
            ("dNdf", { $0.discriminator!.configData = try Self.config(d, ["ndf": .int(1 << 62)]) }, invalidConfig("discriminator", "ndf must be in")),
            ("dLayers", { $0.discriminator!.configData = try Self.config(d, ["layers": 1000]) }, invalidConfig("discriminator", "layers must be in 0…8")),
            ("dChannels", { $0.discriminator!.configData = try Self.config(d, ["input_channels": 5]); $0.discriminator!.parameters = 0 },
             invalidConfig("discriminator", "input_channels is 5, but a conditional discriminator next to a 1 → 3 generator reads 4")),
            ("dParameters", { $0.discriminator!.parameters = 7 }, { error in
                if case ModelFileError.parameterCountMismatch(_, "discriminator", _, 7, _) = error { return true }
                return false
            }),
        ]
        let peakBefore = peakResidentBytes()
        for c in cases {
            let url = try forged(model, in: dir, c.name, c.edit)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try ModelCheckpoint.loadGenerator(from: url, registry: registry)
                Issue.record("\(c.name): the forged file loaded")
            } catch {
                #expect(c.check(error), "\(c.name): \(error)")
            }
            #expect(clock.now - start < .seconds(2), "\(c.name)")
            #expect(CountingUNetVariant.builds.value == 1, "\(c.name): no network is built from a forged header")
        }
        // Not a byte of the 1.9 GB the in-bounds forgery describes was allocated (other tests in
        // this process are small, so a large allocation here would show in the peak).
        #expect(peakResidentBytes() - peakBefore < 500 << 20)
        // Cards and other in-memory descriptions are checked the same way.
        var card = model.architecture
        card.discriminator!.configData = try Self.config(d, ["ndf": .int(1 << 62)])
        #expect(throws: ModelFileError.self) { try Pix2PixModel(architecture: card, registry: registry) }

        // The genuine file loads, and builds its network once.
        _ = try ModelCheckpoint.loadGenerator(from: valid, registry: registry)
        #expect(CountingUNetVariant.builds.value == 2)
    }

    // MARK: Non-finite weights

    @Test("NaN or infinite weights are refused at load, naming the tensor", arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefused(value: Float) throws {
        let dir = try TrainingData.temporaryDirectory("nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d)
        let (key, tensor) = model.generator.stateEntries()[3]
        tensor.pointer[tensor.count - 1] = value
        tensor.pointer[0] = value
        let url = dir.appendingPathComponent("bad.pzck")
        try ModelCheckpoint.saveInference(model, to: url)
        #expect(throws: ModelFileError.nonFiniteTensor(file: url.path, tensor: "generator." + key, count: 2, elements: tensor.count)) {
            _ = try ModelCheckpoint.loadGenerator(from: url)
        }
        let message = "\(ModelFileError.nonFiniteTensor(file: url.path, tensor: "generator." + key, count: 2, elements: tensor.count))"
        #expect(message.contains("NaN or infinite") && message.contains("Hint:"))
    }

    @Test("resuming refuses NaN weights and odd optimizer moments before anything changes")
    func resumeChecks() throws {
        let dir = try TrainingData.temporaryDirectory("nan-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d)
        let step = try Pix2PixStep(model: model)
        try step.run(a: Tensor.full([1, 64, 64, 1], -0.5), b: Tensor.full([1, 64, 64, 3], 0.25))
        let (key, tensor) = model.discriminator.stateEntries()[0]
        let kept = tensor.pointer[5]
        tensor.pointer[5] = .nan
        let url = dir.appendingPathComponent("t.pzck")
        try ModelCheckpoint.saveTraining(model, generatorOptimizer: step.generatorOptimizer,
                                         discriminatorOptimizer: step.discriminatorOptimizer, progress: ["step": 1], to: url)
        tensor.pointer[5] = kept

        let fresh = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d, seed: 9)
        let freshStep = try Pix2PixStep(model: fresh)
        let before = fresh.generator.stateEntries()[0].tensor.scalars
        #expect(throws: ModelFileError.nonFiniteTensor(file: url.path, tensor: "discriminator." + key, count: 1, elements: tensor.count)) {
            try ModelCheckpoint.loadTraining(from: url, into: fresh, generatorOptimizer: freshStep.generatorOptimizer,
                                             discriminatorOptimizer: freshStep.discriminatorOptimizer)
        }
        #expect(fresh.generator.stateEntries()[0].tensor.scalars == before, "nothing was loaded")

        // A moment the optimizer does not have (here a huge declared one) is refused before any is read.
        let good = dir.appendingPathComponent("good.pzck")
        try ModelCheckpoint.saveTraining(model, generatorOptimizer: step.generatorOptimizer,
                                         discriminatorOptimizer: step.discriminatorOptimizer, progress: ["step": 1], to: good)
        let file = try CheckpointFile(contentsOf: good)
        let extra = dir.appendingPathComponent("extra.pzck")
        try CheckpointWriter().write(to: extra, kind: .training, model: file.header.model,
                                     tensors: try file.allTensors() + [TensorRecord(name: "optimizer.generator.bogus.exp_avg", shape: [1 << 40, 0], values: [])],
                                     metadata: file.header.metadata, sections: file.header.sections)
        #expect {
            try ModelCheckpoint.loadTraining(from: extra, into: fresh, generatorOptimizer: freshStep.generatorOptimizer,
                                             discriminatorOptimizer: freshStep.discriminatorOptimizer)
        } throws: { error in
            guard case ModelFileError.invalidTrainingState(let f, let reason) = error else { return false }
            return f == extra.path && reason.contains("optimizer.generator.bogus.exp_avg")
        }
        // The genuine file resumes.
        try ModelCheckpoint.loadTraining(from: good, into: fresh, generatorOptimizer: freshStep.generatorOptimizer,
                                         discriminatorOptimizer: freshStep.discriminatorOptimizer)
    }
}
