#if os(Linux)  // /proc, posix_spawn with glibc's file actions, GNU time
import Base
import Foundation
import Testing

/// Issue 16, item 6: every file of ``MalformedCorpus`` (≥ 500 malformed checkpoints, images and HDF5
/// files) through every command that reads it — `ckpt inspect --verify`, `eval`, `translate`,
/// `data inspect` — as a subprocess of the built `pix2pix`, under a memory cap and a timeout.
/// Expected: no signal (exit < 128), no hang, and for a malformed file exit 1 (or 64, ArgumentParser's
/// validation error) with its name on stderr; each run within the time and peak-memory bounds.
///
/// Environment:
/// - `PIX2PIX_CORPUS_FILTER=text`: only cases whose name contains `text` (e.g. `ckpt/g-ngf`, `img/png-ihdr`).
/// - `PIX2PIX_CORPUS_REPORT=path`: write one line per run (status, seconds, peak MB, case, command) and the worst.
/// - `PIX2PIX_CORPUS_KEEP=1`: keep the corpus folder (its path is in the report) to reproduce a case by hand.
/// - `PIX2PIX_BIN=path`: the tool to run (default: `pix2pix` next to the test bundle).
///
/// Cases that still hit a defect of issue 16 are listed in ``MalformedInputTests/knownDefects``: they
/// are recorded as known issues. When a fix lands, its entries must go (a listed case that passes
/// fails the test), so the list always says what is still broken.
@Suite("Malformed inputs through the commands (issue 16)")
struct MalformedInputTests {
    /// Address space per run (`ulimit -v`): generous for a 64² model, far below what a trusted huge
    /// declared size would take.
    static let memoryCapMB = 4096
    /// Wall-clock limit per run; beyond it the run counts as a hang and is killed. A FIFO must be
    /// refused at once (stat before open), so it gets a short one. The slowest genuine case (a
    /// valid 8192² PNG translated in tiles) takes about 8 s on 2 idle cores and over 20 s when
    /// the machine is shared, so the limits leave room for a loaded machine.
    static let timeoutSeconds = 60.0
    static let fifoTimeoutSeconds = 5.0
    /// Bounds every run must stay within (resident memory, seconds).
    static let peakMemoryBoundMB = 1536
    static let timeBoundSeconds = 45.0

    /// Known defects that some cases still hit, by case-name prefix and command ("*": all
    /// commands). Every defect of issue 16 the corpus found is fixed, so the list is empty; a case
    /// listed here must fail, and one that starts passing fails the test until it is removed.
    static let knownDefects: [(prefix: String, command: String, defect: String)] = []


    // MARK: The runs

    struct Run: Sendable {
        let caseName: String
        let command: String
        let arguments: [String]
        let file: String
        let expectation: MalformedCase.Expectation
        var timeout = MalformedInputTests.timeoutSeconds
    }

    struct Outcome: Sendable {
        let run: Run
        let result: ProcessResult
    }

    /// The commands that read each kind of file, with the valid companions they need.
    static func runs(for item: MalformedCase, path: String, valid: ValidFiles, out: String) -> [Run] {
        func run(_ command: String, _ arguments: [String]) -> Run {
            Run(caseName: item.name, command: command, arguments: arguments, file: path, expectation: item.expectation(command: command),
                timeout: item.isFIFO ? fifoTimeoutSeconds : timeoutSeconds)
        }
        switch item.kind {
        case .checkpoint:
            return [
                run("ckpt", ["ckpt", "inspect", "--verify", path]),
                run("eval", ["eval", "--checkpoint", path, "--data", valid.hdf5, "--split", "val", "--mode", "eval"]),
                run("translate", ["translate", "--checkpoint", path, valid.png, "--out", out, "--quiet"]),
            ]
        case .image:
            return [
                run("inspect", ["data", "inspect", path, "--no-preview"]),
                run("translate", ["translate", "--checkpoint", valid.checkpoint, path, "--out", out, "--quiet"]),
            ]
        case .hdf5:
            return [
                run("inspect", ["data", "inspect", path, "--no-preview"]),
                run("eval", ["eval", "--checkpoint", valid.checkpoint, "--data", path, "--split", "val", "--mode", "eval"]),
                run("translate", ["translate", "--checkpoint", valid.checkpoint, path, "--out", out, "--quiet"]),
            ]
        }
    }

