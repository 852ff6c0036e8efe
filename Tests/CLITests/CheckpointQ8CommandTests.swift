#if os(Linux)  // Subprocess: /proc, posix_spawn, GNU time
import Base
import Checkpoint
import Foundation
import Pix2Pix
import Testing
@testable import pix2pix

/// `pix2pix ckpt convert --storage q8` and the streaming conversion's memory, run as the command does.
@Suite("pix2pix ckpt convert: Q8 and streaming")
struct CheckpointQ8CommandTests {
    /// A training file of a real architecture (unet_64 + patchgan_16 at width 2), its tensors
    /// derived from the configs, with Adam moments: what `pix2pix train` writes, without training.
    static func trainingFile(in dir: URL) throws -> (url: URL, architecture: ModelArchitecture) {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 2], discriminatorOverrides: ["ndf": 2], seed: 1)
        let architecture = model.architecture
        let (g, d) = try architecture.validate()
        var tensors: [TensorRecord] = []
        var seed: UInt64 = 1
        func add(_ name: String, _ shape: [Int], scale: Float) {
            var rng = RandomGenerator(seed: seed)
            seed += 1
            tensors.append(TensorRecord(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in scale * rng.nextNormal() }))
        }
        for (prefix, optimizer, shapes) in [("generator.", "optimizer.generator.", g), ("discriminator.", "optimizer.discriminator.", d!)] {
            for (key, shape) in shapes.shapes.sorted(by: { $0.key < $1.key }) {
                add(prefix + key, shape, scale: 0.02)
                add(optimizer + key + ".exp_avg", shape, scale: 1e-4)
                add(optimizer + key + ".exp_avg_sq", shape, scale: 1e-8)
            }
        }
        let url = dir.appendingPathComponent("train.pzck")
        try CheckpointWriter(storage: .f32).write(to: url, kind: .training, model: architecture.json, tensors: tensors,
                                                  sections: ["training": ["progress": ["step": 1]]])
        return (url, architecture)
    }

    @Test("--storage q8: convolution weights per output channel (the architecture's axes), optimizer moments and 1-D tensors F32")
    func q8Conversion() throws {
        let (dir, _) = try CheckpointCommandTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (input, architecture) = try Self.trainingFile(in: dir)
        let output = dir.appendingPathComponent("q8.pzck")
        let text = try CheckpointCommandTests.convert([input.path, "--storage", "q8", "-o", output.path])
        #expect(text.hasPrefix("\(output.path): "), "\(text)")
        #expect(text.contains("F32 → F32+Q8") && text.contains("with Q8 weights (optimizer moments kept F32)"), "\(text)")
        let axes = try ModelCheckpoint.outputChannelAxes(of: architecture)
        let file = try CheckpointFile(contentsOf: output)
        var perChannel = 0
        for entry in file.entries {
            if entry.name.hasPrefix("optimizer.") || entry.shape.count < 2 {
                #expect(entry.dtype == .f32, "\(entry.name)")
            } else {
                #expect(entry.dtype == .q8 && entry.quantization?.channelAxis == axes[entry.name], "\(entry.name)")
                perChannel += 1
            }
        }
        #expect(perChannel > 10 && Set(file.entries.compactMap { $0.quantization?.channelAxis }) == [0, 1])
        // The generator loads from it through the registry.
        let loaded = try ModelCheckpoint.loadGenerator(from: output)
        #expect(loaded.architecture == architecture)

        // A header naming no registered architecture: rank ≥ 2 tensors per tensor.
        let (fixtureDir, fixture) = try CheckpointCommandTests.fixture()
        defer { try? FileManager.default.removeItem(at: fixtureDir) }
        let unknown = fixtureDir.appendingPathComponent("q8.pzck")
        _ = try CheckpointCommandTests.convert([fixture.path, "--storage", "q8", "-o", unknown.path])
        let weight = try #require(try CheckpointFile(contentsOf: unknown).entry(named: "generator.down.0.weight"))
        #expect(weight.dtype == .q8 && weight.quantization?.channelAxis == nil)
    }

    /// A file whose one tensor is `chunks` × 4 MiB of zeros, each a genuine ~150-byte zstd frame.
    static func zeroBomb(chunks: Int, at url: URL) throws {
        let frameFile = try CheckpointWriter(storage: .f32).encode(
            kind: .inference, model: [:], tensors: [TensorRecord(name: "z", shape: [1 << 20], values: [Float](repeating: 0, count: 1 << 20))])
        let opened = try CheckpointFile(bytes: frameFile)
        let entry = try #require(opened.entry(named: "z"))
        let chunk = entry.chunks[0]
        let start = frameFile.count - 16 - opened.header.dataLength + chunk.offset
        let frame = Array(frameFile[start..<start + chunk.storedLength])
        var data: [UInt8] = []
        var rows: [JSONValue] = []
        for _ in 0..<chunks {
            data += [UInt8](repeating: 0, count: (data.count + 63) / 64 * 64 - data.count)
            rows.append(["offset": .int(data.count), "stored_length": .int(frame.count), "raw_length": .int(4 << 20),
                         "crc32": .int(Int(chunk.crc32))])
            data += frame
        }
        data += [UInt8](repeating: 0, count: (data.count + 63) / 64 * 64 - data.count)
        let header: JSONValue = ["producer": "bomb", "kind": "inference", "model": [:], "data_length": .int(data.count),
                                 "tensors": [["name": "bomb", "dtype": "F32", "codec": "zstd", "filter": "byteshuffle",
                                              "shape": [.int(chunks << 20)], "chunks": .array(rows)]]]
        try Data(ContainerFraming.file(header: header.serialized(), data: data)).write(to: url)
    }

    @Test("converting a 70 KB file that holds 1 GiB of zeros streams in bounded memory; an 8 GiB one is refused at once")
    func bombs() throws {
        let tool = try MalformedInputTests.toolPath()
        let (dir, _) = try CheckpointCommandTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = dir.appendingPathComponent("gib.pzck"), huge = dir.appendingPathComponent("bomb.pzck")
        try Self.zeroBomb(chunks: 256, at: small)
        try Self.zeroBomb(chunks: 2048, at: huge)
        #expect(try CheckpointCommandTests.size(small) < 80_000)

        let out = dir.appendingPathComponent("gib-f16.pzck")
        let streamed = Subprocess.run(tool, ["ckpt", "convert", small.path, "--storage", "f16", "-o", out.path], memoryCapMB: 2048, timeout: 120)
        #expect(streamed.exitCode == 0 && !streamed.timedOut, "\(streamed.stderrTail)")
        // Reading the tensor whole would take 1 GiB (and the old converter held it all, 1.5 GiB).
        #expect(streamed.peakMemoryMB < 200, "peak \(streamed.peakMemoryMB) MB")
        let converted = try CheckpointFile(contentsOf: out)
        #expect(converted.entry(named: "bomb")?.dtype == .f16 && converted.entry(named: "bomb")?.chunks.count == 128)
        try converted.verifyData()

        let refused = Subprocess.run(tool, ["ckpt", "convert", huge.path, "--storage", "f16", "-o", dir.appendingPathComponent("x.pzck").path],
                                     memoryCapMB: 2048, timeout: 30)
        #expect(refused.exitCode == 1 && refused.seconds < 10, "\(refused.stderrTail)")
        #expect(refused.stderr.contains(huge.path) && refused.stderr.contains("memory budget"), "\(refused.stderrTail)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.pzck").path))
    }
}
#endif
