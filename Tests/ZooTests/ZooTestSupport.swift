import Checkpoint
import Foundation
import Imaging
import NN
import Pix2Pix
import Tensor
@testable import Zoo

/// Tiny models, runs and data for the zoo tests.
enum ZooFixtures {
    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-zoo-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The package root (this file is Tests/ZooTests/ZooTestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Imaging tests' seed-layout HDF5 files (written with h5py by scripts/).
    static func imagingFixture(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/ImagingTests/Fixtures/hdf5/\(name)").path
    }

    /// A colourful test picture; `variant` changes colours and shapes (as Pix2PixTests' TrainingData).
    static func picture(_ variant: Int, width: Int = 64, height: Int = 64) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let v = Double(variant)
        let cx = Double(width) * (0.3 + 0.4 * (0.5 + 0.5 * sin(v * 1.7)))
        let cy = Double(height) * (0.3 + 0.4 * (0.5 + 0.5 * cos(v * 2.3)))
        let r = Double(min(width, height)) * (0.15 + 0.1 * (0.5 + 0.5 * sin(v * 0.9)))
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                var rgb = [0.5 + 0.5 * sin(6 * fx + v), 0.5 + 0.5 * sin(5 * fy + 2 * v), 0.5 + 0.5 * cos(4 * (fx + fy) + 3 * v)]
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                if d < r { rgb = [0.9 * (0.5 + 0.5 * cos(v)), 0.2, 0.9 * (0.5 + 0.5 * sin(v))] }
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8(max(0, min(255, rgb[c] * 255))) }
            }
        }
        return try Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Gray → colour pairs in our HDF5 layout, with a `val` split when `val` is not empty.
    static func makeHDF5(at path: String, train: [Int], val: [Int], size: Int = 64) throws {
        let writer = try HDF5PairWriter(path: path, width: size, height: size, channelsA: 1, channelsB: 3,
                                        splits: val.isEmpty ? ["train"] : ["train", "val"])
        writer.setAttribute("transform", .string("gray"))
        for (split, variants) in [("train", train), ("val", val)] {
            for v in variants {
                let b = try picture(v, width: size, height: size)
                try writer.append(a: b.converted(toChannels: 1), b: b, split: split)
            }
        }
        try writer.finish()
    }

    /// A 2-step training run of a narrow unet_64 (1 → 3 channels) on tiny gray → colour data, with a
    /// validation split: a real run directory to publish.
    static func makeRun(in dir: URL, name: String = "run", steps: Int = 2, validation: Bool = true) throws -> URL {
        let data = dir.appendingPathComponent("\(name)-pairs.h5").path
        try makeHDF5(at: data, train: [1, 2, 3], val: validation ? [4, 5] : [])
        var o = TrainingOptions()
        o.generator = "unet_64"
        o.discriminator = "patchgan_16"
        o.applyArchitectureFlags(ngf: 4, ndf: 4)
        o.loadSize = 64
        o.cropSize = 64
        o.flip = false
        o.steps = steps
        o.epochs = 5
        o.epochsDecay = 5
        o.sampleEvery = 0
        o.logEvery = 1000
        o.seed = 3
        let run = dir.appendingPathComponent(name)
        let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data, command: "pix2pix train (test run)"),
                                  runDirectory: RunDirectory(run))
        _ = try trainer.train()
        return run
    }

    /// A narrow unet_64 generator (1 → 3 channels) saved as an inference checkpoint (no run directory).
    static func makeCheckpoint(at url: URL, seed: UInt64 = 11) throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 4, "input_channels": 1, "output_channels": 3], discriminatorOverrides: ["ndf": 4], seed: seed)
        try ModelCheckpoint.saveInference(model, to: url)
    }

    /// A publish request with a fixed creation date.
    static func request(_ source: URL, id: String = "gray-tiny", version: String = "1.0.0") -> PublishRequest {
        var r = PublishRequest(source: source.path, id: id, version: version)
        r.license = "CC0-1.0"
        r.created = Date(timeIntervalSince1970: 1_700_000_000)
        return r
    }

    /// Every file under `dir` with its bytes (to compare whole trees).
    static func snapshot(_ dir: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        let base = dir.resolvingSymlinksInPath().path
        for case let url as URL in e where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            result[String(url.resolvingSymlinksInPath().path.dropFirst(base.count + 1))] = try Data(contentsOf: url)
        }
        return result
    }

    /// Flips one byte in the middle of a file.
    static func corrupt(_ url: URL) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: url)
    }
}
