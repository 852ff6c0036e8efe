import Checkpoint
import Foundation
import Pix2Pix
import Testing

/// (c)–(f): who writes, exact resume, a killed rank and a stop request sent to one rank.
@Suite("mpirun runs: writer, resume, failures", .serialized)
struct MPIRunTests {
    static func common(_ data: String, steps: Int) -> [String] {
        MPITrainingTests.networks + ["--data", data, "--steps", "\(steps)", "--seed", "11"]
    }

    /// Lines mpirun tagged (`--tag-output`) as written by `rank`.
    static func lines(of rank: Int, in outcome: MPIHarness.Outcome) -> [String] {
        (outcome.stdout + outcome.stderr).split(separator: "\n").map(String.init).filter { $0.contains(",\(rank)]<std") }
    }

    @Test("Only rank 0 writes the run directory and prints; config and checkpoint record the world size")
    func onlyRankZeroWrites() throws {
        let dir = try MPIHarness.temporaryDirectory("writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try MPIHarness.makePairs(at: data, indices: Array(0..<4))
        // A relative --out: each rank runs in its own directory (rank0/, rank1/).
        let run = try MPIHarness.mpirun(ranks: 2, Self.common(data, steps: 3) + ["--out", "run", "--checkpoint-every", "1", "--sample-every", "1"], in: dir)
        #expect(run.status == 0, "\(run.text)")
        let written = RunDirectory(dir.appendingPathComponent("rank0/run"))
        #expect(FileManager.default.fileExists(atPath: written.latest.path))
        #expect(try written.readLog().map(\.step) == [1, 2, 3])
        #expect(try written.readConfig().worldSize == 2)
        #expect(FileManager.default.fileExists(atPath: written.sample(step: 3).path))
        let progress = try CheckpointFile(contentsOf: written.latest).header.sections["training"]?["progress"]
        #expect(progress?["world_size"]?.intValue == 2)
        #expect(progress?["rank_dropout_rng"]?.arrayValue?.count == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("rank1/run").path), "rank 1 wrote a run directory")
        #expect(Self.lines(of: 1, in: run).isEmpty, "rank 1 printed: \(Self.lines(of: 1, in: run))")
        #expect(Self.lines(of: 0, in: run).contains { $0.contains("2 ranks × batch 1") }, "\(run.text)")
    }

    @Test("A 2-rank run stopped and resumed with 2 ranks ends bit for bit as an uninterrupted one (dropout on, per-rank batch norm)")
    func exactResume() throws {
        let dir = try MPIHarness.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try MPIHarness.makePairs(at: data, indices: Array(0..<6))
        let full = try MPIHarness.mpirun(ranks: 2, Self.common(data, steps: 6) + ["--out", "full"], in: dir)
        #expect(full.status == 0, "\(full.text)")
        let first = try MPIHarness.mpirun(ranks: 2, Self.common(data, steps: 3) + ["--out", "part"], in: dir)
        #expect(first.status == 0, "\(first.text)")
        // Rank 1 has no run directory: it resumes from what rank 0 reads and sends.
        let second = try MPIHarness.mpirun(ranks: 2, ["train", "--resume", "part", "--steps", "6", "--plain"], in: dir)
        #expect(second.status == 0, "\(second.text)")
        let a = try MPIHarness.tensors(RunDirectory(dir.appendingPathComponent("rank0/full")).latest)
        let b = try MPIHarness.tensors(RunDirectory(dir.appendingPathComponent("rank0/part")).latest)
        #expect(a.keys.sorted() == b.keys.sorted())
        let differing = a.keys.sorted().filter { a[$0] != b[$0] }
        #expect(differing.isEmpty, "tensors that differ after the resume: \(differing.prefix(8))")
        let logA = try RunDirectory(dir.appendingPathComponent("rank0/full")).readLog().map { [$0.step] + [$0.losses.gGAN, $0.losses.gL1, $0.losses.dReal, $0.losses.dFake].map { Int($0.bitPattern) } }
        let logB = try RunDirectory(dir.appendingPathComponent("rank0/part")).readLog().map { [$0.step] + [$0.losses.gGAN, $0.losses.gL1, $0.losses.dReal, $0.losses.dFake].map { Int($0.bitPattern) } }
        #expect(logA == logB)
    }

    /// Starts a long 2-rank run, waits for its first checkpoint, then sends `signal` to rank 1 alone
    /// (or, with `toMpirun`, to mpirun, which forwards some signals to every rank).
    static func signalRankOne(_ signal: Int32, label: String, toMpirun: Bool = false) throws -> (outcome: MPIHarness.Outcome, dir: URL, sentAfter: Double) {
        let dir = try MPIHarness.temporaryDirectory(label)
        let data = dir.appendingPathComponent("pairs.h5").path
        try MPIHarness.makePairs(at: data, indices: Array(0..<4))
        var sent = Date()
        let outcome = try MPIHarness.mpirun(ranks: 2, Self.common(data, steps: 1_000_000) + ["--out", "run", "--epochs", "100000", "--checkpoint-every", "2"],
                                            in: dir, timeout: 120) { process in
            let latest = RunDirectory(dir.appendingPathComponent("rank0/run")).latest.path
            let pidFile = dir.appendingPathComponent("rank1/pid").path
            let start = Date()
            while process.isRunning && Date().timeIntervalSince(start) < 90
                    && !(FileManager.default.fileExists(atPath: latest) && FileManager.default.fileExists(atPath: pidFile)) { usleep(20_000) }
            usleep(300_000)
            if toMpirun {
                // The harness runs `timeout … mpirun …`: mpirun is timeout's child.
                if let pid = MPIHarness.children(of: process.processIdentifier).first {
                    kill(pid, signal)
                    sent = Date()
                }
            } else if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, signal)
                sent = Date()
            }
        }
        return (outcome, dir, Date().timeIntervalSince(sent))
    }

    @Test("Killing one rank ends the job within seconds, non-zero, naming the rank; latest.pzck stays complete and resumes")
    func killedRank() throws {
        let (outcome, dir, after) = try Self.signalRankOne(SIGKILL, label: "kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(outcome.status != 0 && outcome.status != 124, "\(outcome.text)")
        #expect(after < 20, "the job ran on for \(after) s after rank 1 died")
        #expect((outcome.stdout + outcome.stderr).contains("rank 1"), "\(outcome.text)")
        let run = RunDirectory(dir.appendingPathComponent("rank0/run"))
        let file = try CheckpointFile(contentsOf: run.latest)
        try file.verifyData()
        let step = try #require(file.header.sections["training"]?["progress"]?["step"]?.intValue)
        #expect(step % 2 == 0 && step > 0)
        let resumed = try MPIHarness.mpirun(ranks: 2, ["train", "--resume", "run", "--steps", "\(step + 1)", "--plain", "--quiet"], in: dir)
        #expect(resumed.status == 0, "\(resumed.text)")
        #expect(try run.readLog().last?.step == step + 1)
    }

    @Test("SIGTERM to one rank stops every rank at the same step with a saved checkpoint; every rank exits 143")
    func stopOneRank() throws {
        let (outcome, dir, _) = try Self.signalRankOne(SIGTERM, label: "term")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The ranks agree on the status of the signal that was sent (not 130 from a rank that followed).
        #expect(outcome.status == 143, "\(outcome.text)")
        let text = outcome.stdout + outcome.stderr
        let run = RunDirectory(dir.appendingPathComponent("rank0/run"))
        let step = try #require(try CheckpointFile(contentsOf: run.latest).header.sections["training"]?["progress"]?["step"]?.intValue)
        #expect(text.contains("interrupted at step \(step);"), "\(outcome.text)")
        #expect(try run.readLog().last?.step == step)
        #expect(!text.contains("MPI_ABORT"), "\(outcome.text)")
    }

    @Test("SIGUSR1 to mpirun (forwarded to every rank) stops them at one step with a saved checkpoint; exit 138")
    func stopThroughMpirun() throws {
        let (outcome, dir, _) = try Self.signalRankOne(SIGUSR1, label: "usr1", toMpirun: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(outcome.status == 138, "\(outcome.text)")
        let run = RunDirectory(dir.appendingPathComponent("rank0/run"))
        let step = try #require(try CheckpointFile(contentsOf: run.latest).header.sections["training"]?["progress"]?["step"]?.intValue)
        #expect((outcome.stdout + outcome.stderr).contains("interrupted at step \(step);"), "\(outcome.text)")
        #expect(try run.readLog().last?.step == step)
    }

    @Test("A rank that fails (its data is missing) ends the whole job at once with its error, naming the rank")
    func failingRank() throws {
        let dir = try MPIHarness.temporaryDirectory("fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A relative --data that only rank 0's directory holds.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("rank0"), withIntermediateDirectories: true)
        try MPIHarness.makePairs(at: dir.appendingPathComponent("rank0/pairs.h5").path, indices: Array(0..<4))
        let run = try MPIHarness.mpirun(ranks: 2, Self.common("pairs.h5", steps: 1000) + ["--out", "run"], in: dir, timeout: 60)
        #expect(run.status != 0 && run.status != 124, "\(run.text)")
        #expect(run.seconds < 30, "\(run.text)")
        let text = run.stdout + run.stderr
        #expect(text.contains("rank 1 of 2") && text.contains("pairs.h5: cannot open the training data"), "\(run.text)")
    }

    @Test("Commands that do not run as ranks refuse under mpirun instead of running once per rank")
    func otherCommandsRefuse() throws {
        let dir = try MPIHarness.temporaryDirectory("refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MPIHarness.mpirun(ranks: 2, ["models"], in: dir, timeout: 60)
        #expect(run.status != 0 && run.status != 124, "\(run.text)")
        #expect((run.stdout + run.stderr).contains("pix2pix models does not run as several MPI ranks"), "\(run.text)")
        let single = try MPIHarness.launch(["mpirun", "-np", "1", try MPIHarness.executable.path, "models"], in: dir, timeout: 60)
        #expect(single.status == 0, "\(single.text)")
    }
}
