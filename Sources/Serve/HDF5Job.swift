import Base
import Foundation
import Imaging
import Pix2Pix
import Tensor
import Zoo
#if canImport(Glibc)
import Glibc
#endif

/// An uploaded HDF5 pair file, translated by a child `pix2pix translate` process into the seed's
/// grid of input | output | target rows.
///
/// libhdf5 1.10.8 trusts a file's structures; every crash fuzzing found is refused before libhdf5
/// reads a file (HDF5GroupCheck, Tests/Fuzz/README.md), but as defence in depth the file never
/// reaches the server's own process: the child reads it, writes one grid row per pair
/// into a private temporary folder, and a crash or a timeout ends only the child (400 or 503).
/// The temporary folder (mode 0700, a random name) is removed afterwards whatever happened.
struct HDF5Job: Sendable {
    let worker: URL
    let entry: ZooEntry
    let mode: InferenceMode
    let precision: Precision
    let budget: PixelBudget
    let maxRows: Int
    let timeout: Duration

    func run(_ bytes: [UInt8]) throws -> TranslationResult {
        let start = Date()
        let fm = FileManager.default
        let folder = fm.temporaryDirectory.appendingPathComponent("pix2pix-serve-\(UUID().uuidString)")
        try fm.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(at: folder) }
        let input = folder.appendingPathComponent("upload.h5")
        try AtomicFile.write(bytes, to: input)
        let out = folder.appendingPathComponent("out")

        let process = Process()
        process.executableURL = worker
        var arguments = ["translate", "--zoo", entry.zoo.path, "--model", entry.reference, input.path, "--out", out.path,
                         "--format", "png", "--quiet", "--precision", precision.rawValue,
                         "--max-megapixels", String(Double(budget.maxPixels) / 1e6)]
        if mode == .train { arguments.append("--train-mode") }
        process.arguments = arguments
        let errorFile = folder.appendingPathComponent("stderr.txt")
        _ = fm.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer { try? errorHandle.close() }
        process.standardError = errorHandle
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        let seconds = Double(timeout.components.seconds)
        if done.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            throw ServeError.timedOut(seconds: Int(seconds), retryAfter: 1)
        }
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal {
            throw ServeError.hdf5Failed(reason: "the HDF5 reader crashed on this file (signal \(process.terminationStatus)); the file is damaged or forged")
        }
        guard process.terminationStatus == 0 else {
            let message = stderr.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw ServeError.hdf5Failed(reason: message.replacingOccurrences(of: input.path, with: "the upload")
                                                       .replacingOccurrences(of: folder.path, with: ""))
        }
        // translate writes the grids to <out>/<file stem>/<split>_<index>.png, in file order by name.
        let grids = out.appendingPathComponent("upload")
        let names = ((try? fm.contentsOfDirectory(atPath: grids.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
        guard !names.isEmpty else { throw ServeError.hdf5Failed(reason: "the file holds no pairs") }
        // At most maxRows rows, and no more pixels than one upload may have.
        var rows: [Image] = []
        var pixels = 0
        for name in names.prefix(maxRows) {
            let row = try Image.read(path: grids.appendingPathComponent(name).path, budget: budget)
            pixels += row.width * (row.height + 2)
            if !rows.isEmpty && pixels > budget.maxPixels { break }
            rows.append(row)
        }
        let grid = try Image.grid(rows, columns: 1, padding: 2)
        let png = try grid.pngData()
        return TranslationResult(bytes: png, contentType: "image/png", width: grid.width, height: grid.height,
                                 seconds: Date().timeIntervalSince(start), pairs: names.count, rows: rows.count)
    }
}
