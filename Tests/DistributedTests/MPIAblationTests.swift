import Foundation
import Pix2Pix
import Testing

/// `mpirun -np 2 pix2pix ablate`: the runs spread one per rank, against one process.
@Suite("Ablations under mpirun", .serialized)
struct MPIAblationTests {
    static let arguments = ["ablate", "--generators", "unet_64", "--discriminators", "patchgan_16", "--ngf", "8", "--ndf", "8",
                            "--crop-size", "64", "--load-size", "64", "--threads", "1", "--plain", "--seeds", "1,2,3", "--steps", "3"]

    /// A run's result without its wall-clock times (the only thing that may differ between machines' runs).
    static func timeless(_ run: AblationRunResult) -> AblationRunResult {
        var run = run
        run.trainingSeconds = 0
        run.secondsPerStep = 0
        run.convergence?.seconds = nil
        return run
    }

    @Test("Run i trains on rank i mod 2 (3 runs: ranks 0, 1, 0); rank 0 alone prints and writes the report; results and weights equal one process's")
    func runsSpreadOverRanks() throws {
        let dir = try MPIHarness.temporaryDirectory("ablate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try MPIHarness.makePairs(at: data, indices: Array(0..<4), val: [7, 8])
        let single = try MPIHarness.single(Self.arguments + ["--data", data, "--out", dir.appendingPathComponent("single").path], in: dir, timeout: 300)
        try #require(single.status == 0, "\(single.text)")
        // An absolute --out: the ranks run in their own working directories but share the folder.
        let spread = dir.appendingPathComponent("spread")
        let ranks = try MPIHarness.mpirun(ranks: 2, Self.arguments + ["--data", data, "--out", spread.path], in: dir, timeout: 300)
        try #require(ranks.status == 0, "\(ranks.text)")

        #expect(MPIRunTests.lines(of: 1, in: ranks).isEmpty, "rank 1 printed: \(MPIRunTests.lines(of: 1, in: ranks))")
        let rankZero = MPIRunTests.lines(of: 0, in: ranks)
        #expect(rankZero.filter { $0.contains("report: \(spread.path)/report.html") }.count == 1, "\(ranks.text)")
        #expect(rankZero.contains { $0.contains("[2/3]") && $0.contains("trained on rank 1") }, "\(ranks.text)")
        for name in ["report.md", "report.html", "results.csv", "results.json", "samples.png", "plan.json"] {
            #expect(FileManager.default.fileExists(atPath: spread.appendingPathComponent(name).path), "\(name) missing")
        }

        let decoder = JSONDecoder()
        let a = try decoder.decode(AblationResults.self, from: Data(contentsOf: spread.appendingPathComponent("results.json")))
        let b = try decoder.decode(AblationResults.self, from: Data(contentsOf: dir.appendingPathComponent("single/results.json")))
        #expect(a.runs.map(\.seed) == [1, 2, 3])
        #expect(a.runs.map(Self.timeless) == b.runs.map(Self.timeless))
        #expect(a.summaries.map { [$0.l1.mean, $0.l1.sd, $0.psnr.mean, $0.ssim.mean] } == b.summaries.map { [$0.l1.mean, $0.l1.sd, $0.psnr.mean, $0.ssim.mean] })

        let runner = try AblationRunner(plan: try decoder.decode(AblationPlan.self, from: Data(contentsOf: spread.appendingPathComponent("plan.json"))),
                                        directory: spread)
        let reference = try AblationRunner(plan: runner.plan, directory: dir.appendingPathComponent("single"))
        for (index, seed) in [UInt64(1), 2, 3].enumerated() {
            let variant = runner.plan.variants[0]
            let run = runner.runDirectory(variant, seed: seed)
            // Which rank trained it, as its config records.
            let config = try run.readConfig()
            #expect(config.command?.hasSuffix("on rank \(index % 2) of 2") == true, "\(config.command ?? "no command")")
            #expect((config.worldSize ?? 1) == 1)
            let x = try MPIHarness.tensors(run.latest), y = try MPIHarness.tensors(reference.runDirectory(variant, seed: seed).latest)
            #expect(x.keys.sorted() == y.keys.sorted())
            let differing = y.keys.sorted().filter { x[$0] != y[$0] }
            #expect(differing.isEmpty, "seed \(seed): tensors that differ from one process's: \(differing.prefix(8))")
        }
    }
}
