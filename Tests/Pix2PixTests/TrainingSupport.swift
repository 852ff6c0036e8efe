import Foundation
import Imaging
@testable import Pix2Pix

/// Small synthetic data for trainer tests: structured colour images (gradients, discs, stripes)
/// whose A is the gray version — the seed's gray → colour task at 64².
enum TrainingData {
    /// A colourful 64² test picture; `variant` changes colours, shapes and positions.
    static func picture(_ variant: Int, size: Int = 64) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let v = Double(variant)
        let cx = Double(size) * (0.3 + 0.4 * (0.5 + 0.5 * sin(v * 1.7)))
        let cy = Double(size) * (0.3 + 0.4 * (0.5 + 0.5 * cos(v * 2.3)))
        let r = Double(size) * (0.15 + 0.1 * (0.5 + 0.5 * sin(v * 0.9)))
        for y in 0..<size {
            for x in 0..<size {
                let fx = Double(x) / Double(size), fy = Double(y) / Double(size)
                var rgb = [0.5 + 0.5 * sin(6 * fx + v), 0.5 + 0.5 * sin(5 * fy + 2 * v), 0.5 + 0.5 * cos(4 * (fx + fy) + 3 * v)]
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                if d < r { rgb = [0.9 * (0.5 + 0.5 * cos(v)), 0.2, 0.9 * (0.5 + 0.5 * sin(v))] }
                if (x / 8 + variant) % 5 == 0 && y > size / 2 { rgb = rgb.map { $0 * 0.4 } }
                for c in 0..<3 { pixels[(y * size + x) * 3 + c] = UInt8(max(0, min(255, rgb[c] * 255))) }
            }
        }
        return try Image(width: size, height: size, channels: 3, pixels: pixels)
    }

    /// Writes an HDF5 file of gray → colour pairs: `train` and `val` picture variants.
    static func makeHDF5(at path: String, train: [Int], val: [Int], size: Int = 64) throws {
        let writer = try HDF5PairWriter(path: path, width: size, height: size, channelsA: 1, channelsB: 3,
                                        splits: val.isEmpty ? ["train"] : ["train", "val"])
        for v in train {
            let b = try picture(v, size: size)
            try writer.append(a: b.converted(toChannels: 1), b: b, split: "train")
        }
        for v in val {
            let b = try picture(v, size: size)
            try writer.append(a: b.converted(toChannels: 1), b: b, split: "val")
        }
        try writer.finish()
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Tiny trainer options: unet_64 + a PatchGAN, narrow, 64² without jitter.
    static func tinyOptions(generator: String = "unet_64", discriminator: String = "patchgan_16", steps: Int = 4) -> TrainingOptions {
        var o = TrainingOptions()
        o.generator = generator
        o.discriminator = discriminator
        o.applyArchitectureFlags(ngf: 4, ndf: 4)
        o.loadSize = 64
        o.cropSize = 64
        o.flip = false
        o.steps = steps
        o.epochs = 50
        o.epochsDecay = 50
        o.checkpointEvery = 1000
        o.sampleEvery = 0
        o.logEvery = 1000
        o.seed = 7
        return o
    }
}
