import Checkpoint
import Foundation
import Pix2Pix
import Testing

/// (b) Without synchronised batch norm each rank's gradient is what one process computes on that
/// rank's pairs, and the all-reduce averages them. Adam's first moment after one step is exactly
/// (1 − β1)·g = g / 2 (β1 = 0.5), so the checkpoints hold the gradients: one-pair runs give each
/// rank's gradient, the two-rank run the averaged one.
@Suite("Gradient all-reduce under mpirun", .serialized)
struct MPIGradientTests {
    /// With `--allreduce-precision bf16` the gradients travel as bfloat16 (8 significant bits): the
    /// mean of all of them holds to a few parts in a thousand (one tensor alone can be worse where the
    /// two ranks' gradients cancel), so that case compares ‖Δ‖ / ‖g‖ over the whole network.
    @Test("The all-reduced gradient equals the mean of the two single-rank gradients (D: l1+cgan; G: l1, where G's gradient does not depend on D's update; and over bf16)",
          arguments: [("l1+cgan", "optimizer.discriminator.", "fp32", 1e-5), ("l1", "optimizer.generator.", "fp32", 1e-5),
                      ("l1", "optimizer.generator.", "bf16", 1e-2)])
    func meanOfRanks(objective: String, prefix: String, precision: String, tolerance: Double) throws {
        let dir = try MPIHarness.temporaryDirectory("gradient")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, indices) in [("pair0", [0]), ("pair1", [1]), ("both", [0, 1])] {
            try MPIHarness.makePairs(at: dir.appendingPathComponent("\(name).h5").path, indices: indices)
        }
        // No flips and no crops: the one-pair runs see their pair exactly as the ranks do.
        let common = MPITrainingTests.networks + ["--objective", objective, "--no-dropout", "--no-flip", "--steps", "1",
                                                  "--batch-size", "1", "--seed", "5"]
        var singles: [[String: [Float]]] = []
        for k in 0..<2 {
            let out = dir.appendingPathComponent("single\(k)")
            let run = try MPIHarness.single(common + ["--data", dir.appendingPathComponent("pair\(k).h5").path, "--out", out.path], in: dir)
            #expect(run.status == 0, "\(run.text)")
            singles.append(try MPIHarness.tensors(RunDirectory(out).latest))
        }
        let out = dir.appendingPathComponent("ranks")
        let run = try MPIHarness.mpirun(ranks: 2, common + ["--data", dir.appendingPathComponent("both.h5").path, "--out", out.path,
                                                            "--allreduce-precision", precision], in: dir)
        #expect(run.status == 0, "\(run.text)")
        let reduced = try MPIHarness.tensors(RunDirectory(out).latest)

        var mean: [String: [Float]] = [:]
        for (name, x) in singles[0] where name.hasPrefix(prefix) && name.hasSuffix(".exp_avg") {
            let y = try #require(singles[1][name])
            mean[name] = zip(x, y).map { ($0 + $1) / 2 }
        }
        #expect(mean.count >= 4, "found \(mean.count) first moments under \(prefix)")
        let worst = precision == "bf16"
            ? (name: "all tensors together", value: MPIHarness.relativeDifference(reduced, mean))
            : MPIHarness.worstRelativeDifference(reduced, mean, prefixes: [prefix])
        #expect(worst.value <= tolerance, "\(objective), \(precision): \(worst.name) differs from the mean of the ranks' gradients by \(worst.value) (relative)")
        if precision == "bf16" { #expect(worst.value > 1e-5, "bf16 gradients should not be exact (\(worst.value))") }
        // And the two ranks' gradients differ (the test would pass trivially otherwise).
        let apart = MPIHarness.worstRelativeDifference(singles[0], singles[1], prefixes: [prefix])
        #expect(apart.value > 1e-3)
    }
}
