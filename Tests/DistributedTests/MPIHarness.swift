import Checkpoint
import Foundation
import Imaging
import TestSupport

/// Runs the `pix2pix` executable built next to the tests, alone or under `mpirun` on this machine
/// only (shared memory, `--mca btl self,vader`), always inside `timeout`.
enum MPIHarness {
    /// The `pix2pix` executable (`swift build --build-tests` builds it next to the test bundle).
    static var executable: URL { get throws { try Pix2PixExecutable.url } }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
        var text: String { "exit \(status) after \(String(format: "%.1f", seconds)) s\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// The environment of every run: Open MPI allowed as root (CI containers), shared memory only, one
    /// thread unless the arguments say otherwise, no stray launcher variables from an outer job.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_") }
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_btl"] = "self,vader"
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        env.removeValue(forKey: "PIX2PIX_THREADS")
        env.removeValue(forKey: "PIX2PIX_MPI")
        return env
    }

    /// `timeout` around `arguments[0] arguments[1...]`, in `directory`. `whileRunning` gets the process.
    ///
    /// Foundation's `Process` starts children with signals blocked, which mpirun would inherit (it
    /// would then never forward SIGUSR1): python3 clears the mask and execs `timeout` in place.
    static func launch(_ arguments: [String], in directory: URL, timeout: Int,
                       whileRunning: ((Process) throws -> Void)? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                             "/usr/bin/timeout", "-k", "5", "\(timeout)"] + arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        let collected = Collected()
        let readers = [Thread { collected.setOut(out.fileHandleForReading.readDataToEndOfFile()) },
                       Thread { collected.setErr(err.fileHandleForReading.readDataToEndOfFile()) }]
        readers.forEach { $0.start() }
        try whileRunning?(process)
        process.waitUntilExit()
        while !collected.done { usleep(1000) }
        return Outcome(status: process.terminationStatus, stdout: String(decoding: collected.out, as: UTF8.self),
                       stderr: String(decoding: collected.err, as: UTF8.self), seconds: Date().timeIntervalSince(started))
    }

    /// `pix2pix arguments` as one process (no MPI).
    static func single(_ arguments: [String], in directory: URL, timeout: Int = 120) throws -> Outcome {
        try launch([try executable.path] + arguments, in: directory, timeout: timeout)
    }

    /// `mpirun -np ranks pix2pix arguments`: each rank runs in its own working directory
    /// `directory/rank<r>` (so a relative `--out` shows who wrote what) and records its PID there
    /// (`pid`). Output lines are tagged with the rank (`[job,rank]<stdout>:`).
    static func mpirun(ranks: Int, _ arguments: [String], in directory: URL, timeout: Int = 120,
                       whileRunning: ((Process) throws -> Void)? = nil) throws -> Outcome {
        for r in 0..<ranks {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("rank\(r)"), withIntermediateDirectories: true)
        }
        let script = "cd \"rank$OMPI_COMM_WORLD_RANK\" && echo $$ > pid && exec \"$0\" \"$@\""
        return try launch(["mpirun", "-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", "--tag-output",
                           "--mca", "btl", "self,vader", "/bin/sh", "-c", script, try executable.path] + arguments,
                          in: directory, timeout: timeout, whileRunning: whileRunning)
    }

    /// The processes whose parent is `pid` (from /proc/<pid>/stat: the field after the state is the parent).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var o = Data(), e = Data(), n = 0
        func setOut(_ d: Data) { lock.withLock { o = d; n += 1 } }
        func setErr(_ d: Data) { lock.withLock { e = d; n += 1 } }
        var out: Data { lock.withLock { o } }
        var err: Data { lock.withLock { e } }
        var done: Bool { lock.withLock { n == 2 } }
    }

    // MARK: Data and checkpoints

    /// 64² RGB pairs (distinct textures; B a colour transform of A) in a new HDF5 file: one training
    /// pair per index, and a val split with the `val` indices when there are any.
    static func makePairs(at path: String, indices: [Int], val: [Int] = []) throws {
        let writer = try HDF5PairWriter(path: path, width: 64, height: 64, channelsA: 3, channelsB: 3, splits: val.isEmpty ? ["train"] : ["train", "val"])
        for (v, split) in indices.map({ ($0, "train") }) + val.map({ ($0, "val") }) {
            var a = [UInt8](repeating: 0, count: 64 * 64 * 3), b = a
            for i in 0..<(64 * 64) {
                let x = i % 64, y = i / 64
                for c in 0..<3 {
                    a[i * 3 + c] = UInt8((x * (v + 2) + y * (c + 1) * (v + 3) + (x * y) % (7 + v)) % 256)
                    b[i * 3 + c] = UInt8((255 - Int(a[i * 3 + (c + 1) % 3]) + v * 40) % 256)
                }
            }
            try writer.append(a: Image(width: 64, height: 64, channels: 3, pixels: a),
                              b: Image(width: 64, height: 64, channels: 3, pixels: b), split: split)
        }
        try writer.finish()
    }

    /// Every tensor of a checkpoint by name.
    static func tensors(_ url: URL) throws -> [String: [Float]] {
        let file = try CheckpointFile(contentsOf: url)
        try file.verifyData()
        var out: [String: [Float]] = [:]
        for record in try file.allTensors() { out[record.name] = record.values }
        return out
    }

    /// The largest relative difference ‖a − b‖ / ‖b‖ over the tensors whose names start with one
    /// of `prefixes`, with the tensor's name (a tensor of zeros in `b` compares its norm to 1).
    static func worstRelativeDifference(_ a: [String: [Float]], _ b: [String: [Float]],
                                        prefixes: [String]) -> (name: String, value: Double) {
        var worst = (name: "", value: 0.0)
        for (name, y) in b where prefixes.contains(where: { name.hasPrefix($0) }) {
            guard let x = a[name], x.count == y.count else { return (name, .infinity) }
            var diff = 0.0, norm = 0.0
            for i in y.indices {
                let d = Double(x[i]) - Double(y[i])
                diff += d * d
                norm += Double(y[i]) * Double(y[i])
            }
            let relative = diff.squareRoot() / max(norm.squareRoot(), 1e-30)
            if relative > worst.value || relative.isNaN { worst = (name, relative) }
        }
        return worst
    }

    /// ‖a − b‖ / ‖b‖ over every tensor of `b` together.
    static func relativeDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        var diff = 0.0, norm = 0.0
        for (name, y) in b {
            guard let x = a[name], x.count == y.count else { return .infinity }
            for i in y.indices {
                diff += (Double(x[i]) - Double(y[i])) * (Double(x[i]) - Double(y[i]))
                norm += Double(y[i]) * Double(y[i])
            }
        }
        return (diff / max(norm, 1e-300)).squareRoot()
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-mpi-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
