import Foundation
import Imaging
import Pix2Pix
@testable import Serve
import Zoo
import TestSupport

/// A tiny zoo for the server tests, built once per test process: `gray-tiny` (gray → colour) and
/// `edges-tiny` (Canny edges → colour, its card recording the Canny recipe), each a narrow
/// unet_64 trained 2 steps and published with metrics and samples.
enum ServeFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where tests leave what a person may want to look at (screenshots): .build/test-output/ServeTests.
    static let outputFolder: URL = {
        let url = packageRoot.appendingPathComponent(".build/test-output/ServeTests")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-serve-test-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A colourful picture; `variant` changes colours and shapes.
    static func picture(_ variant: Int, width: Int = 64, height: Int = 64) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let v = Double(variant)
        let cx = Double(width) * (0.3 + 0.2 * (1 + sin(v * 1.7))), cy = Double(height) * (0.3 + 0.2 * (1 + cos(v * 2.3)))
        let r = Double(min(width, height)) * 0.25
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                var rgb = [0.5 + 0.5 * sin(6 * fx + v), 0.5 + 0.5 * sin(5 * fy + 2 * v), 0.5 + 0.5 * cos(4 * (fx + fy) + 3 * v)]
                if ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot() < r { rgb = [0.9, 0.2, 0.4] }
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8(max(0, min(255, rgb[c] * 255))) }
            }
        }
        return try Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    static let canny = CannyOptions(lowThreshold: 50, highThreshold: 100, blurKernel: 3, invert: true)

    /// Pairs in our HDF5 layout: A is the gray picture or its Canny edges, B the picture.
    static func makeHDF5(at path: String, transform: PairTransform, train: [Int], val: [Int], size: Int = 64) throws {
        let writer = try HDF5PairWriter(path: path, width: size, height: size, channelsA: 1, channelsB: 3, splits: ["train", "val"])
        writer.setAttribute("transform", .string(transform.name))
        writer.setAttribute("transform_params", .string(transform.parametersJSON))
        for (split, variants) in [("train", train), ("val", val)] {
            for v in variants {
                let b = try picture(v, width: size, height: size)
                try writer.append(a: try transform.apply(to: b), b: b, split: split)
            }
        }
        try writer.finish()
    }

    static func makeRun(in dir: URL, name: String, transform: PairTransform) throws -> URL {
        let data = dir.appendingPathComponent("\(name).h5").path
        try makeHDF5(at: data, transform: transform, train: [1, 2, 3], val: [4, 5, 6])
        var o = TrainingOptions()
        o.generator = "unet_64"
        o.discriminator = "patchgan_16"
        o.applyArchitectureFlags(ngf: 4, ndf: 4)
        o.loadSize = 64
        o.cropSize = 64
        o.flip = false
        o.steps = 2
        o.epochs = 5
        o.epochsDecay = 5
        o.sampleEvery = 0
        o.logEvery = 1000
        o.seed = 3
        let run = dir.appendingPathComponent(name)
        let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data, command: "pix2pix train (serve test run)"),
                                  runDirectory: RunDirectory(run))
        _ = try trainer.train()
        return run
    }

    /// The tiny zoo (built on first use) and a spare HDF5 pair file to upload.
    struct Zoo {
        let root: URL
        let pairs: URL
    }

    static let zoo: Result<Zoo, any Error> = Result {
        let dir = try temporaryDirectory("zoo")
        let store = ZooStore(root: dir.appendingPathComponent("zoo"))
        for (id, transform, task) in [("gray-tiny", PairTransform.gray, "gray → color"), ("edges-tiny", PairTransform.canny(canny), "edges → photo")] {
            let run = try makeRun(in: dir, name: id, transform: transform)
            var request = PublishRequest(source: run.path, id: id, version: "1.0.0")
            request.license = "CC0-1.0"
            request.task = task
            request.created = Date(timeIntervalSince1970: 1_700_000_000)
            request.sampleCount = 2
            _ = try store.publish(request)
        }
        let pairs = dir.appendingPathComponent("upload-pairs.h5")
        try makeHDF5(at: pairs.path, transform: .gray, train: [7, 8], val: [9], size: 48)
        return Zoo(root: store.root, pairs: pairs)
    }

    /// The `pix2pix` executable built next to the test bundle (HDF5 uploads run it).
    static func executable() -> URL? { try? Pix2PixExecutable.url }

    /// A server configuration over the tiny zoo on an ephemeral port.
    static func configuration(_ change: (inout ServeConfiguration) -> Void = { _ in }) throws -> ServeConfiguration {
        let zoo = try Self.zoo.get()
        var configuration = ServeConfiguration(catalog: ZooCatalog(root: zoo.root))
        configuration.port = 0
        configuration.hdf5Worker = executable()
        configuration.threadsPerTranslation = 1
        change(&configuration)
        return configuration
    }

    /// Runs `body` against a fresh server, stopped afterwards.
    static func withServer<T>(_ change: (inout ServeConfiguration) -> Void = { _ in },
                              _ body: (ServeServer, RawHTTP) async throws -> T) async throws -> T {
        let server = try await ServeServer.start(try configuration(change))
        do {
            let result = try await body(server, RawHTTP(port: server.port))
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// PNG bytes of a picture.
    static func png(_ variant: Int = 1, width: Int = 64, height: Int = 64) throws -> [UInt8] {
        try picture(variant, width: width, height: height).pngData()
    }

    /// PNG bytes of seeded noise: incompressible, so the file is about 3 bytes per pixel.
    static func noisePNG(width: Int, height: Int, seed: UInt64 = 1) throws -> [UInt8] {
        var state = seed
        let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return try Image(width: width, height: height, channels: 3, pixels: pixels).pngData()
    }

    /// A PNG that declares `width` × `height` RGB pixels but carries almost no data: a
    /// decompression bomb's header (IHDR, a token IDAT, IEND, with valid CRCs).
    static func bombPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let typeBytes = Array(type.utf8)
            var length = withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init)
            length += typeBytes + data
            return length + withUnsafeBytes(of: crc32(typeBytes + data).bigEndian, Array.init)
        }
        var ihdr = withUnsafeBytes(of: width.bigEndian, Array.init) + withUnsafeBytes(of: height.bigEndian, Array.init)
        ihdr += [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0, 0, 0, 1]) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
