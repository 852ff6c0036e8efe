import Foundation
import Testing
@testable import Pix2Pix

@Suite("Experiment bundles and the generated article")
struct ExperimentArticleTests {
    static func bundle(l1: Double = 0.1234, scale: Double = 0.01) -> ExperimentBundle {
        let experiment = Experiment.named("generator")!
        let variant = AblationVariant(generator: "unet_64", discriminator: "patchgan_70", objective: .l1Cgan)
        let eval = EvaluationResult(mode: .eval, count: 4, l1: l1, l1SD: 0.01, psnr: 16.5, psnrSD: 0.5, ssim: 0.61, ssimSD: 0.02)
        let run = AblationRunResult(variant: variant, seed: 1, steps: 80, generatorParameters: 10, discriminatorParameters: 5,
                                    trainingSeconds: 8, secondsPerStep: 0.1, validation: eval, training: eval,
                                    finalLosses: StepLosses(),
                                    convergence: Convergence(threshold: 0.02, step: nil, seconds: nil, lowestL1: 0.05, finalL1: 0.06))
        let summary = AblationSummary(variant: variant, label: "unet_64", seeds: 1, generatorParameters: 10, discriminatorParameters: 5,
                                      l1: .init([l1]), psnr: .init([16.5]), ssim: .init([0.61]), trainL1: .init([l1]),
                                      convergedSteps: nil, convergedSeconds: nil, convergedSeeds: 0,
                                      secondsPerStep: .init([0.1]), trainingSeconds: .init([8]))
        let base = BaselineResult(count: 4, l1: 0.2, l1SD: 0.01, psnr: 17.6, psnrSD: 1, ssim: 0.85, ssimSD: 0.01)
        let baselines = AblationBaselines(validation: Baselines(identity: base, meanColour: base, colour: [0.4, 0.4, 0.3]),
                                          training: Baselines(identity: base, meanColour: base, colour: [0.4, 0.4, 0.3]),
                                          trainingPairs: "all 80 training pairs")
        let plan = AblationPlan(generators: ["unet_64"], discriminators: ["patchgan_70"], steps: 80, data: "d")
        let results = AblationResults(plan: plan, runs: [run], summaries: [summary], framework: "test", baselines: baselines)
        let part = ExperimentBundle.part(experiment.parts[0], results: results, validationPairs: 4, trainPairs: 80, stepsScale: scale)
        return ExperimentBundle(experiment: experiment, commit: "0123456789abcdef0123", date: Date(timeIntervalSince1970: 0),
                                threads: 2, precision: "fp32", stepsScale: scale, wallSeconds: 100, parts: [part])
    }

    static func location(_ name: String) -> String { "Docs/Results/\(name)/results.json" }

    @Test("report fills the marked block; check passes on it and fails on a changed number, a missing block or bundle")
    func updateAndCheck() throws {
        let article = "# Experiments\n\nIntro.\n\n\(ExperimentArticle.beginMarker("generator"))\nold table\n\(ExperimentArticle.endMarker("generator"))\n\nProse.\n"
        let bundle = Self.bundle()
        #expect(ExperimentArticle.check(article, bundles: [bundle], location: Self.location) == [.differs("generator")])
        let updated = try ExperimentArticle.update(article, bundles: [bundle], location: Self.location)
        #expect(updated.hasPrefix("# Experiments\n\nIntro.\n\n") && updated.hasSuffix("\n\nProse.\n"))
        #expect(updated.contains("0.1234") && updated.contains("baseline: identity") && updated.contains("baseline: mean colour"))
        #expect(updated.contains("Quick look") && updated.contains("`--steps-scale 0.01`") && updated.contains("commit `0123456789ab`"))
        // Convergence is shown for single-pair parts only.
        #expect(!updated.contains("not reached"))
        var single = Self.bundle()
        single.parts[0].trainPairs = 1
        #expect(ExperimentArticle.block(single, location: "x").contains("not reached (lowest 0.050)"))
        #expect(ExperimentArticle.check(updated, bundles: [bundle], location: Self.location).isEmpty)
        #expect(try ExperimentArticle.update(updated, bundles: [bundle], location: Self.location) == updated)

        let tampered = updated.replacingOccurrences(of: "0.1234", with: "0.1111")
        #expect(ExperimentArticle.check(tampered, bundles: [bundle], location: Self.location) == [.differs("generator")])
        #expect(ExperimentArticle.check(updated, bundles: [Self.bundle(l1: 0.2)], location: Self.location) == [.differs("generator")])
        #expect(ExperimentArticle.check("# none\n", bundles: [bundle], location: Self.location) == [.noBlock("generator")])
        #expect(ExperimentArticle.check(updated, bundles: [], location: Self.location) == [.noBundle("generator")])
        #expect(throws: TrainingError.self) { try ExperimentArticle.update("# none\n", bundles: [bundle], location: Self.location) }
        // A full-budget bundle carries no quick-look warning.
        #expect(!ExperimentArticle.block(Self.bundle(scale: 1), location: "x").contains("Quick look"))
    }

    @Test("a bundle round-trips through results.json and writes its CSV and chart")
    func bundleFiles() throws {
        let dir = try TrainingData.temporaryDirectory("bundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = Self.bundle()
        try bundle.write(to: dir)
        #expect(try ExperimentBundle.read(dir.appendingPathComponent("results.json")) == bundle)
        let csv = try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).count == 4)  // header, variant, 2 baselines
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("l1.svg").path))
        #expect(bundle.isQuickLook && bundle.parts[0].epochs == 1 && bundle.parts[0].fullEpochs == 100)
        // Not a bundle: a typed error naming the file.
        try Data("{}".utf8).write(to: dir.appendingPathComponent("bad.json"))
        #expect { try ExperimentBundle.read(dir.appendingPathComponent("bad.json")) } throws: { "\($0)".contains("bad.json") }
    }
}
