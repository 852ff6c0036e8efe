import ArgumentParser
import Checkpoint
import Foundation
import Imaging
import Pix2Pix
import Tensor
import Testing
@testable import pix2pix
@testable import Zoo

@Suite("Zoo round trip", .serialized)
struct RoundTripTests {
    @Test("publish → list → show → verify → translate in a temporary zoo, from a run directory")
    func roundTrip() throws {
        let dir = try ZooFixtures.temporaryDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ZooFixtures.makeRun(in: dir, steps: 3)  // exactly one epoch of the 3 training pairs
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        var messages: [String] = []
        let entry = try zoo.publish(ZooFixtures.request(run)) { messages.append($0) }
        #expect(messages.contains { $0.contains("eval-mode metrics") })

        // Layout and card.
        let folder = dir.appendingPathComponent("zoo/gray-tiny/1.0.0")
        #expect(entry.directory.path == folder.path)
        let files = ZooVerifier.relativeFiles(in: folder)
        for name in ["README.md", "card.json", "model.pzck", "samples/golden.pzck", "samples/input_0.png",
                     "samples/output_0.png", "samples/target_0.png", "samples/input_1.png"] {
            #expect(files.contains(name), "missing \(name) in \(files)")
        }
        let card = try ModelCard.read(from: folder)
        #expect(card == entry.card)
        #expect(card.reference == "gray-tiny@1.0.0")
        #expect(card.task == "gray → color")
        #expect(card.license == "CC0-1.0")
        #expect(card.created == "2023-11-14T22:13:20Z")
        #expect(card.storage == "F16")
        #expect(card.precision == "fp32" && card.readme.contains("as published (F16, fp32 convolutions)"))
        #expect(card.architecture.generator.name == "unet_64" && card.architecture.discriminator?.name == "patchgan_16")
        #expect(card.input.channels == 1 && card.output.channels == 3 && card.input.sizeMultiple == 64 && card.input.trainedSize == 64)
        let training = try #require(card.training)
        #expect(training.steps == 3 && training.epochs == 1 && training.cropSize == 64 && training.pairs == 3)
        #expect(training.command == "pix2pix train (test run)")
        #expect(training.lambdaL1 == 100 && training.learningRate == Double(Float(2e-4)))
        let metrics = try #require(card.metrics)
        #expect(metrics.split == "val" && metrics.count == 2 && metrics.size == 64)
        #expect(metrics.eval.mode == .eval && metrics.train?.mode == .train)
        #expect(metrics.eval.l1 > 0 && metrics.eval.l1 < 1 && metrics.eval.ssim <= 1)
        let identity = try #require(metrics.identity)
        #expect(identity.l1 > 0 && identity.psnr.isFinite && identity.ssim <= 1 && identity != ModelCard.Baseline(l1: metrics.eval.l1, psnr: metrics.eval.psnr, ssim: metrics.eval.ssim))
        #expect(card.readme.contains("| baseline: the input itself | \(String(format: "%.4f", identity.l1))"))
        // Schema 2: the first screen (before the limitations) holds the sample row, the input spec,
        // the metrics beside the baselines and the training budget.
        let firstScreen = try #require(card.readme.components(separatedBy: "## Limitations").first)
        #expect(card.schema == 2)
        for text in ["| ![](samples/input_0.png) | ![](samples/output_0.png) | ![](samples/target_0.png) |",
                     "| input | a gray (luma) photo", "| held-out metrics (eval mode) | L1 ", "| baseline: the input itself |",
                     "| training budget | 3 steps (1 epoch(s)) of batch 1", "| baseline: the training set's mean colour |"] {
            #expect(firstScreen.contains(text), "first screen lacks \(text)")
        }
        // A schema-1 card keeps the layout it was published with (zoo verify regenerates it).
        var old = card
        old.schema = 1
        #expect(old.readme.contains("| precision | metrics and samples computed with fp32 convolutions") && old.readme.contains("input as output (baseline)"))
        // The mean-colour baseline: the training set's mean B as a flat image, on the same pairs.
        let meanColour = try #require(metrics.meanColour)
        #expect(meanColour.l1 > 0 && meanColour.psnr.isFinite && meanColour != identity)
        #expect(card.readme.contains("| baseline: the training set's mean colour | \(String(format: "%.4f", meanColour.l1))"))
        // A card written before the mean colour existed (no `mean_colour` key) still loads.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(card.encoded())) as? [String: Any])
        var oldMetrics = try #require(object["metrics"] as? [String: Any])
        #expect(oldMetrics.removeValue(forKey: "mean_colour") != nil)
        object["metrics"] = oldMetrics
        let legacy = try ModelCard.decode(try JSONSerialization.data(withJSONObject: object), path: "old card.json")
        #expect(legacy.metrics?.meanColour == nil && legacy.metrics?.identity == identity)
        #expect(card.files.map(\.path) == files.filter { $0 != "card.json" }, "the card lists every file but itself, sorted")
        #expect(card.golden.inputShape == [1, 64, 64, 1] && card.golden.outputShape == [1, 64, 64, 3])
        #expect(try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8) == card.readme)
        #expect(card.readme.contains("pix2pix translate --model gray-tiny@1.0.0"))

        // The card's metrics are those of the stored (F16) weights on the validation split.
        let stored = try ModelCheckpoint.loadGenerator(from: folder.appendingPathComponent("model.pzck"))
        let val = try openPairedDataset(path: dir.appendingPathComponent("run-pairs.h5").path, split: "val")
        let again = try Evaluator.evaluate(generator: stored.network, dataset: val, size: 64, channelsA: 1, channelsB: 3, mode: .eval)
        #expect(again == metrics.eval)
        #expect(try CheckpointFile(contentsOf: folder.appendingPathComponent("model.pzck")).entries.allSatisfy { $0.dtype == .f16 })

        // The index.
        let index = try #require(try zoo.readIndex())
        #expect(index.models.map(\.id) == ["gray-tiny"])
        #expect(index.models[0].versions[0].modelSha256 == card.files.first { $0.path == "model.pzck" }?.sha256)
        #expect(index == (try zoo.generateIndex()))

        // A second version sorts after the first; list and find see both, latest by semver.
        try zoo.publish(ZooFixtures.request(run, version: "1.10.0"))
        try zoo.publish(ZooFixtures.request(run, version: "1.2.0"))
        let catalog = ZooCatalog(root: zoo.root)
        #expect(catalog.list().map(\.version.description) == ["1.0.0", "1.2.0", "1.10.0"])
        #expect(try catalog.find("gray-tiny").version.description == "1.10.0")
        #expect(try catalog.find("gray-tiny@1.2.0").version.description == "1.2.0")
        #expect(try zoo.readIndex()?.models[0].latest == "1.10.0")
        #expect(catalog.list(matching: "gray*").count == 3 && catalog.list(matching: "edge*").isEmpty)

        // Verify: clean.
        let report = try zoo.verify()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.checked == ["gray-tiny@1.0.0", "gray-tiny@1.2.0", "gray-tiny@1.10.0"])