    struct ValidFiles: Sendable {
        let checkpoint: String, hdf5: String, png: String, jpeg: String
    }

    /// What went wrong with one run, or nil.
    static func violation(_ outcome: Outcome) -> String? {
        let r = outcome.result, run = outcome.run
        let name = URL(fileURLWithPath: run.file).lastPathComponent
        if r.timedOut { return "hang: killed after \(run.timeout) s" }
        if let signal = r.signal { return "crash: signal \(signal)\(r.stderrTail.isEmpty ? "" : " — \(r.stderrTail)")" }
        if r.exitCode >= 128 { return "crash: exit \(r.exitCode) — \(r.stderrTail)" }
        if r.peakMemoryMB > Double(peakMemoryBoundMB) { return "memory: peak \(Int(r.peakMemoryMB)) MB > \(peakMemoryBoundMB) MB" }
        if r.seconds > timeBoundSeconds { return "slow: \(String(format: "%.1f", r.seconds)) s > \(timeBoundSeconds) s" }
        switch (run.expectation, r.exitCode) {
        case (.acceptedOrTypedError, 0): return nil
        case (.typedError, 0): return "accepted: exit 0 for a malformed file"
        case (_, 1), (_, 64):  // a typed error, or ArgumentParser's ValidationError
            return r.stderr.contains(name) ? nil : "untyped: the error does not name \(name): \(r.stderrTail)"
        default:
            return "exit \(r.exitCode) (a typed error exits 1, a validation error 64): \(r.stderrTail)"
        }
    }

    static func knownDefect(_ run: Run) -> String? {
        knownDefects.first { run.caseName.hasPrefix($0.prefix) && ($0.command == "*" || $0.command == run.command) }?.defect
    }

