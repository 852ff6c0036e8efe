import ArgumentParser
import Foundation
import Pix2Pix
import Tensor
import Testing
@testable import Imaging
@testable import pix2pix
@testable import Zoo

@Suite("Output-only inference", .serialized)
struct TranslateTests {
    /// A translator for a narrow unet_64 (1 → 3 channels), loaded from a checkpoint file.
    static func translator(_ dir: URL, mode: InferenceMode = .eval) throws -> Translator {
        let url = dir.appendingPathComponent("g.pzck")
        if !FileManager.default.fileExists(atPath: url.path) { try ZooFixtures.makeCheckpoint(at: url) }
        return try Translator(checkpoint: url, mode: mode)
    }

    @Test("reflect padding mirrors without repeating the edge, folds when wider than the image, and crops back")
    func reflectPadding() throws {
        let row = try Image(width: 4, height: 1, channels: 1, pixels: [10, 20, 30, 40])
        let padded = row.reflectPadded(Padding(left: 2, right: 3))
        #expect(padded.pixels == [30, 20, 10, 20, 30, 40, 30, 20, 10])
        // Wider than the image: keeps folding (period 2·(n−1)).
        let wide = row.reflectPadded(Padding(left: 7, right: 7))
        #expect(wide.pixels == [20, 10, 20, 30, 40, 30, 20, 10, 20, 30, 40, 30, 20, 10, 20, 30, 40, 30])
        // One pixel: replicated.
        let dot = try Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3]).reflectPadded(Padding(top: 1, bottom: 1, left: 1, right: 0))
        #expect(dot.width == 2 && dot.height == 3 && Set(dot.pixels) == [1, 2, 3])
        // Columns too, and the crop undoes it.
        let picture = try ZooFixtures.picture(2, width: 13, height: 7)
        let p = Padding.toMultiple(8, width: 13, height: 7)
        #expect(p == Padding(top: 0, bottom: 1, left: 1, right: 2))
        let big = picture.reflectPadded(p)
        #expect(big.width == 16 && big.height == 8)
        #expect(big.removingPadding(p) == picture)
        #expect(big[0, 0, 1] == picture[1, 0, 1] && big[15, 7, 2] == picture[10, 5, 2])
        #expect(Padding.toMultiple(64, width: 64, height: 128).isZero)
    }

    @Test("a non-square image of any size comes back at its size, equal to padding, translating and cropping by hand")
    func nonSquare() throws {
        let dir = try ZooFixtures.temporaryDirectory("nonsquare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Self.translator(dir)
        let image = try ZooFixtures.picture(5, width: 100, height: 37)
        let output = try translator.translate(image)
        #expect((output.width, output.height, output.channels) == (100, 37, 3))

        let padding = Padding.toMultiple(64, width: 100, height: 37)
        #expect(padding == Padding(top: 13, bottom: 14, left: 14, right: 14))
        let gray = image.converted(toChannels: 1).reflectPadded(padding)
        let raw = try translator.run(try Tensor(shape: [1, 64, 128, 1], values: gray.unitFloats()))
        let manual = try Evaluator.image(raw, index: 0).removingPadding(padding)
        #expect(output == manual)

        // RGB and gray inputs give the same result (RGB is converted to gray first).
        #expect(try translator.translate(image.converted(toChannels: 1)) == output)
        // A batch of mixed sizes equals one-by-one translation, in order.
        let images = [image, try ZooFixtures.picture(6, width: 100, height: 37), try ZooFixtures.picture(7, width: 20, height: 90)]
        var seen: [Int] = []
        let batch = try translator.translate(images, batchSize: 4) { seen.append($0) }
        #expect(seen == [2, 3])
        for (one, many) in zip(images, batch) { #expect(try translator.translate(one) == many) }
    }

    @Test("train mode: dropout on (outputs vary with the seed), images one at a time")
    func trainMode() throws {
        let dir = try ZooFixtures.temporaryDirectory("trainmode")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: url)
        let image = try ZooFixtures.picture(1)
        let a = try Translator(checkpoint: url, mode: .train, seed: 1).translate(image)
        let b = try Translator(checkpoint: url, mode: .train, seed: 2).translate(image)
        let again = try Translator(checkpoint: url, mode: .train, seed: 1).translate(image)
        let eval = try Translator(checkpoint: url).translate(image)
        #expect(a == again, "the same seed gives the same dropout masks")
        #expect(a != b && a != eval)
    }

    /// bf16 rounds activations and weights to 8-bit significands (relative error ≤ 2⁻⁸ each) and
    /// accumulates in fp32; through a whole U-Net the outputs stay within 2e-2 of fp32's in [-1, 1],
    /// relative error norm ≤ 2e-2 (the bf16 convolution tests' bound per pass).
    static let bf16Tolerance = (maxAbs: Float(2e-2), relativeNorm: 2e-2)

    @Test("--precision bf16 stays within the stated tolerance of fp32, and does run in bf16", .enabled(if: Precision.bf16.unavailableReason == nil, "bf16 convolutions need AVX-512 (Precision.unavailableReason)"))
    func bf16Translation() throws {
        let dir = try ZooFixtures.temporaryDirectory("bf16")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: url)
        let fp32 = try Translator(checkpoint: url)
        let bf16 = try Translator(checkpoint: url, precision: .bf16)
        #expect(fp32.precision == .fp32 && bf16.precision == .bf16)
        let (input, _) = try fp32.networkInput(try ZooFixtures.picture(3, width: 64, height: 64))
        let f = try fp32.run(input).scalars, b = try bf16.run(input).scalars
        var diff = 0.0, norm = 0.0, maxAbs: Float = 0
        for (x, y) in zip(b, f) {
            diff += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
            maxAbs = max(maxAbs, abs(x - y))
        }
        #expect(maxAbs > 0, "bf16 convolutions change the output")
        #expect(maxAbs <= Self.bf16Tolerance.maxAbs, "max |bf16 − fp32| = \(maxAbs)")
        #expect((diff / norm).squareRoot() <= Self.bf16Tolerance.relativeNorm)
        #expect(try bf16.run(input, precision: .fp32).scalars == f, "an explicit precision overrides the translator's")
        #expect(Precision.current == .fp32)

        // The command line: the same outputs as the library at bf16.
        let image = dir.appendingPathComponent("in.png")
        try ZooFixtures.picture(3, width: 64, height: 64).write(path: image.path)
        for (precision, translator) in [("bf16", bf16), ("fp32", fp32)] {
            let out = dir.appendingPathComponent("out-\(precision)")
            var command = try Pix2PixCommand.parseAsRoot(["translate", "--checkpoint", url.path, image.path, "--out", out.path,
                                                          "--precision", precision, "--quiet"])
            try command.run()
            #expect(try Image.read(path: out.appendingPathComponent("in.png").path) == translator.translate(try Image.read(path: image.path)))
        }
    }

    @Test("seed layout full/sketch (uint8 NCHW, 3-channel sketches): same layout out, NCHW predictions, grids")
    func seedFullSketch() throws {
        let dir = try ZooFixtures.temporaryDirectory("fullsketch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Self.translator(dir)
        let source = ZooFixtures.imagingFixture("seed_fullsketch.h5")
        let output = dir.appendingPathComponent("out.h5").path
        var grids = 0
        var widths: Set<Int> = []
        try translator.translateHDF5(from: source, to: output) { (pair: TranslatedPair) throws in
            grids += 1
            widths.insert(try pair.grid().width)
        }
        #expect(widths == [3 * 12 + 4 * 2])
        #expect(grids == 6)
        let info = try HDF5PairedDataset.describe(path: output)
        #expect(info.layout == .seedFullSketch)
        #expect(info.splits.map(\.name) == ["train", "test"])
        let pred = try #require(info.objects.first { $0.path == "train_data_pred" })
        #expect(pred.shape == [4, 3, 16, 12] && pred.elementType == .uint8)
        #expect(info.objects.first { $0.path == "test_data_pred" }?.shape == [2, 3, 16, 12])
        #expect(info.attributes["prediction_model"] == .string(dir.appendingPathComponent("g.pzck").path))

        // A and B are copied exactly; the predictions are the translations of A.
        let original = try HDF5PairedDataset(path: source, split: "train")
        let copy = try HDF5PairedDataset(path: output, split: "train")
        for i in 0..<original.count {
            let (a, b) = try original.pair(at: i)
            #expect(try copy.pair(at: i).a == a && copy.pair(at: i).b == b)
        }
        let expected = try translator.translate(try original.pair(at: 3).a)
        #expect(try Self.prediction(output, split: "train", index: 3) == expected)

        // The CLI writes the same file, and grids with --format png.
        let out = dir.appendingPathComponent("cli").path
        var command = try Pix2PixCommand.parseAsRoot(["translate", "--checkpoint", dir.appendingPathComponent("g.pzck").path,
                                                      source, "--out", out, "--format", "h5", "--grids", "--split", "test", "--quiet"])
        try command.run()
        let cliInfo = try HDF5PairedDataset.describe(path: "\(out)/seed_fullsketch.h5")
        #expect(cliInfo.splits.map(\.name) == ["test"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(out)/seed_fullsketch").sorted() == ["test_00000.png", "test_00001.png"])
    }

    @Test("seed layout gen/raw (float32 0–255 gray, and uint8 NHW edges): same layout out, float32 NHWC predictions")
    func seedGenRaw() throws {
        let dir = try ZooFixtures.temporaryDirectory("genraw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Self.translator(dir)
        for name in ["seed_genraw_gray.h5", "seed_genraw_edges.h5"] {
            let source = ZooFixtures.imagingFixture(name)
            let output = dir.appendingPathComponent("pred-\(name)").path
            try translator.translateHDF5(from: source, to: output)
            let before = try HDF5PairedDataset.describe(path: source)
            let info = try HDF5PairedDataset.describe(path: output)
            #expect(info.layout == .seedGenRaw)
            #expect(info.splits.map(\.name) == before.splits.map(\.name))
            for split in before.splits {
                let copied = try #require(info.split(named: split.name))
                #expect(copied.a.elementType == split.a.elementType && copied.a.shape == split.a.shape && copied.a.axes == split.a.axes)
                #expect(copied.b.elementType == split.b.elementType && copied.b.shape == split.b.shape)
                let pred = try #require(info.objects.first { $0.path == "\(split.name)_data_pred" })
                #expect(pred.elementType == .float32 && pred.shape == [split.count, split.a.height, split.a.width, 3])
            }
            // Raw values of A survive exactly (float32 stays float32).
            let a0 = try HDF5PairedDataset(path: source).rawFloats(side: "A", range: 0..<2)
            let a1 = try HDF5PairedDataset(path: output).rawFloats(side: "A", range: 0..<2)
            #expect(a0 == a1)
            let last = before.splits.last!.name
            let original = try HDF5PairedDataset(path: source, split: last)
            let expected = try translator.translate(try original.pair(at: 1).a)
            #expect(try Self.prediction(output, split: last, index: 1) == expected)
        }
    }

    @Test("our layout: split/pred next to split/A and split/B; a failed translation leaves no output")
    func ourLayout() throws {
        let dir = try ZooFixtures.temporaryDirectory("ours")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Self.translator(dir)
        let source = dir.appendingPathComponent("pairs.h5").path
        try ZooFixtures.makeHDF5(at: source, train: [1, 2], val: [3])
        let output = dir.appendingPathComponent("out.h5").path
        try translator.translateHDF5(from: source, to: output, splits: ["val"])
        let info = try HDF5PairedDataset.describe(path: output)
        #expect(info.layout == .pix2pixZoo && info.splits.map(\.name) == ["val"])
        #expect(info.attributes["transform"] == .string("gray"))
        #expect(info.objects.first { $0.path == "val/pred" }?.shape == [1, 64, 64, 3])
        let expected = try translator.translate(try HDF5PairedDataset(path: source, split: "val").pair(at: 0).a)
        #expect(try Self.prediction(output, split: "val", index: 0) == expected)

        // An existing output is refused; a missing split fails before anything is written.
        #expect(throws: ImagingError.outputExists(path: output)) { try translator.translateHDF5(from: source, to: output) }
        let other = dir.appendingPathComponent("other.h5").path
        #expect(throws: ImagingError.self) { try translator.translateHDF5(from: source, to: other, splits: ["test"]) }
        #expect(!FileManager.default.fileExists(atPath: other))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }.isEmpty, "no temporary files left")
    }

    @Test("translate plans outputs before running: collisions, unknown inputs and existing files are refused")
    func planning() throws {
        let dir = try ZooFixtures.temporaryDirectory("plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("x/a.png"), b = dir.appendingPathComponent("y/a.jpg")
        for url in [a, b] {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try ZooFixtures.picture(1, width: 8, height: 8).write(path: url.path)
        }
        let out = dir.appendingPathComponent("out").path
        #expect(throws: ValidationError.self) { try TranslateCommand.plan(inputs: [a.path, b.path], out: out, format: .png, grids: false, overwrite: false) }
        #expect(throws: ValidationError.self) { try TranslateCommand.plan(inputs: [a.path], out: out, format: .h5, grids: false, overwrite: false) }
        #expect(throws: ValidationError.self) { try TranslateCommand.plan(inputs: [dir.appendingPathComponent("none.png").path], out: out, format: .png, grids: false, overwrite: false) }
        let text = dir.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: text)
        #expect(throws: ValidationError.self) { try TranslateCommand.plan(inputs: [text.path], out: out, format: .png, grids: false, overwrite: false) }
        let jobs = try TranslateCommand.plan(inputs: [dir.appendingPathComponent("x").path, b.path], out: out, format: .jpg, grids: false, overwrite: false)
        #expect(jobs == [.image(input: a.path, output: "\(out)/x/a.jpg"), .image(input: b.path, output: "\(out)/a.jpg")])
        // validate() fails inside parseAsRoot, which wraps the ValidationError; its message is what the user sees.
        #expect { try Pix2PixCommand.parseAsRoot(["translate", a.path, "--out", out]) } throws: {  // no model
            Pix2PixCommand.message(for: $0).contains("give exactly one of --model ID[@VERSION] and --checkpoint FILE")
        }
        #expect { try Pix2PixCommand.parseAsRoot(["translate", "--model", "m", "--checkpoint", "c", a.path, "--out", out]) } throws: {
            Pix2PixCommand.message(for: $0).contains("give exactly one of --model ID[@VERSION] and --checkpoint FILE")
        }
    }

    @Test("outputs are planned across all jobs: no shared output, no image inside a grid folder, no output equal to an input (even with --overwrite or through a link)")
    func outputCollisions() throws {
        let dir = try ZooFixtures.temporaryDirectory("collide")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        // An image folder and an HDF5 file of the same name: pairs/train_00000.png would be overwritten by a grid.
        let folder = dir.appendingPathComponent("in/pairs")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let image = folder.appendingPathComponent("train_00000.png")
        try ZooFixtures.picture(1, width: 8, height: 8).write(path: image.path)
        let h5 = dir.appendingPathComponent("in/pairs.h5")
        try ZooFixtures.makeHDF5(at: h5.path, train: [1], val: [])
        let out = dir.appendingPathComponent("out").path
        func refusal(_ inputs: [String], out: String, format: TranslateCommand.FormatChoice = .png, grids: Bool = false, overwrite: Bool = false) -> String? {
            do {
                _ = try TranslateCommand.plan(inputs: inputs, out: out, format: format, grids: grids, overwrite: overwrite)
                return nil
            } catch let error as ValidationError { return error.message } catch { return "\(error)" }
        }
        let grid = refusal([folder.path, h5.path], out: out)
        #expect(grid?.contains("grid folder of \(h5.path)") == true, "\(grid ?? "accepted")")
        // Grid folders that nest: in2/pairs/sub.h5 → out/pairs/sub/, in/pairs.h5 → out/pairs/.
        let nested = dir.appendingPathComponent("in2/pairs")
        try fm.createDirectory(at: nested, withIntermediateDirectories: true)
        try ZooFixtures.makeHDF5(at: nested.appendingPathComponent("sub.h5").path, train: [2], val: [])
        let overlap = refusal([nested.path, h5.path], out: out)
        #expect(overlap?.contains("would write grids into the same folder") == true, "\(overlap ?? "accepted")")
        #expect(refusal([folder.path], out: out) == nil && refusal([h5.path], out: out) == nil)

        // The output of an image is the image itself: refused even with --overwrite, also through ./, .. and a symbolic link.
        let inDir = dir.appendingPathComponent("in")
        let own = refusal([image.path], out: folder.path, overwrite: true)
        #expect(own?.contains("is an input and would be overwritten") == true, "\(own ?? "accepted")")
        #expect(refusal([image.path], out: folder.path + "/./../pairs", overwrite: true)?.contains("is an input") == true)
        let link = dir.appendingPathComponent("link")
        try fm.createSymbolicLink(at: link, withDestinationURL: folder)
        #expect(refusal([image.path], out: link.path, overwrite: true)?.contains("is an input") == true)
        // The HDF5 copy with predictions would replace its source.
        #expect(refusal([h5.path], out: inDir.path, format: .h5, overwrite: true)?.contains("is an input") == true)
        // An input inside a grid folder: pairs.h5's grids go to in/pairs/, which holds the image.
        #expect(refusal([h5.path, image.path], out: inDir.path, overwrite: true) != nil)
        // --out names a file.
        #expect(refusal([image.path], out: h5.path)?.contains("not a folder") == true)

        // The library refuses to write the copy over its source under any spelling.
        let translator = try Self.translator(dir)
        #expect { try translator.translateHDF5(from: h5.path, to: inDir.path + "/./pairs.h5", overwrite: true) } throws: { error in
            "\(error)".contains("the input file itself")
        }
        #expect(fm.fileExists(atPath: h5.path) && (try? HDF5PairedDataset.describe(path: h5.path)) != nil)
    }

    /// Prediction `index` of `split` in an output file.
    static func prediction(_ path: String, split: String, index: Int) throws -> Image {
        try HDF5PredictionWriter.predictions(path: path, split: split, range: index..<(index + 1))[0]
    }
}