        // Translate: the golden input reproduces the golden output; images keep their size.
        let translator = try Translator(model: "gray-tiny@1.0.0", catalog: catalog)
        #expect(translator.name == "gray-tiny@1.0.0" && translator.inputChannels == 1 && translator.outputChannels == 3)
        let golden = try GoldenSample.read(folder.appendingPathComponent("samples/golden.pzck"))
        let out = try translator.run(try Tensor(shape: golden.input.shape, values: golden.input.values))
        #expect(out.scalars == golden.output.values)
        let sample = try Image.read(path: folder.appendingPathComponent("samples/input_0.png").path)
        let translated = try translator.translate(sample)
        #expect(translated == (try Image.read(path: folder.appendingPathComponent("samples/output_0.png").path)))
    }

    @Test("the CLI: zoo publish, list --json, show, verify, translate, remove")
    func commandLine() throws {
        let dir = try ZooFixtures.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ZooFixtures.makeRun(in: dir)
        let zoo = dir.appendingPathComponent("zoo").path
        func cli(_ arguments: [String]) throws {
            var command = try Pix2PixCommand.parseAsRoot(arguments)
            try command.run()
        }
        // Published under bf16 where this CPU has bf16 kernels; elsewhere --precision bf16 is refused
        // while parsing, naming the option and the CPU, and the model is published under fp32.
        let bf16 = Precision.bf16.unavailableReason == nil
        let publish = ["zoo", "publish", run.path, "--id", "gray-cli", "--version", "0.1.0", "--storage", "bf16",
                       "--summary", "a test model", "--limitation", "tiny", "--samples", "2", "--zoo", zoo, "--quiet",
                       "--precision"]
        if !bf16 {
            #expect { try cli(publish + ["bf16"]) } throws: { error in
                let message = Pix2PixCommand.message(for: error)
                return message.contains("--precision bf16 is not available") && message.contains("AVX-512")
            }
            #expect(!FileManager.default.fileExists(atPath: zoo + "/gray-cli"), "nothing is published when bf16 is refused")
        }
        let precision = bf16 ? "bf16" : "fp32"
        try cli(publish + [precision])
        let card = try ModelCard.read(from: URL(fileURLWithPath: zoo).appendingPathComponent("gray-cli/0.1.0"))
        #expect(card.storage == "BF16" && card.summary == "a test model" && card.limitations.last == "tiny" && card.samples.count == 2)
        #expect(card.precision == precision)
        #expect(card.readme.contains("as published (BF16, \(precision) convolutions)"))
        // Measured under bf16: the card's eval metrics are those of a bf16 evaluation of the published weights.
        let published = URL(fileURLWithPath: zoo).appendingPathComponent("gray-cli/0.1.0/model.pzck")
        let metrics = try #require(card.metrics)
        for (precision, equal) in bf16 ? [(Precision.bf16, true), (.fp32, false)] : [(.fp32, true)] {
            let g = try ModelCheckpoint.loadGenerator(from: published)
            let set = try openPairedDataset(path: run.appendingPathComponent("../run-pairs.h5").standardizedFileURL.path, split: "val")
            let r = try Evaluator.evaluate(generator: g.network, dataset: set, size: metrics.size, channelsA: 1, channelsB: 3,
                                           mode: .eval, precision: precision)
            #expect((r == metrics.eval) == equal, "\(precision): \(r.summary) vs the card's \(metrics.eval.summary)")
        }
        // A card written before the precision was recorded: decodes with none, and its README has no precision row.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(card.encoded())) as? [String: Any])
        object["precision"] = nil
        let old = try ModelCard.decode(try JSONSerialization.data(withJSONObject: object), path: "old/card.json")
        #expect(old.precision == nil && !old.readme.contains("| precision |") && !old.readme.contains("convolutions)"))

        let rows = ZooCommand.List.rows(ZooCatalog.resolve(zoo: zoo), glob: "gray-*", all: false)
        #expect(rows.map(\.id) == ["gray-cli"] && rows[0].storage == "BF16" && rows[0].psnr == card.metrics?.eval.psnr)
        #expect(ZooCommand.List.rows(ZooCatalog.resolve(zoo: zoo), glob: "x*", all: false).isEmpty)
        try cli(["zoo", "list", "--zoo", zoo, "--json"])
        try cli(["zoo", "show", "gray-cli@0.1.0", "--zoo", zoo])
        try cli(["zoo", "verify", "gray-cli", "--zoo", zoo])
        try cli(["zoo", "index", "--check", "--zoo", zoo])

        // translate: an image, a folder and an HDF5 file; outputs keep the inputs' sizes.
        let inputs = dir.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try ZooFixtures.picture(7, width: 50, height: 30).write(path: inputs.appendingPathComponent("a.png").path)
        try ZooFixtures.picture(8, width: 70, height: 65).converted(toChannels: 1).write(path: inputs.appendingPathComponent("sub/b.jpg").path)
        let single = dir.appendingPathComponent("single.png")
        try ZooFixtures.picture(9, width: 33, height: 97).write(path: single.path)
        let out = dir.appendingPathComponent("out").path
        try cli(["translate", "--model", "gray-cli", "--zoo", zoo, single.path, inputs.path,
                 dir.appendingPathComponent("run-pairs.h5").path, "--out", out, "--plain", "--quiet"])
        let a = try Image.read(path: "\(out)/inputs/a.png"), b = try Image.read(path: "\(out)/inputs/sub/b.png")
        let s = try Image.read(path: "\(out)/single.png")
        #expect((a.width, a.height, a.channels) == (50, 30, 3))
        #expect((b.width, b.height, b.channels) == (70, 65, 3))
        #expect((s.width, s.height, s.channels) == (33, 97, 3))
        let grids = try FileManager.default.contentsOfDirectory(atPath: "\(out)/run-pairs").sorted()
        #expect(grids == ["train_00000.png", "train_00001.png", "train_00002.png", "val_00000.png", "val_00001.png"])
        let grid = try Image.read(path: "\(out)/run-pairs/val_00001.png")
        #expect(grid.width == 3 * 64 + 4 * 2 && grid.height == 64 + 2 * 2)

        // An existing output is kept unless --overwrite.
        #expect {
            try cli(["translate", "--model", "gray-cli", "--zoo", zoo, single.path, "--out", out, "--quiet"])
        } throws: { ($0 as? ValidationError)?.message.contains("already exists; pass --overwrite") == true }
        try cli(["translate", "--model", "gray-cli", "--zoo", zoo, single.path, "--out", out, "--quiet", "--overwrite", "--format", "jpg"])
        #expect(FileManager.default.fileExists(atPath: "\(out)/single.jpg"))

        // remove needs --yes and a version.
        #expect {
            try cli(["zoo", "remove", "gray-cli@0.1.0", "--zoo", zoo])  // validate() fails inside parseAsRoot
        } throws: { Pix2PixCommand.message(for: $0).contains("pass --yes to confirm") }
        #expect {
            try cli(["zoo", "remove", "gray-cli", "--yes", "--zoo", zoo])
        } throws: { ($0 as? ValidationError)?.message.contains("name the version to remove: gray-cli@X.Y.Z") == true }
        try cli(["zoo", "remove", "gray-cli@0.1.0", "--yes", "--zoo", zoo])
        #expect(!FileManager.default.fileExists(atPath: "\(zoo)/gray-cli"))
        #expect(try ZooStore(path: zoo).readIndex()?.models.isEmpty == true)
    }

    @Test("a bare checkpoint publishes with no training section, no metrics and a synthetic sample")
    func bareCheckpoint() throws {
        let dir = try ZooFixtures.temporaryDirectory("bare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: checkpoint)
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        var request = ZooFixtures.request(checkpoint, id: "bare")
        request.storage = .f32
        let entry = try zoo.publish(request)
        #expect(entry.card.training == nil && entry.card.metrics == nil && entry.card.samples.count == 1)
        #expect(entry.card.samples[0].target == nil)
        #expect(entry.card.samplesSource.contains("synthetic"))
        #expect(entry.card.limitations.contains { $0.contains("No held-out metrics") })
        #expect(entry.card.readme.contains("published from a bare checkpoint"))
        #expect(try zoo.verify().isClean)

        // With --val-data, the same checkpoint gets metrics and real samples.
        let data = dir.appendingPathComponent("pairs.h5").path
        try ZooFixtures.makeHDF5(at: data, train: [1], val: [2, 3, 4])
        request.version = "1.0.1"
        request.validationData = data
        let measured = try zoo.publish(request)
        #expect(measured.card.metrics?.count == 3 && measured.card.samples.count == 3 && measured.card.samples[0].target != nil)
        // F32 storage: the translator reproduces the checkpoint's own generator exactly.
        let original = try Translator(checkpoint: checkpoint)
        let published = try Translator(entry: measured)
        let picture = try ZooFixtures.picture(3, width: 64, height: 64)
        #expect(try original.translate(picture) == published.translate(picture))
    }
}
