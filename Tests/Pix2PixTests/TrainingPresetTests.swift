import Base
import Foundation
import Imaging
import Tensor
import Testing
@testable import Pix2Pix

@Suite("Training presets and the L1 reduction", .serialized)
struct TrainingPresetTests {
    @Test("paper is today's defaults; seed-keras is the seed code's batch 5, Adam 1e-3 / 0.9, λ 10 on the channel sum")
    func presetValues() throws {
        var paper = TrainingOptions()
        paper.batchSize = 7
        paper.lambdaL1 = 3
        TrainingOptions.Preset.paper.apply(to: &paper)
        var defaults = TrainingOptions()
        defaults.preset = .paper
        #expect(paper == defaults)

        var seed = TrainingOptions()
        TrainingOptions.Preset.seedKeras.apply(to: &seed)
        #expect(seed.batchSize == 5 && seed.learningRate == 1e-3 && seed.beta1 == 0.9 && seed.lambdaL1 == 10)
        #expect(seed.l1Reduction == .channelSum && seed.ganMode == .vanilla && seed.epochsDecay == 0 && seed.preset == .seedKeras)
        // Only the preset's fields (and its name) change.
        let changed = try TrainingOptions.differingFields(TrainingOptions(), seed)
        #expect(Set(changed).isSubset(of: Set(TrainingOptions.Preset.fields + ["preset"])), "\(changed)")
        #expect(changed.contains("preset"))
        // The seed's schedule is a constant rate.
        for epoch in [0, 50, 99] { #expect(seed.schedule.learningRate(base: 1e-3, epoch: epoch) == 1e-3) }
    }

    @Test("the preset and the reduction are saved in config.json and read back; older files read as mean, no preset")
    func codable() throws {
        var o = TrainingOptions()
        TrainingOptions.Preset.seedKeras.apply(to: &o)
        o.batchSize = 2  // a flag given with the preset
        let data = try JSONEncoder().encode(o)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"preset\":\"seed-keras\"") && text.contains("\"l1Reduction\":\"channel-sum\""))
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: data) == o)
        let old = try JSONDecoder().decode(TrainingOptions.self, from: Data(#"{"lambdaL1": 50}"#.utf8))
        #expect(old.l1Reduction == .mean && old.preset == nil && old.lambdaL1 == 50)
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(TrainingOptions.self, from: Data(#"{"l1Reduction": "sum"}"#.utf8))
        }
    }

    @Test("a resume keeps the preset's values: changing them is refused like any other option")
    func resume() throws {
        var saved = TrainingOptions()
        TrainingOptions.Preset.seedKeras.apply(to: &saved)
        #expect(try saved.resumed(with: saved, configPath: "run/config.json") == saved)
        var paper = saved
        TrainingOptions.Preset.paper.apply(to: &paper)
        #expect(throws: TrainingError.self) { try saved.resumed(with: paper, configPath: "run/config.json") }
    }

    @Test("the channel-sum L1 is C × the mean, so λ 10 on it is λ 30 on the mean for RGB, with the same gradient")
    func channelSum() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 4, "input_channels": 1, "output_channels": 3],
                                     discriminatorOverrides: ["ndf": 4], seed: 1)
        var rng = RandomGenerator(seed: 2)
        let fake = Tensor.uniform([2, 8, 8, 3], low: -1, high: 1, using: &rng)
        let b = Tensor.uniform([2, 8, 8, 3], low: -1, high: 1, using: &rng)
        let mean = try Pix2PixStep(model: model, lambdaL1: 30).l1Term(fake, b)
        let summed = try Pix2PixStep(model: model, lambdaL1: 10, l1Reduction: .channelSum).l1Term(fake, b)
        #expect(abs(mean.item - summed.item) < 1e-4 * mean.item)
        // By hand: Σ over channels, then the mean over batch and pixels.
        var total = 0.0
        for k in 0..<fake.count { total += Double(abs(fake.pointer[k] - b.pointer[k])) }
        #expect(abs(Double(summed.item) - 10 * total / Double(2 * 8 * 8)) < 1e-3)
        // One channel: the two reductions agree.
        let gray = Tensor.uniform([1, 4, 4, 1], low: -1, high: 1, using: &rng), zero = Tensor.zeros([1, 4, 4, 1])
        #expect(try Pix2PixStep(model: model, lambdaL1: 10, l1Reduction: .channelSum).l1Term(gray, zero).item
                == Pix2PixStep(model: model, lambdaL1: 10).l1Term(gray, zero).item)
    }

    @Test("an ablation report's optimiser line names the channel-summed L1 and the preset")
    func ablationSetup() throws {
        var base = TrainingData.tinyOptions()
        TrainingOptions.Preset.seedKeras.apply(to: &base)
        let plan = AblationPlan(title: "t", generators: ["unet_64"], discriminators: ["patchgan_16"], seeds: [1], steps: 1,
                                data: "d.h5", base: base)
        let runner = try AblationRunner(plan: plan, directory: URL(fileURLWithPath: "/nonexistent"))
        let report = AblationReport(results: AblationResults(plan: plan, runs: [], summaries: [], framework: "test"), runner: runner)
        let line = try #require(report.setup.first { $0.0 == "Optimiser" }?.1)
        #expect(line == "Adam lr 0.001, β1 0.9, λ_L1 10.0 on the channel-summed L1, vanilla GAN loss (--preset seed-keras)")
        var paper = plan
        paper.base = TrainingData.tinyOptions()
        let plain = AblationReport(results: AblationResults(plan: paper, runs: [], summaries: [], framework: "test"), runner: runner)
        #expect(plain.setup.first { $0.0 == "Optimiser" }?.1 == "Adam lr 0.0002, β1 0.5, λ_L1 100.0, vanilla GAN loss")
    }

    @Test("a run trains with its recorded reduction: G_L1 is λ·C·mean under seed-keras")
    func trainerUsesReduction() throws {
        let dir = try TrainingData.temporaryDirectory("preset")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2, 3], val: [])
        var o = TrainingData.tinyOptions(steps: 1)
        TrainingOptions.Preset.seedKeras.apply(to: &o)
        o.batchSize = 2
        let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: RunDirectory(dir.appendingPathComponent("run")))
        #expect(trainer.stepper.l1Reduction == .channelSum && trainer.stepper.lambdaL1 == 10)
        #expect(trainer.stepper.generatorOptimizer.hyperparameters.learningRate == 1e-3)
        #expect(trainer.stepper.generatorOptimizer.hyperparameters.beta1 == 0.9)
        _ = try trainer.train()
        let saved = try RunDirectory(dir.appendingPathComponent("run")).readConfig()
        #expect(saved.options.preset == .seedKeras && saved.options.l1Reduction == .channelSum && saved.options.batchSize == 2)
    }
}