    @Test("≥ 500 malformed files through the commands: no crash, no hang, typed errors naming the file, bounded time and memory")
    func corpus() throws {
        let environment = ProcessInfo.processInfo.environment
        let tool = try Self.toolPath()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-malformed-\(UUID().uuidString)", isDirectory: true)
        let corpusDir = root.appendingPathComponent("corpus", isDirectory: true)
        try FileManager.default.createDirectory(at: corpusDir, withIntermediateDirectories: true)
        defer { if environment["PIX2PIX_CORPUS_KEEP"] != "1" { try? FileManager.default.removeItem(at: root) } }

        let base = try CorpusBase.make(in: root)
        let valid = ValidFiles(checkpoint: root.appendingPathComponent("base-zstd.pzck").path, hdf5: root.appendingPathComponent("base.h5").path,
                               png: root.appendingPathComponent("valid.png").path, jpeg: root.appendingPathComponent("valid-jpeg.jpg").path)
        try Data(base.png).write(to: URL(fileURLWithPath: valid.png))
        try Data(base.jpeg).write(to: URL(fileURLWithPath: valid.jpeg))

        let all = try MalformedCorpus.cases(base: base)
        let counts = Dictionary(grouping: all, by: \.kind).mapValues(\.count)
        #expect(all.count >= 500, "the corpus has \(all.count) files (\(counts))")
        #expect(all.filter { $0.name.hasPrefix("h5/shape-") }.count == 11, "the HDF5 dataspace messages to forge were not found")
        let filter = environment["PIX2PIX_CORPUS_FILTER"] ?? ""
        let selected = filter.isEmpty ? all : all.filter { $0.name.contains(filter) }
        try #require(!selected.isEmpty, "PIX2PIX_CORPUS_FILTER=\(filter) matches no case")

        // The valid files pass every command: a failure below comes from the mutation.
        let out = root.appendingPathComponent("out", isDirectory: true).path
        var runs: [Run] = []
        let sanity: [Run] = [
            Run(caseName: "valid", command: "ckpt", arguments: ["ckpt", "inspect", "--verify", valid.checkpoint], file: valid.checkpoint, expectation: .acceptedOrTypedError),
            Run(caseName: "valid", command: "eval", arguments: ["eval", "--checkpoint", valid.checkpoint, "--data", valid.hdf5, "--split", "val", "--mode", "eval"], file: valid.hdf5, expectation: .acceptedOrTypedError),
            Run(caseName: "valid", command: "translate", arguments: ["translate", "--checkpoint", valid.checkpoint, valid.png, valid.jpeg, valid.hdf5, "--out", out + "-valid", "--quiet"], file: valid.png, expectation: .acceptedOrTypedError),
            Run(caseName: "valid", command: "inspect", arguments: ["data", "inspect", valid.hdf5, "--no-preview"], file: valid.hdf5, expectation: .acceptedOrTypedError),
            Run(caseName: "valid", command: "inspect", arguments: ["data", "inspect", valid.jpeg, "--no-preview"], file: valid.jpeg, expectation: .acceptedOrTypedError),
        ]
        for (index, item) in selected.enumerated() {
            let path = corpusDir.appendingPathComponent(item.fileName).path
            if item.isFIFO {
                guard mkfifo(path, 0o644) == 0 else { throw CorpusError("mkfifo \(path): \(String(cString: strerror(errno)))") }
            } else {
                try Data(item.bytes).write(to: URL(fileURLWithPath: path))
            }
            runs += Self.runs(for: item, path: path, valid: valid, out: "\(out)/\(index)")
        }

        let workers = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        let sanityOutcomes = Self.execute(sanity, tool: tool, workers: workers)
        for outcome in sanityOutcomes where outcome.result.exitCode != 0 || outcome.result.signal != nil {
            Issue.record("the valid file fails `pix2pix \(outcome.run.arguments.joined(separator: " "))`: exit \(outcome.result.exitCode) \(outcome.result.stderrTail)")
        }
        let outcomes = Self.execute(runs, tool: tool, workers: workers)

        var stillKnown = Set<String>()
        var report: [String] = []
        for outcome in outcomes {
            let problem = Self.violation(outcome)
            let r = outcome.result
            report.append("\(problem == nil ? "ok  " : "FAIL") \(String(format: "%6.2fs %7.1fMB", r.seconds, r.peakMemoryMB)) "
                          + "\(outcome.run.caseName) \(outcome.run.command)" + (problem.map { " — \($0)" } ?? ""))
            let defect = Self.knownDefect(outcome.run)
            switch (problem, defect) {
            case (nil, nil): break
            case let (problem?, nil):
                Issue.record("\(outcome.run.caseName) · pix2pix \(outcome.run.arguments.joined(separator: " ")): \(problem)")
            case let (problem?, defect?):
                stillKnown.insert(defect)
                withKnownIssue("\(defect)") {
                    Issue.record("\(outcome.run.caseName) · \(outcome.run.command): \(problem)")
                }
            case let (nil, defect?):
                Issue.record("\(outcome.run.caseName) · \(outcome.run.command) passes: remove it from knownDefects (\(defect))")
            }
        }
        let slowest = outcomes.max { $0.result.seconds < $1.result.seconds }
        let largest = outcomes.max { $0.result.peakMemoryMB < $1.result.peakMemoryMB }
        if let path = environment["PIX2PIX_CORPUS_REPORT"] {
            var lines = ["corpus: \(all.count) files (\(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))), \(selected.count) selected, \(outcomes.count) runs, folder \(corpusDir.path)"]
            if let slowest { lines.append("slowest: \(String(format: "%.2f", slowest.result.seconds)) s, \(slowest.run.caseName) \(slowest.run.command)") }
            if let largest { lines.append("largest: \(String(format: "%.1f", largest.result.peakMemoryMB)) MB peak, \(largest.run.caseName) \(largest.run.command)") }
            lines.append("failures: \(report.filter { $0.hasPrefix("FAIL") }.count)")
            try (lines + report).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    // MARK: Running the tool

    /// `pix2pix` next to the test bundle (`swift build --build-tests` builds both), or `$PIX2PIX_BIN`.
    static func toolPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["PIX2PIX_BIN"] { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test runner may sit inside a bundle folder (…/release/X.xctest/…): walk up to the products.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("pix2pix").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw CorpusError("no pix2pix next to \(executable.path): build it (swift build --build-tests) or set PIX2PIX_BIN")
    }

    static func execute(_ runs: [Run], tool: String, workers: Int) -> [Outcome] {
        let results = ResultBox(count: runs.count)
        parallelFor(runs.count, threads: workers) { _, i in
            results.set(i, Subprocess.run(tool, runs[i].arguments, memoryCapMB: memoryCapMB, timeout: runs[i].timeout))
        }
        return zip(runs, results.values).map { Outcome(run: $0, result: $1!) }
    }

    final class ResultBox: @unchecked Sendable {  // each index written by one worker
        private let lock = NSLock()
        private(set) var values: [ProcessResult?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: ProcessResult) { lock.withLock { values[i] = value } }
    }
}

struct ProcessResult: Sendable {
    var exitCode: Int32
    var signal: Int32?
    var timedOut: Bool
    var seconds: Double
    var peakMemoryMB: Double
    var stderr: String

    var stderrTail: String {
        let trimmed = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 300 ? "…" + String(trimmed.suffix(300)) : trimmed
    }
}

/// One child process with a memory cap and a timeout, and its own peak resident memory.
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`, which waits for the tool as its own child),
/// or, without it, from sampling the tool's VmHWM every 2 ms. wait4's rusage of our direct child
/// would not do: posix_spawn starts it as a vfork of this (large) test process, and Linux carries
/// that resident size into the child's maximum at exec.
enum Subprocess {
    static let gnuTime = FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil

    /// glibc ≥ 2.34's posix_spawn_file_actions_addclosefrom_np (not visible to Swift's Glibc module).
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    nonisolated(unsafe) static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    static func run(_ tool: String, _ arguments: [String], memoryCapMB: Int, timeout: Double) -> ProcessResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-run-\(UUID().uuidString)").path
        let stderrPath = scratch + ".err", peakPath = scratch + ".rss"
        defer { unlink(stderrPath); unlink(peakPath) }
        // The shell sets the cap, then becomes GNU time (or the tool itself).
        let measured = gnuTime.map { [$0, "-q", "-f", "%M", "-o", peakPath, tool] } ?? [tool]
        let argv = ["/bin/sh", "-c", "ulimit -v \(memoryCapMB * 1024) && exec \"$@\"", "sh"] + measured + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PIX2PIX_THREADS"] = "1"
        let envp = environment.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of this process: other tests run alongside, and a descriptor they opened (an
        // HDF5 file holds an flock) must not live on in a child.
        _ = closeFrom?(&actions, 3)
        // Its own process group, so that a timeout kills the tool and not only GNU time.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnvp = envp.map { strdup($0) } + [nil]
        defer { (cArgv + cEnvp).forEach { free($0) } }
        let started = Date()
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArgv, cEnvp)
        guard spawned == 0 else {
            return ProcessResult(exitCode: 127, signal: nil, timedOut: false, seconds: 0, peakMemoryMB: 0,
                                 stderr: "posix_spawn failed: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var timedOut = false
        var sampledKB = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if gnuTime == nil { sampledKB = max(sampledKB, highWaterKB(of: pid)) }
            if !timedOut && Date().timeIntervalSince(started) > timeout {
                kill(-pid, SIGKILL)
                timedOut = true
            }
            usleep(2_000)
        }
        let seconds = Date().timeIntervalSince(started)
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        var exitCode: Int32, signal: Int32?
        if status & 0x7F == 0 {
            exitCode = (status >> 8) & 0xFF
            // GNU time reports a tool killed by a signal as "Command terminated by signal N", exit 128 + N.
            if gnuTime != nil, let range = stderr.range(of: "Command terminated by signal "),
               let n = Int32(stderr[range.upperBound...].prefix { $0.isNumber }) {
                signal = n
                exitCode = 128 + n
            }
        } else {
            signal = status & 0x7F
            exitCode = 128 + status & 0x7F
        }
        let peakKB = gnuTime == nil ? sampledKB
            : Int(((try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? "").split(separator: "\n").last.map(String.init) ?? "") ?? 0
        return ProcessResult(exitCode: exitCode, signal: signal, timedOut: timedOut, seconds: seconds,
                             peakMemoryMB: Double(peakKB) / 1024, stderr: stderr)
    }

    /// VmHWM (peak resident KB) of a live process, or 0.
    static func highWaterKB(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
#endif
