import Foundation
import Imaging
import Reports
import Testing
@testable import Pix2Pix

@Suite("Ablation", .serialized)
struct AblationTests {
    func plan(data: String, steps: Int = 3) -> AblationPlan {
        var base = TrainingData.tinyOptions()
        base.checkpointEvery = 2
        return AblationPlan(title: "test", generators: ["unet_64", "encoder_decoder_64"], discriminators: ["patchgan_16"],
                            seeds: [1, 2], steps: steps, data: data, base: base, trainEvaluationPairs: 2)
    }

    @Test("every combination and seed is trained, summarised and reported; a rerun skips finished runs")
    func reportAndSkip() throws {
        let dir = try TrainingData.temporaryDirectory("ablate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2, 3], val: [7, 8])
        let out = dir.appendingPathComponent("ablation")
        let runner = try AblationRunner(plan: plan(data: data), directory: out)
        let results = try runner.run()
        #expect(results.runs.count == 4)
        #expect(results.summaries.map(\.label) == ["unet_64", "encoder_decoder_64"])
        #expect(results.summaries.allSatisfy { $0.seeds == 2 && $0.l1.mean > 0 && $0.trainL1 != nil })
        // The U-Net has more parameters than the encoder-decoder of the same depth (skip channels).
        #expect(results.summaries[0].generatorParameters > results.summaries[1].generatorParameters)
        for name in ["report.md", "report.html", "results.csv", "results.json", "metric_l1.svg", "metric_psnr.svg",
                     "metric_ssim.svg", "loss_l1.svg", "samples.png", "plan.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("data:image/png;base64,") && html.contains("<svg") && !html.contains("src=\"http"))
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).count == 3)
        let grid = try Image.read(path: out.appendingPathComponent("samples.png").path)
        #expect(grid.width > 4 * 64)  // input | 2 variants | target

        // Each run trained exactly the budget, and the two seeds really differ.
        let unet = AblationVariant(generator: "unet_64", discriminator: "patchgan_16", objective: .l1Cgan)
        let log1 = try runner.runDirectory(unet, seed: 1).readLog(), log2 = try runner.runDirectory(unet, seed: 2).readLog()
        #expect(log1.count == 3 && log2.count == 3)
        #expect(log1.map(\.losses) != log2.map(\.losses))

        // A rerun trains nothing and reproduces the results.
        let logURL = runner.runDirectory(results.runs[0].variant, seed: 1).log
        let before = try FileManager.default.attributesOfItem(atPath: logURL.path)[.modificationDate] as? Date
        let again = try AblationRunner(plan: plan(data: data), directory: out).run()
        #expect(again.runs == results.runs)
        #expect(try FileManager.default.attributesOfItem(atPath: logURL.path)[.modificationDate] as? Date == before)

        // Another budget in the same directory is refused.
        #expect(throws: TrainingError.self) { try AblationRunner(plan: plan(data: data, steps: 5), directory: out).run() }
    }

    @Test("an interrupted ablation resumes where it stopped and ends as an uninterrupted one")
    func resume() throws {
        let dir = try TrainingData.temporaryDirectory("ablate-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2, 3], val: [7])
        var p = plan(data: data, steps: 4)
        p.generators = ["unet_64"]
        p.seeds = [1]
        let straight = try AblationRunner(plan: p, directory: dir.appendingPathComponent("a")).run()

        let runner = try AblationRunner(plan: p, directory: dir.appendingPathComponent("b"))
        var steps = 0
        runner.shouldStop = { steps += 1; return steps == 3 }
        let partial = try runner.run()
        #expect(runner.interrupted && partial.runs.isEmpty)
        let resumed = try AblationRunner(plan: p, directory: dir.appendingPathComponent("b")).run()
        #expect(resumed.runs.map(\.validation) == straight.runs.map(\.validation))
        #expect(resumed.runs.map(\.finalLosses) == straight.runs.map(\.finalLosses))
    }

    @Test("combinations that cannot run are all named before anything trains")
    func impossibleCombinations() throws {
        let dir = try TrainingData.temporaryDirectory("ablate-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1], val: [2])
        var p = plan(data: data)
        p.discriminators = ["patchgan_16", "imagegan_286"]
        let out = dir.appendingPathComponent("out")
        #expect { try AblationRunner(plan: p, directory: out).run() } throws: { error in
            guard case TrainingError.incompatible(let message, _) = error else { return false }
            return message.contains("2 combination(s)") && message.contains("imagegan_286")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        p.seeds = [1, 1]
        #expect(throws: TrainingError.self) { try AblationRunner(plan: p, directory: out) }
    }
}

@Suite("Experiment catalog")
struct ExperimentCatalogTests {
    @Test("every experiment's plan is valid and every combination fits its crop size")
    func plansFit() throws {
        #expect(Experiment.catalog.map(\.name) == ["one-pair", "ninety-ten", "cross-domain", "generator", "receptive-field"])
        for experiment in Experiment.catalog {
            for part in experiment.parts {
                let plan = experiment.plan(for: part, data: "unused.h5")
                try plan.validate()
                for variant in plan.variants {
                    let o = plan.options(for: variant, seed: 1)
                    try o.validate()
                    let model = try o.makeModel(channelsA: 1, channelsB: 3)
                    try Trainer.checkSizes(model, cropSize: o.cropSize, batch: o.batchSize)
                    #expect(o.steps == part.steps && o.epochsDecay == 0, "\(experiment.name)/\(part.name): the budget ends the run")
                }
            }
        }
        // --steps-scale scales every budget.
        let quick = Experiment.named("generator")!
        #expect(quick.plan(for: quick.parts[0], data: "d", stepsScale: 0.1).steps == 150)
    }
}
