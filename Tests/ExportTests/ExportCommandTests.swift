import ArgumentParser
import Checkpoint
@testable import Export
import Foundation
import Pix2Pix
import Tensor
import Testing
@testable import pix2pix
import Zoo

/// `pix2pix export onnx|safetensors` on the shipped zoo models, and `ckpt convert` reading
/// safetensors back: the exported ONNX gives `translate`'s numbers in ONNX Runtime.
@Suite("pix2pix export", .serialized)
struct ExportCommandTests {
    static let zoo = ExportFixtures.packageRoot.appendingPathComponent("Zoo").path

    static func cli(_ arguments: [String]) throws {
        var command = try Pix2PixCommand.parseAsRoot(arguments)
        try command.run()
    }

    static func parseError(_ arguments: [String]) -> String? {
        do {
            var command = try Pix2PixCommand.parseAsRoot(arguments)
            try command.run()
            return nil
        } catch {
            return Pix2PixCommand.message(for: error)
        }
    }

    @Test("export onnx --model gray2color: ONNX Runtime gives the Translator's eval-mode output on a 128×256 image, and the card's conventions are in the metadata")
    func zooModelInRuntime() throws {
        let dir = try ExportFixtures.temporaryDirectory("cli-onnx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("gray2color.onnx")
        try Self.cli(["export", "onnx", "--model", "gray2color", "--zoo", Self.zoo, "-o", url.path])

        let translator = try Translator(model: "gray2color", catalog: ZooCatalog.resolve(zoo: Self.zoo))
        let x = ExportFixtures.input([1, 128, 256, 1], seed: 11)
        let ours = ExportFixtures.nhwcToNCHW(try translator.run(x))
        let input = dir.appendingPathComponent("x.f32"), output = dir.appendingPathComponent("y.f32")
        try ExportFixtures.writeFloats(ExportFixtures.nhwcToNCHW(x), to: input)
        let run = try ExportFixtures.json(try ExportFixtures.python(["onnx-run", url.path, input.path, "1", "1", "128", "256", output.path]))
        #expect(run["shape"] as? [Int] == [1, 3, 128, 256])
        let error = ExportFixtures.relativeError(try ExportFixtures.readFloats(output), ours)
        #expect(error <= 1e-4, "relative error \(error)")

        let metadata = try #require(run["metadata"] as? [String: String])
        let card = try #require(translator.card)
        #expect(metadata["pix2pix.model"] == "gray2color@2.0.0")
        #expect(metadata["pix2pix.input_color"] == "gray" && metadata["pix2pix.output_color"] == "rgb")
        #expect(metadata["pix2pix.input_channels"] == "1" && metadata["pix2pix.output_channels"] == "3")
        #expect(metadata["pix2pix.size_multiple"] == "128" && metadata["pix2pix.value_range"] == "[-1, 1]")
        #expect(metadata["pix2pix.preprocessing"] == card.preprocessing && metadata["pix2pix.license"] == card.license)
        let architecture = try ModelArchitecture(json: try JSONValue(parsing: try #require(metadata[ExportMetadata.architectureKey])), file: "m")
        #expect(architecture == translator.architecture)

        // --checkpoint exports the same graph from the zoo's model file.
        let fromFile = dir.appendingPathComponent("file.onnx")
        try Self.cli(["export", "onnx", "--checkpoint", Self.zoo + "/gray2color/2.0.0/model.pzck", "-o", fromFile.path])
        let check = try ExportFixtures.json(try ExportFixtures.python(["onnx-check", fromFile.path]))
        #expect((check["metadata"] as? [String: String])?["pix2pix.model"] == "model.pzck")
        #expect(check["operators"] as? [String: Int] == (try ExportFixtures.json(try ExportFixtures.python(["onnx-check", url.path])))["operators"] as? [String: Int])
    }

    @Test("export safetensors --model edges2photo, then ckpt convert: the checkpoint translates bit for bit as the zoo model")
    func safetensorsRoundTrip() throws {
        let dir = try ExportFixtures.temporaryDirectory("cli-st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let st = dir.appendingPathComponent("edges2photo.safetensors"), pzck = dir.appendingPathComponent("edges2photo.pzck")
        try Self.cli(["export", "safetensors", "--model", "edges2photo", "--zoo", Self.zoo, "-o", st.path])
        try Self.cli(["ckpt", "convert", st.path, "--storage", "f32", "-o", pzck.path])
        let zooModel = try Translator(model: "edges2photo", catalog: ZooCatalog.resolve(zoo: Self.zoo))
        let converted = try Translator(checkpoint: pzck)
        #expect(converted.architecture == zooModel.architecture)
        let x = ExportFixtures.input([1, 128, 256, zooModel.inputChannels], seed: 5)
        #expect(try converted.run(x).scalars.map(\.bitPattern) == (try zooModel.run(x)).scalars.map(\.bitPattern))

        // Flags name another architecture: refused with the mismatch, nothing written.
        let other = dir.appendingPathComponent("other.pzck")
        let message = Self.parseError(["ckpt", "convert", st.path, "--storage", "f32", "-o", other.path, "--generator", "unet_64"])
        #expect(message?.contains("not the state dict of unet_64") == true, "\(message ?? "accepted")")
        #expect(FileManager.default.fileExists(atPath: other.path) == false)
    }

    @Test("the commands refuse what they cannot do, naming the flag or the file")
    func refusals() throws {
        let dir = try ExportFixtures.temporaryDirectory("cli-refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.onnx").path
        #expect(Self.parseError(["export", "onnx", "-o", out])?.contains("--model") == true)
        #expect(Self.parseError(["export", "onnx", "--model", "gray2color", "--checkpoint", "c.pzck", "-o", out])?.contains("exactly one") == true)
        #expect(Self.parseError(["export", "safetensors", "--model", "gray2colour", "--zoo", Self.zoo, "-o", out])?.contains("gray2color") == true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: out))
        #expect(Self.parseError(["export", "onnx", "--model", "gray2color", "--zoo", Self.zoo, "-o", out])?.contains("--force") == true)
        #expect(Self.parseError(["ckpt", "convert", Self.zoo + "/gray2color/2.0.0/model.pzck", "--storage", "f32", "-o", dir.appendingPathComponent("y.pzck").path,
                                 "--generator", "unet_64"])?.contains("safetensors input") == true)
        let st = dir.appendingPathComponent("z.safetensors")
        try Data([1, 2, 3]).write(to: st)
        #expect(Self.parseError(["ckpt", "convert", st.path, "--storage", "f32", "-o", dir.appendingPathComponent("z.pzck").path, "--g", "ngf=4"])?.contains("--g needs --generator") == true)
        #expect(Self.parseError(["ckpt", "convert", st.path, "--storage", "f32", "-o", dir.appendingPathComponent("z.pzck").path])?.contains("shorter than the 8-byte") == true)
    }
}
