import ArgumentParser
import Checkpoint
import Foundation
import Imaging
import Tensor
import Testing
@testable import pix2pix
@testable import TorchImport
@testable import Zoo

/// `pix2pix zoo import`: a reference .pth into a zoo, published like a trained model.
@Suite("pix2pix zoo import", .serialized)
struct ZooImportTests {
    static func cli(_ arguments: [String]) throws {
        var command = try Pix2PixCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// Aligned A|B pairs (each file A on the left, B on the right) in `dir/val`.
    static func alignedFolder(_ dir: URL, count: Int, side: Int = 64) throws -> String {
        let val = dir.appendingPathComponent("pairs/val")
        try FileManager.default.createDirectory(at: val, withIntermediateDirectories: true)
        for k in 0..<count {
            var pixels = [UInt8](repeating: 0, count: 2 * side * side * 3)
            for y in 0..<side {
                for x in 0..<(2 * side) {
                    for c in 0..<3 { pixels[(y * 2 * side + x) * 3 + c] = UInt8((x * (c + 1) * 7 + y * 5 + k * 40) % 256) }
                }
            }
            try Image(width: 2 * side, height: side, channels: 3, pixels: pixels).write(path: val.appendingPathComponent("\(k).png").path)
        }
        return dir.appendingPathComponent("pairs").path
    }

    @Test("imports the zip fixture: card with the origin, checksums, verify passes, translate gives PyTorch's numbers")
    func importAndTranslate() throws {
        let dir = try Fixtures.temporaryDirectory("zoo-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        let zoo = dir.appendingPathComponent("zoo").path
        let pth = Fixtures.path("parity/batch_zip.pth")
        let data = try Self.alignedFolder(dir, count: 2)
        try Self.cli(["zoo", "import", pth, "--generator", "unet_64", "--no-dropout", "--direction", "BtoA", "--id", "ref-batch",
                      "--version", "1.0.0", "--storage", "f32", "--task", "test pattern → test pattern", "--license", "CC0-1.0",
                      "--val-data", data, "--samples", "2", "--zoo", zoo, "--quiet"])
        let catalog = ZooCatalog(root: URL(fileURLWithPath: zoo))
        let entry = try catalog.find("ref-batch@1.0.0")
        let card = entry.card
        let origin = try #require(card.origin)
        #expect(origin.sha256 == (try Checksum.sha256Hex(fileAt: URL(fileURLWithPath: pth))))
        #expect(origin.file == "batch_zip.pth")
        #expect(origin.format.contains("zip archive"))
        #expect(origin.direction == "BtoA")
        #expect(origin.keyMapping.contains("by design"))
        #expect(origin.testMode.contains("eval mode") && origin.testMode.contains("train mode"))
        #expect(origin.droppedKeys.count == 9 && origin.droppedKeys.allSatisfy { $0.hasSuffix("num_batches_tracked") })
        #expect(origin.reference.contains("--netG unet_64 --ngf 4"))
        #expect(card.license == "CC0-1.0" && card.task == "test pattern → test pattern")
        #expect(card.architecture.generator.name == "unet_64" && card.architecture.discriminator == nil)
        #expect(card.input.trainedSize == 64)
        let metrics = try #require(card.metrics)
        #expect(metrics.count == 2 && metrics.train != nil)
        #expect(card.samples.count == 2 && card.samples.allSatisfy { $0.target != nil })
        #expect(card.readme.contains("## Origin") && card.readme.contains(origin.sha256))
        #expect(try ZooStore(path: zoo).verify().isClean)

        // The published model (F32) computes PyTorch's eval-mode output.
        let translator = try Translator(entry: entry)
        let x = try Tensor(shape: [1, 64, 64, 3], values: try Fixtures.floats("parity/batch_input.f32"))
        let y = try translator.run(x)
        let (ratio, at) = worstRatio(y.scalars, try Fixtures.floats("parity/batch_eval.f32"), tolerance: 1e-4)
        #expect(ratio <= 1, "element \(at): \(ratio) of the tolerance")

        // The same id and version again is refused; the zoo keeps one version.
        #expect(throws: ZooError.self) {
            try Self.cli(["zoo", "import", pth, "--generator", "unet_64", "--id", "ref-batch", "--version", "1.0.0", "--zoo", zoo, "--quiet"])
        }
        #expect(ZooStore(path: zoo).versions(of: "ref-batch").count == 1)
    }

    @Test("the legacy fixture with instance norm, 1 → 3 channels, no data: a synthetic sample, no metrics")
    func legacyInstance() throws {
        let dir = try Fixtures.temporaryDirectory("zoo-import-legacy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let zoo = dir.appendingPathComponent("zoo").path
        try Self.cli(["zoo", "import", Fixtures.path("parity/instance_legacy.pth"), "--generator", "unet_64", "--norm", "instance",
                      "--no-dropout", "--id", "ref-instance", "--version", "0.1.0", "--zoo", zoo, "--quiet"])
        let card = try ZooCatalog(root: URL(fileURLWithPath: zoo)).find("ref-instance").card
        #expect(card.origin?.format.contains("legacy") == true)
        #expect(card.origin?.droppedKeys.isEmpty == true)
        #expect(card.input.channels == 1 && card.output.channels == 3)
        #expect(card.metrics == nil && card.samples.count == 1)
        #expect(card.storage == "F16")
        #expect(try ZooStore(path: zoo).verify().isClean)
    }

    @Test("refused files publish nothing and run nothing", arguments: ["os_system_zip.pth", "reduce_subprocess_legacy.pth", "zip_bomb.pth", "dotdot_entry.pth"])
    func refused(_ name: String) throws {
        let dir = try Fixtures.temporaryDirectory("zoo-import-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        try? FileManager.default.removeItem(atPath: Fixtures.marker)
        let zoo = dir.appendingPathComponent("zoo").path
        #expect(throws: PthError.self) {
            try Self.cli(["zoo", "import", Fixtures.path("malicious/" + name), "--id", "evil", "--version", "1.0.0", "--zoo", zoo, "--quiet"])
        }
        #expect(!FileManager.default.fileExists(atPath: Fixtures.marker))
        #expect(ZooStore(path: zoo).versions(of: "evil").isEmpty)
    }

    @Test("a state dict that is not the generator named is refused with every mismatch, and nothing is published")
    func mismatch() throws {
        let dir = try Fixtures.temporaryDirectory("zoo-import-mismatch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let zoo = dir.appendingPathComponent("zoo").path
        let error = #expect(throws: ReferenceImportError.self) {
            try Self.cli(["zoo", "import", Fixtures.path("parity/batch_zip.pth"), "--generator", "unet_256", "--id", "x", "--version", "1.0.0", "--zoo", zoo])
        }
        #expect(error?.description.contains("missing:") == true)
        #expect(ZooStore(path: zoo).versions(of: "x").isEmpty)
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["zoo", "import", "x.pth", "--norm", "none", "--id", "x", "--version", "1.0.0"]) }
    }
}
