import ArgumentParser
import Foundation
import Testing
@testable import pix2pix

/// `pix2pix experiment report --check` on the committed Experiments article and bundles.
@Suite("Experiment report")
struct ExperimentReportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let results = root.appendingPathComponent("Docs/Results").path
    static let article = root.appendingPathComponent("Docs/Pix2PixZoo.docc/Experiments.md").path

    static func report(_ extra: [String], article: String = article) throws {
        var command = try Pix2PixCommand.parseAsRoot(["experiment", "report", "--results", results, "--article", article] + extra)
        try command.run()
    }

    @Test("the committed Experiments article agrees with the committed result bundles")
    func committedArticleAgrees() throws {
        let bundles = try FileManager.default.contentsOfDirectory(atPath: Self.results)
            .filter { FileManager.default.fileExists(atPath: "\(Self.results)/\($0)/results.json") }
        #expect(bundles.count >= 6, "every experiment has a committed bundle: \(bundles)")
        try Self.report(["--check"])
    }

    @Test("a tampered number in the article fails the check; report regenerates it")
    func tamperedArticleFails() throws {
        let text = try String(contentsOfFile: Self.article, encoding: .utf8)
        // Change the first test-L1 value inside the first generated block.
        let begin = try #require(text.range(of: "\n<!-- experiment-results "))
        let end = try #require(text.range(of: "\n<!-- /experiment-results ", range: begin.upperBound..<text.endIndex))
        let block = text[begin.upperBound..<end.lowerBound]
        let number = try #require(block.range(of: #"0\.\d{4}(?= \|)"#, options: .regularExpression))
        var tampered = text
        tampered.replaceSubrange(number, with: text[number] == "0.9999" ? "0.9998" : "0.9999")
        #expect(tampered != text)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("Experiments.md").path
        try tampered.write(toFile: copy, atomically: true, encoding: .utf8)

        #expect { try Self.report(["--check"], article: copy) } throws: { ($0 as? ExitCode) == .failure }
        try Self.report([], article: copy)
        #expect(try String(contentsOfFile: copy, encoding: .utf8) == text)
        try Self.report(["--check"], article: copy)
    }

    @Test("--check belongs to report")
    func checkOnlyWithReport() {
        #expect(CLITests.parseError(["experiment", "generator", "--check"])?.contains("--check") == true)
    }
}

@Suite("eval baselines")
struct EvalBaselineTests {
    @Test("eval reports the identity and the training-set mean colour beside the model, on the same pairs")
    func evalBaselines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainCommandTests.makeData(at: data)
        let out = dir.appendingPathComponent("run").path
        var train = try Pix2PixCommand.parseAsRoot(["train", "--data", data, "--out", out, "--generator", "unet_64",
                                                    "--discriminator", "patchgan_16", "--ngf", "4", "--ndf", "4", "--crop-size", "64",
                                                    "--load-size", "64", "--steps", "1", "--quiet"])
        try train.run()
        let eval = try #require(try Pix2PixCommand.parseAsRoot(["eval", "--checkpoint", "\(out)/latest.pzck", "--data", data,
                                                                "--mode", "eval", "--json"]) as? EvalCommand)
        let report = try eval.measure()
        #expect(report.count == 1 && report.baselines.identity.count == 1 && report.baselines.meanColour?.count == 1)
        #expect(report.meanColourSplit == "train" && report.baselines.colour?.count == 3)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"mean_colour\"") && json.contains("\"identity\""))
        // Evaluating the training split itself: no mean colour (it would be taken from the pairs it scores).
        let onTrain = try #require(try Pix2PixCommand.parseAsRoot(["eval", "--checkpoint", "\(out)/latest.pzck", "--data", data,
                                                                   "--split", "train", "--mode", "eval"]) as? EvalCommand)
        let trainReport = try onTrain.measure()
        #expect(trainReport.baselines.meanColour == nil && trainReport.meanColourSplit == nil && trainReport.baselines.identity.count == 3)
    }
}
