import Base
import Checkpoint
import Foundation
import Imaging
import Pix2Pix
import Testing
import TestSupport

/// Ctrl-C at random moments of a real `pix2pix train` process (a short form of
/// scripts/ctrl_c_storm.sh): every run must exit 130 with a checkpoint that verifies and resumes.
@Suite("Ctrl-C during training", .serialized)
struct InterruptTests {
    /// The `pix2pix` executable built next to the tests (`swift build --build-tests` builds it).
    static var executable: URL { get throws { try Pix2PixExecutable.url } }

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var stderr: String
        var timedOut = false
    }

    /// Runs `pix2pix arguments`; `whileRunning` gets the process once it started. Kills it after `timeout` s
    /// (``Outcome/timedOut``).
    static func run(_ arguments: [String], timeout: Double = 60, whileRunning: ((Process) throws -> Void)? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        // Drain stderr on another thread so that the child never blocks on a full pipe.
        let collected = LockedData()
        let reader = Thread { collected.append(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        try whileRunning?(process)
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        while !collected.finished { usleep(1000) }
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       stderr: String(decoding: collected.data, as: UTF8.self), timedOut: timedOut)
    }

    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes = Data()
        private var done = false
        func append(_ d: Data) { lock.withLock { bytes.append(d); done = true } }
        var data: Data { lock.withLock { bytes } }
        var finished: Bool { lock.withLock { done } }
    }

    static func makeData(at path: String) throws {
        let writer = try HDF5PairWriter(path: path, width: 64, height: 64, channelsA: 1, channelsB: 3, splits: ["train"])
        for v in 0..<3 {
            var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
            for i in pixels.indices { pixels[i] = UInt8((i * (v + 3) + (i / 192) * 7) % 256) }
            let b = try Image(width: 64, height: 64, channels: 3, pixels: pixels)
            try writer.append(a: b.converted(toChannels: 1), b: b, split: "train")
        }
        try writer.finish()
    }

    /// One interrupted run: what went wrong (empty when it exited 130 with a verified checkpoint that resumed).
    static func interruptedRun(_ k: Int, data: String, in dir: URL) -> [String] {
        var problems: [String] = []
        do {
            let run = dir.appendingPathComponent("run\(k)")
            let threads = k % 2 == 0 ? ["--threads", "1"] : []
            let delay = Double.random(in: 0...0.6)
            let signal = k == 4 ? SIGTERM : SIGINT  // SIGTERM: the same stop, exit 143
            // 3 pairs: an epoch end (checkpoint) every 3 steps, plus checkpoints and samples every 2.
            let arguments = ["train", "--data", data, "--out", run.path, "--generator", "unet_64", "--discriminator", "patchgan_16",
                             "--ngf", "4", "--ndf", "4", "--crop-size", "64", "--load-size", "64", "--steps", "1000000",
                             "--epochs", "100000", "--epochs-decay", "0", "--checkpoint-every", "2", "--sample-every", "2",
                             "--log-every", "1", "--plain", "--quiet"] + threads
            let outcome = try Self.run(arguments) { process in
                // The handler is installed before the run directory is created.
                let start = Date()
                while !FileManager.default.fileExists(atPath: run.path) && process.isRunning && Date().timeIntervalSince(start) < 30 { usleep(2000) }
                usleep(UInt32(delay * 1e6))
                kill(process.processIdentifier, signal)
                if k >= 3 {  // a second signal must not cut a save short
                    usleep(UInt32.random(in: 0...20_000))
                    kill(process.processIdentifier, signal)
                }
            }
            let label = "run \(k) (\(threads.isEmpty ? "default threads" : "--threads 1"), \(signal == SIGINT ? "SIGINT" : "SIGTERM") after \(String(format: "%.2f", delay)) s)"
            guard !outcome.signalled && outcome.status == 128 + signal else {
                return ["\(label): \(outcome.timedOut ? "still running after 60 s; " : "")\(outcome.signalled ? "killed by signal" : "exit") \(outcome.status)\n\(outcome.stderr)"]
            }
            let file = try CheckpointFile(contentsOf: RunDirectory(run).latest)
            try file.verifyData()
            guard let step = file.header.sections["training"]?["progress"]?["step"]?.intValue else { return ["\(label): no step in the checkpoint"] }
            if !outcome.stderr.contains("interrupted at step \(step);") { problems.append("\(label): stderr does not name step \(step): \(outcome.stderr)") }
            let recorded = try RunDirectory(run).readConfig().options.threads
            if recorded != (threads.isEmpty ? Threads.defaultCount : 1) { problems.append("\(label): config records \(recorded.map(String.init) ?? "no") threads") }
            let resumed = try Self.run(["train", "--resume", run.path, "--steps", "\(step + 2)", "--plain", "--quiet"])
            if resumed.status != 0 || resumed.signalled { problems.append("\(label): the resume at step \(step) ended with \(resumed.status): \(resumed.stderr)") }
            if try RunDirectory(run).readLog().last?.step != step + 2 { problems.append("\(label): the resumed log does not end at step \(step + 2)") }
        } catch {
            problems.append("run \(k): \(error)")
        }
        return problems
    }

    @Test("SIGINT (or SIGTERM) at random moments, once or twice, --threads 1 and the default: exit 130 (143), a verified checkpoint, a working resume")
    func storm() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-ctrl-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try Self.makeData(at: data)
        // Five runs side by side (each on its own thread: they mostly wait).
        let problems = LockedList()
        let group = DispatchGroup()
        for k in 0..<5 {
            group.enter()
            Thread {
                problems.append(Self.interruptedRun(k, data: data, in: dir))
                group.leave()
            }.start()
        }
        group.wait()
        #expect(problems.items.isEmpty, "\(problems.items.joined(separator: "\n"))")
    }

    final class LockedList: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func append(_ more: [String]) { lock.withLock { list += more } }
        var items: [String] { lock.withLock { list } }
    }
}
