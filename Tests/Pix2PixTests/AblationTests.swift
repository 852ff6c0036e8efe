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
                            seeds: [1, 2], steps: steps, data: data, base: base)
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
        #expect(csv.split(whereSeparator: \.isNewline).count == 5)  // header, 2 variants, 2 baselines
        #expect(csv.contains("baseline: identity") && csv.contains("baseline: mean colour"))
        // The baselines are on the same validation pairs; the train metrics cover every training pair (3 ≤ 256).
        let baselines = try #require(results.baselines)
        #expect(baselines.validation.identity.count == 2 && baselines.validation.meanColour?.count == 2)
        #expect(baselines.training?.identity.count == 3 && baselines.trainingPairs == "all 3 training pairs")
        #expect(results.runs.allSatisfy { $0.training?.count == 3 && $0.convergence?.threshold == 0.02 })
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("baseline: identity (input as output)") && markdown.contains("training mean B"))
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
    @Test("every experiment's plan is valid, budgets are in epochs and every combination fits its crop size")
    func plansFit() throws {
        #expect(Experiment.catalog.map(\.name) == ["one-pair-mirror", "ninety-ten", "cross-domain", "generator", "receptive-field", "objectives"])
        for experiment in Experiment.catalog {
            for part in experiment.parts {
                let plan = experiment.plan(for: part, data: "unused.h5", trainPairs: part.trainPairs)
                try plan.validate()
                #expect(plan.steps == Int((part.epochs * Double(part.trainPairs)).rounded(.up)))
                for variant in plan.variants {
                    let o = plan.options(for: variant, seed: 1)
                    try o.validate()
                    let model = try o.makeModel(channelsA: 1, channelsB: 3)
                    try Trainer.checkSizes(model, cropSize: o.cropSize, batch: o.batchSize)
                    #expect(o.steps == plan.steps && o.epochsDecay == 0, "\(experiment.name)/\(part.name): the budget ends the run")
                }
            }
        }
        // ② and ③: at least 100 epochs at 64² (or 50 at 128²).
        for name in ["ninety-ten", "cross-domain"] {
            for part in Experiment.named(name)!.parts { #expect(part.epochs >= (part.size >= 128 ? 50 : 100)) }
        }
        // --steps-scale scales every budget, rounding up.
        let quick = Experiment.named("generator")!
        #expect(quick.plan(for: quick.parts[0], data: "d", trainPairs: 80, stepsScale: 0.1).steps == 800)
        #expect(quick.plan(for: quick.parts[0], data: "d", trainPairs: 80, stepsScale: 0.0001).steps == 1)
        #expect(Experiment.budgetDescription(quick.parts[0], trainPairs: 80, stepsScale: 1) == "100 epochs × 80 pairs = 8000 steps per run (batch 1)")
    }

    @Test("experiment ① is the seed's: one picture per category, tested on its mirror, no flips or jitter, the seed's Canny")
    func mirrorExperiment() throws {
        let mirror = Experiment.named("one-pair-mirror")!
        let categories = Set(Experiment.mirrorPhotos.map(\.category))
        #expect(categories.isSuperset(of: ["buildings", "plants", "animals", "objects"]))
        let seedParts = mirror.parts.filter { if case .mirror = $0.data { return true }; return false }
        #expect(seedParts.count == 2 * Experiment.mirrorPhotos.count)
        for part in seedParts {
            let plan = mirror.plan(for: part, data: "d", trainPairs: 1)
            #expect(!plan.base.flip && plan.base.loadSize == plan.base.cropSize)
            if case let .canny(o) = part.transform {
                #expect(o.lowThreshold == 128 && o.highThreshold == 128 && o.blurKernel == 0 && o.invert)
            }
        }
        // Our held-out variant is there too, labelled as ours.
        #expect(mirror.parts.filter { $0.note.hasPrefix("ours") }.count == 2)
        // A photo that is not installed is named with its package and an install hint.
        let missing = Experiment.CategoryPhoto(category: "x", package: "palapeli-data", file: "no-such-photo.jpg", subject: "")
        #expect { try Experiment.locate(missing) } throws: { error in
            "\(error)".contains("no-such-photo.jpg") && "\(error)".contains("apt-get install")
        }
    }

    @Test("the mirror data set holds the photo's centred square and its mirror", .enabled(if: DefaultPhotoSet.isInstalled))
    func mirrorData() throws {
        let dir = try TrainingData.temporaryDirectory("mirror")
        defer { try? FileManager.default.removeItem(at: dir) }
        let part = Experiment.named("one-pair-mirror")!.parts[0]
        let path = dir.appendingPathComponent("d.h5").path
        try Experiment.buildData(for: part, at: path)
        let train = try openPairedDataset(path: path, split: "train"), val = try openPairedDataset(path: path, split: "val")
        #expect(train.count == 1 && val.count == 1)
        #expect(try val.pair(at: 0).b == train.pair(at: 0).b.horizontallyFlipped())
        #expect(try val.pair(at: 0).b != train.pair(at: 0).b)
    }
}
