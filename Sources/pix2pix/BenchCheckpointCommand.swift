import ArgumentParser
import Base
import Checkpoint
import Foundation
import Pix2Pix
import Tensor

/// `pix2pix bench ckpt`: save and load speed and file size of a generator's weights as `.pzck`
/// checkpoints stored as F32, F16 and BF16.
struct BenchCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Save / load MB/s and file size of a generator checkpoint stored as F32, F16 and BF16.",
        discussion: """
            The generator is built from the registry and initialised as the reference does (normal, \
            std 0.02; seed 1). Save is ModelCheckpoint.saveInference (zstd level 3, byte shuffle, atomic \
            write with fsync); load opens the file (header checks) and decodes every tensor into fresh \
            tensors, checking each chunk's CRC-32. MB/s is MB (10⁶ bytes) of F32 weights per second; \
            the file is read from the page cache. One untimed round first, then --iters timed rounds, \
            median reported. max |Δ| compares the loaded weights with the saved ones. Files go to a \
            temporary directory that is removed afterwards. Threads: --threads of the parent command is not taken here; the process-wide default applies (PIX2PIX_THREADS, else the CPUs the process may run on).
            """
    )

    @Option(help: "Generator preset from the registry (see `pix2pix models`).")
    var generator = "unet_256"

    @Option(help: Bounds.iterations.help("Timed save / load rounds per storage type; the median is reported."))
    var iters = 5

    func validate() throws {
        try Bounds.iterations.check(iters, "--iters")
    }

    /// One storage type's measurements.
    struct Result {
        var storage: StorageType
        var fileSize: Int
        var saveSeconds: Double
        var loadSeconds: Double
        var maxError: Float
    }

    func run() throws {
        let model = try Pix2PixModel(generator: generator, discriminator: "patchgan_70", seed: 1)
        let entries = model.generator.stateEntries()
        let f32Bytes = entries.reduce(0) { $0 + $1.tensor.count } * 4
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pix2pix-bench-ckpt-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        print("pix2pix bench ckpt: \(generator), \(entries.count) tensors, "
              + String(format: "%.1f MB of F32 weights", Double(f32Bytes) / 1e6)
              + ", \(Threads.count) threads, median of \(iters)")
        print(["dtype", "file MB", "ratio", "save ms", "save MB/s", "load ms", "load MB/s", "max |Δ|"]
            .enumerated().map { pad($1, $0 == 0 ? 6 : 11, right: $0 > 0) }.joined())
        fflush(nil)  // all streams: piped stdout is fully buffered
        for storage in [StorageType.f32, .f16, .bf16] {
            let r = try measure(storage, model: model, entries: entries, in: directory)
            let mb = Double(f32Bytes) / 1e6
            let cells = [
                String(format: "%.2f", Double(r.fileSize) / 1e6),
                String(format: "%.2f×", Double(f32Bytes) / Double(r.fileSize)),
                String(format: "%.1f", r.saveSeconds * 1e3), String(format: "%.0f", mb / r.saveSeconds),
                String(format: "%.1f", r.loadSeconds * 1e3), String(format: "%.0f", mb / r.loadSeconds),
                String(format: "%.2g", r.maxError),
            ]
            print(pad(storage.rawValue, 6) + cells.map { pad($0, 11, right: true) }.joined())
            fflush(nil)  // all streams: piped stdout is fully buffered
        }
        print("ratio: raw F32 bytes / file size")
    }

    private func measure(_ storage: StorageType, model: Pix2PixModel, entries: [(key: String, tensor: Tensor)],
                         in directory: URL) throws -> Result {
        let url = directory.appendingPathComponent("\(generator)-\(storage.rawValue).pzck")
        var saves: [Double] = []
        var loads: [Double] = []
        var loaded: [String: Tensor] = [:]
        for round in 0...iters {
            let start = DispatchTime.now().uptimeNanoseconds
            try ModelCheckpoint.saveInference(generator: model.generator, architecture: model.architecture, to: url,
                                              storage: storage)
            let saved = DispatchTime.now().uptimeNanoseconds
            loaded = [:]
            let file = try CheckpointFile(contentsOf: url)
            try file.readTensors { entry in
                let t = Tensor.empty(entry.shape)
                loaded[entry.name] = t
                return UnsafeMutableBufferPointer(start: t.pointer, count: t.count)
            }
            let done = DispatchTime.now().uptimeNanoseconds
            if round > 0 {
                saves.append(Double(saved - start) / 1e9)
                loads.append(Double(done - saved) / 1e9)
            }
        }
        // What came back must be what went in, up to the storage type's rounding.
        var maxError: Float = 0
        for (key, original) in entries {
            guard let back = loaded[ModelCheckpoint.generatorPrefix + key], back.count == original.count else {
                throw BenchCheckpointError.roundTrip(file: url.path, reason: "tensor \(key) is missing or has another size")
            }
            for i in 0..<original.count {
                let d = abs(original.pointer[i] - back.pointer[i])
                if d > maxError { maxError = d }
            }
        }
        if storage == .f32 && maxError != 0 {
            throw BenchCheckpointError.roundTrip(file: url.path, reason: "the F32 round trip is not exact (max |Δ| \(maxError))")
        }
        var info = stat()
        let size = stat(url.path, &info) == 0 ? Int(info.st_size) : 0
        return Result(storage: storage, fileSize: size, saveSeconds: median(saves), loadSeconds: median(loads),
                      maxError: maxError)
    }

    private func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}

/// A checkpoint that did not give back what was saved (a bug, not bad input).
enum BenchCheckpointError: Error, CustomStringConvertible {
    case roundTrip(file: String, reason: String)

    var description: String {
        switch self {
        case let .roundTrip(file, reason):
            return "\(file): save → load round trip failed: \(reason). Hint: this is a bug in the checkpoint code; run `swift test --filter CheckpointTests`."
        }
    }
}
