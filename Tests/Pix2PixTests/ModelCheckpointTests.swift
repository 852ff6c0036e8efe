import Base
import Checkpoint
import Foundation
import NN
import Tensor
import Testing
@testable import Pix2Pix

@Suite("Model checkpoints")
struct ModelCheckpointTests {
    static let g: ConfigOverrides = ["ngf": 4, "input_channels": 1, "output_channels": 3]
    static let d: ConfigOverrides = ["ndf": 4]

    func input(seed: UInt64 = 3) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.uniform([2, 64, 64, 1], low: -1, high: 1, using: &rng)
    }

    @Test("an inference file rebuilds the generator from the header alone and gives the same outputs")
    func inferenceRoundTrip() throws {
        let dir = try TrainingData.temporaryDirectory("ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70", generatorOverrides: Self.g, discriminatorOverrides: Self.d, seed: 11)
        model.generator.eval()
        let expected = try withNoGrad { try model.generator(input()) }.scalars
        let url = dir.appendingPathComponent("g.pzck")
        try ModelCheckpoint.saveInference(model, to: url, metadata: ["note": "test"])

        let loaded = try ModelCheckpoint.loadGenerator(from: url)
        #expect(loaded.kind == .inference)
        #expect(loaded.architecture == model.architecture)
        #expect(loaded.metadata["note"] == "test")
        let got = try withNoGrad { try loaded.network(input()) }.scalars
        #expect(got == expected)

        // Only generator tensors are stored, under "generator.".
        let file = try CheckpointFile(contentsOf: url)
        #expect(file.entries.allSatisfy { $0.name.hasPrefix("generator.") })
        #expect(file.entries.count == model.generator.stateEntries().count)

        // bf16 storage: close, and half the size.
        let small = dir.appendingPathComponent("g16.pzck")
        try ModelCheckpoint.saveInference(model, to: small, storage: .bf16)
        let approx = try withNoGrad { try ModelCheckpoint.loadGenerator(from: small).network(input()) }.scalars
        let maxDiff = zip(approx, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff < 0.05, "bf16 weights change outputs by \(maxDiff)")
        let size = { (u: URL) in (try FileManager.default.attributesOfItem(atPath: u.path)[.size] as? Int) ?? 0 }
        #expect(try size(small) < size(url) * 2 / 3)
    }

    @Test("a training file round-trips both networks, both optimizers and the dropout stream")
    func trainingRoundTrip() throws {
        let dir = try TrainingData.temporaryDirectory("ckpt-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d, seed: 5)
        let step = try Pix2PixStep(model: model)
        let b = Tensor.full([1, 64, 64, 3], 0.25)
        let a = Tensor.full([1, 64, 64, 1], -0.5)
        try step.run(a: a, b: b)
        try step.run(a: a, b: b)
        let url = dir.appendingPathComponent("t.pzck")
        try ModelCheckpoint.saveTraining(model, generatorOptimizer: step.generatorOptimizer,
                                         discriminatorOptimizer: step.discriminatorOptimizer,
                                         progress: ["step": 2], to: url)
        let next = try step.run(a: a, b: b)

        // Rebuilt from the file's header alone (other seed: the weights come from the file).
        let copy = try Pix2PixModel(architecture: ModelCheckpoint.readArchitecture(from: url).architecture, seed: 99)
        #expect(copy.architecture == model.architecture)
        let copyStep = try Pix2PixStep(model: copy)
        let progress = try ModelCheckpoint.loadTraining(from: url, into: copy, generatorOptimizer: copyStep.generatorOptimizer,
                                                        discriminatorOptimizer: copyStep.discriminatorOptimizer)
        #expect(progress["step"]?.intValue == 2)
        #expect(copyStep.generatorOptimizer.stepCount == 2)
        let again = try copyStep.run(a: a, b: b)
        #expect(again == next, "the restored state continues exactly (dropout stream included)")

        // The generator alone loads from a training file too.
        let loaded = try ModelCheckpoint.loadGenerator(from: url)
        #expect(loaded.kind == .training)
        #expect(loaded.architecture.discriminator?.name == "patchgan_16")
    }

    @Test("wrong kind, other architecture, unknown names and mismatched tensors give typed errors")
    func errors() throws {
        let dir = try TrainingData.temporaryDirectory("ckpt-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d)
        let step = try Pix2PixStep(model: model)
        let inference = dir.appendingPathComponent("i.pzck")
        try ModelCheckpoint.saveInference(model, to: inference)
        #expect(throws: ModelFileError.wrongKind(file: inference.path, found: "inference", needed: "training")) {
            try ModelCheckpoint.loadTraining(from: inference, into: model, generatorOptimizer: step.generatorOptimizer,
                                             discriminatorOptimizer: step.discriminatorOptimizer)
        }

        let training = dir.appendingPathComponent("t.pzck")
        try ModelCheckpoint.saveTraining(model, generatorOptimizer: step.generatorOptimizer,
                                         discriminatorOptimizer: step.discriminatorOptimizer, progress: [:], to: training)
        let wider = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 8, "input_channels": 1, "output_channels": 3], discriminatorOverrides: ["ndf": 4])
        let widerStep = try Pix2PixStep(model: wider)
        #expect(throws: ModelFileError.self) {
            try ModelCheckpoint.loadTraining(from: training, into: wider, generatorOptimizer: widerStep.generatorOptimizer,
                                             discriminatorOptimizer: widerStep.discriminatorOptimizer)
        }

        // A variant registered elsewhere: the error lists the names this registry knows.
        let custom = Registry()
        try custom.register(GeneratorEntry("my_unet", UNetVariant.self, preset: UNetConfig(depth: 6), summary: "custom"))
        let customModel = try Pix2PixModel(generator: "my_unet", discriminator: "patchgan_16", generatorOverrides: Self.g, discriminatorOverrides: Self.d, registry: custom)
        let customFile = dir.appendingPathComponent("custom.pzck")
        try ModelCheckpoint.saveInference(customModel, to: customFile)
        #expect(try ModelCheckpoint.loadGenerator(from: customFile, registry: custom).architecture.generator.name == "my_unet")
        #expect { try ModelCheckpoint.loadGenerator(from: customFile) } throws: { error in
            guard case ModelFileError.unknownArchitecture(let file, "generator", "my_unet", let known) = error else { return false }
            return file == customFile.path && known.contains("unet_256") && "\(error)".contains("unet_64")
        }

        // Weights that do not fit the header's architecture: every problem in one error.
        let forged = dir.appendingPathComponent("forged.pzck")
        var header = model.architecture
        header.generator.configData = try Registry.shared.generator(named: "unet_64")
            .config(overrides: ["ngf": 8, "input_channels": 1, "output_channels": 3])
        header.generator.parameters = 0  // "not stated"; a stated count that disagrees is refused first (ArchitectureValidationTests)
        try ModelCheckpoint.saveInference(generator: model.generator, architecture: header, to: forged)
        #expect { try ModelCheckpoint.loadGenerator(from: forged) } throws: { error in
            guard case CheckpointError.stateMismatch(let file, let mismatch, _) = error else { return false }
            return file == forged.path && mismatch.wrongShape.count > 5 && mismatch.missing.isEmpty
        }

        // Not a model at all: a checkpoint whose header names no generator.
        let bare = dir.appendingPathComponent("bare.pzck")
        try CheckpointWriter().write(to: bare, kind: .inference, model: ["something": "else"],
                                     tensors: [TensorRecord(name: "w", shape: [1], values: [1])])
        #expect(throws: ModelFileError.self) { try ModelCheckpoint.loadGenerator(from: bare) }
    }
}
