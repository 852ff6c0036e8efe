import Base
import Foundation
import Imaging
import NN
import Pix2Pix
import Tensor
import Testing
import Zoo
@testable import SeedNetworks
import TestSupport

/// Gray → colour pairs at 64² (`train` pictures, `val` pictures), our HDF5 layout.
func makeSeedData(at path: String, train: Int = 3, val: Int = 2) throws {
    let writer = try HDF5PairWriter(path: path, width: 64, height: 64, channelsA: 1, channelsB: 3, splits: ["train", "val"])
    writer.setAttribute("transform", .string("gray"))
    for k in 0..<(train + val) {
        let b = seedPicture(k)
        try writer.append(a: b.converted(toChannels: 1), b: b, split: k < train ? "train" : "val")
    }
    try writer.finish()
}

/// A colourful 64² test picture; `k` changes it.
func seedPicture(_ k: Int, size: Int = 64) -> Image {
    Image(width: size, height: size, channels: 3) { out in
        for y in 0..<size {
            for x in 0..<size {
                let inside = (x - 20 - 3 * k) * (x - 20 - 3 * k) + (y - 30) * (y - 30) < 150
                out[(y * size + x) * 3] = UInt8((x * 4 + k * 40) % 256)
                out[(y * size + x) * 3 + 1] = inside ? 230 : UInt8((y * 3) % 256)
                out[(y * size + x) * 3 + 2] = UInt8(((x + y) * 2 + k * 17) % 256)
            }
        }
    }
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-seed-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The seed networks at 64², narrow, with the seed code's optimisation settings.
func seedOptions(steps: Int) -> TrainingOptions {
    var o = TrainingOptions()
    TrainingOptions.Preset.seedKeras.apply(to: &o)
    o.batchSize = 2
    o.generator = "seed_unet_upsample"
    o.discriminator = "seed_patch64"
    o.generatorOverrides = ["depth": 6, "ngf": 4]
    o.discriminatorOverrides = ["image_size": 64, "ndf": 4]
    o.loadSize = 64
    o.cropSize = 64
    o.flip = false
    o.steps = steps
    o.sampleEvery = 0
    o.logEvery = 1000
    o.seed = 4
    return o
}

@Suite("Seed networks in the trainer, checkpoints, the zoo and the command line", .serialized)
struct SeedTrainingTests {
    @Test("train a few steps at 64², resume, reload the checkpoint through the registry, translate")
    func trainReloadTranslate() throws {
        let dir = try temporaryDirectory("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try makeSeedData(at: data)
        let registry = try seedRegistry()
        let runURL = dir.appendingPathComponent("run")
        let trainer = try Trainer(config: TrainingRunConfig(options: seedOptions(steps: 3), data: data),
                                  runDirectory: RunDirectory(runURL), registry: registry)
        #expect(trainer.model.generator is SeedUNetUpsampleGenerator && trainer.model.discriminator is SeedPatchDiscriminator)
        guard case .finished(let step, _) = try trainer.train() else { Issue.record("not finished"); return }
        #expect(step == 3)
        let log = try RunDirectory(runURL).readLog()
        #expect(log.map(\.step) == [1, 2, 3] && log.allSatisfy { $0.losses.isFinite && $0.losses.dReal > 0 && $0.losses.gGAN > 0 })

        // Resume continues the run (optimizer moments and the dropout stream restored) to step 4.
        var config = try RunDirectory(runURL).readConfig()
        config.options.steps = 4
        let resumed = try Trainer(config: config, runDirectory: RunDirectory(runURL), mode: .resume, registry: registry)
        #expect(resumed.step == 3)
        _ = try resumed.train()
        #expect(try RunDirectory(runURL).readLog().map(\.step) == [1, 2, 3, 4])

        // The checkpoint validates against the registered families and rebuilds the generator.
        let loaded = try ModelCheckpoint.loadGenerator(from: RunDirectory(runURL).latest, registry: registry)
        #expect(loaded.architecture.generator.name == "seed_unet_upsample" && loaded.architecture.discriminator?.name == "seed_patch64")
        #expect(loaded.network is SeedUNetUpsampleGenerator)
        resumed.model.generator.eval()
        var rng = RandomGenerator(seed: 8)
        let a = Tensor.uniform([1, 64, 64, 1], low: -1, high: 1, using: &rng)
        #expect(try loaded.network(a).scalars == resumed.model.generator(a).scalars)
        // Without the seed networks registered, the file names a family the registry does not know.
        #expect(throws: (any Error).self) { _ = try ModelCheckpoint.loadGenerator(from: RunDirectory(runURL).latest, registry: Registry()) }

        // Output-only inference, any size the generator's multiple allows after padding.
        let translator = try Translator(checkpoint: RunDirectory(runURL).latest, registry: registry)
        for size in [64, 100] {
            let output = try translator.translate(seedPicture(1, size: size).converted(toChannels: 1))
            #expect(output.width == size && output.height == size && output.channels == 3)
        }
    }

    @Test("a crop the discriminator was not built for is refused before the run starts, naming --d image_size")
    func wrongImageSize() throws {
        let dir = try temporaryDirectory("size")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try makeSeedData(at: data, train: 2, val: 0)
        var o = seedOptions(steps: 1)
        o.discriminatorOverrides = ["ndf": 4]  // the preset's 128²
        let run = dir.appendingPathComponent("run")
        #expect { try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: RunDirectory(run), registry: try seedRegistry()) }
            throws: { error in
                guard case TrainingError.incompatible(let message, _) = error else { return false }
                return message.contains("--d image_size=64")
            }
        #expect(!FileManager.default.fileExists(atPath: run.path), "nothing written")
    }

    /// The `pix2pix` executable built next to the test bundle.
    static func executable() -> URL? { try? Pix2PixExecutable.url }

    /// Runs the executable; its exit status and output.
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test("the pix2pix tool registers them at start-up: models lists them; train, zoo publish and translate use them")
    func commandLine() throws {
        let exe = try #require(Self.executable(), "the pix2pix executable is built with the tests")
        let dir = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try makeSeedData(at: data)

        let models = try Self.run(exe, ["models", "--json"])
        #expect(models.status == 0 && models.output.contains("\"seed_unet_upsample\"") && models.output.contains("\"seed_patch64\""), "\(models.output)")

        let run = dir.appendingPathComponent("run").path
        let train = try Self.run(exe, ["train", "--data", data, "--out", run, "--generator", "seed_unet_upsample", "--discriminator", "seed_patch64",
                                       "--g", "depth=6", "--ngf", "4", "--d", "image_size=64", "--ndf", "4", "--preset", "seed-keras",
                                       "--batch-size", "2", "--crop-size", "64", "--load-size", "64", "--no-flip", "--steps", "2",
                                       "--threads", "2", "--quiet"])
        #expect(train.status == 0, "\(train.output)")
        let options = try RunDirectory(path: run).readConfig().options
        #expect(options.preset == .seedKeras && options.l1Reduction == .channelSum && options.batchSize == 2)

        let zoo = dir.appendingPathComponent("zoo").path
        let publish = try Self.run(exe, ["zoo", "publish", run, "--id", "seed-tiny", "--version", "1.0.0", "--zoo", zoo,
                                         "--samples", "1", "--license", "CC0-1.0", "--quiet"])
        #expect(publish.status == 0, "\(publish.output)")
        let verify = try Self.run(exe, ["zoo", "verify", "seed-tiny", "--zoo", zoo])
        #expect(verify.status == 0, "\(verify.output)")
        let card = try String(contentsOfFile: zoo + "/seed-tiny/1.0.0/README.md", encoding: .utf8)
        #expect(card.contains("seed_unet_upsample") && card.contains("λ_L1 10 on the channel-summed L1") && card.contains("--preset seed-keras"), "\(card)")

        let input = dir.appendingPathComponent("in.png").path
        try seedPicture(2).converted(toChannels: 1).write(path: input)
        let out = dir.appendingPathComponent("out").path
        let translate = try Self.run(exe, ["translate", "--model", "seed-tiny", "--zoo", zoo, input, "--out", out])
        #expect(translate.status == 0, "\(translate.output)")
        let translated = try Image.read(path: out + "/in.png")
        #expect(translated.width == 64 && translated.channels == 3)
    }
}
