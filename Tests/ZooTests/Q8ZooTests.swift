import Checkpoint
import Foundation
import Imaging
import Pix2Pix
import Tensor
import Testing
@testable import Zoo

/// Q8 storage of real models: publishing records it and what it cost; a trained generator stored as
/// Q8 gives outputs within a stated tolerance of the weights it came from.
@Suite("Q8 models", .serialized)
struct Q8ZooTests {
    /// Largest allowed |Q8 output − F32 output| of a shipped model, outputs in [-1, 1] (2 / 255 is
    /// one 8-bit grey level). Measured on the shipped models' three sample inputs and golden input
    /// (49 152 outputs each): gray2color 1.0.0 max 0.023 / mean 0.0015, edges2photo 1.0.0 max 0.015 /
    /// mean 0.0019. Why it is small: Q8's step is max |w| / 127 per output channel, so each weight
    /// moves by at most 0.4 % of its channel's largest weight, and the errors of a channel's many
    /// inputs partly cancel; batch norm's statistics stay F32 and tanh compresses the output. The
    /// bound, about 8 grey levels, leaves 2.5× headroom for retrained models; a wrong scale or a
    /// misplaced int8 goes far beyond it. (It does not catch a wrong axis: on these small models one
    /// scale per tensor gives 0.026 / 0.024 and per input channel 0.034 / 0.014 — per-channel scales
    /// matter where a layer's channels differ in scale, see CheckpointTests' Q8 suite; the axes
    /// themselves are checked against the layer types in Pix2PixTests.)
    static let tolerance: Float = 0.06
    /// Largest allowed mean |difference| over all output values (about 1 grey level).
    static let meanTolerance: Float = 0.008

    static let shipped = ZooStore(root: ZooFixtures.packageRoot.appendingPathComponent("Zoo"))

    @Test("each shipped model stored as Q8: outputs within the stated tolerance of F32, file about a quarter of F32",
          arguments: ["gray2color", "edges2photo"])
    func shippedModelAsQ8(id: String) throws {
        let entry = try #require(Self.shipped.entry(id: id), "Zoo/ has no \(id)")
        let dir = try ZooFixtures.temporaryDirectory("q8-\(id)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The weights as shipped, in Float32, are the reference (the "F32 model").
        let loaded = try ModelCheckpoint.loadGenerator(from: entry.modelFile)
        var sizes: [StorageType: Int] = [:]
        for storage in [StorageType.f32, .f16, .q8] {
            let url = dir.appendingPathComponent("\(storage.rawValue).pzck")
            try ModelCheckpoint.saveInference(generator: loaded.network, architecture: loaded.architecture, to: url,
                                              storage: storage, compressionLevel: 9)
            sizes[storage] = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        }
        let reference = try Translator(checkpoint: dir.appendingPathComponent("F32.pzck"))
        let q8 = try Translator(checkpoint: dir.appendingPathComponent("Q8.pzck"))
        var inputs: [Tensor] = []
        for sample in entry.card.samples {
            inputs.append(try reference.networkInput(try Image.read(path: entry.directory.appendingPathComponent(sample.input).path)).tensor)
        }
        let golden = try CheckpointFile(contentsOf: entry.directory.appendingPathComponent(entry.card.golden.file)).tensor(named: "input")
        inputs.append(try Tensor(shape: golden.shape, values: golden.values))
        var maxDiff: Float = 0, sum: Double = 0, count = 0
        for input in inputs {
            let a = try reference.run(input).scalars, b = try q8.run(input).scalars
            for (x, y) in zip(a, b) {
                maxDiff = max(maxDiff, abs(x - y))
                sum += Double(abs(x - y))
            }
            count += a.count
        }
        let mean = Float(sum / Double(count))
        #expect(maxDiff <= Self.tolerance && mean <= Self.meanTolerance, "\(entry.reference): max |Δ| \(maxDiff), mean \(mean)")
        if entry.card.storage == "Q8" {
            // Shipped as Q8 already: its weights are int8 × scale, so quantising them again must give
            // the same int8 values and the same outputs (the F32 comparison is the card's storage
            // effect, measured at publish time against the training run's F32 weights).
            #expect(maxDiff == 0, "\(entry.reference): Q8 of Q8 weights changed the output by \(maxDiff)")
            let effect = try #require(entry.card.metrics?.storageEffect)
            #expect(effect.reference == "F32" && abs(effect.l1) < 0.002 && abs(effect.psnr) < 0.1, "\(entry.reference): \(effect)")
        } else {
            #expect(maxDiff > 0, "Q8 is not exact")
        }
        // Shipped weights that are F16 or Q8 values compress unusually well as F32 (their low bytes repeat):
        // compare with the raw F32 bytes too.
        let rawF32 = loaded.network.parameterCount * 4
        #expect(sizes[.q8]! * 4 < rawF32 * 5 / 4 && sizes[.q8]! < sizes[.f16]! * 3 / 5, "\(sizes), raw F32 \(rawF32)")
    }

    @Test("zoo publish --storage q8: the card records Q8 and the storage effect against the source F32 weights; zoo verify passes")
    func publishQ8() throws {
        let dir = try ZooFixtures.temporaryDirectory("q8-publish")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ZooFixtures.makeRun(in: dir, steps: 3)
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        var request = ZooFixtures.request(run)
        request.storage = .q8
        request.trainModeMetrics = false
        let entry = try zoo.publish(request)
        #expect(entry.card.storage == "Q8")
        let file = try CheckpointFile(contentsOf: entry.modelFile)
        #expect(Set(file.entries.map(\.dtype)) == [.q8, .f32])
        #expect(file.entries.allSatisfy { ($0.dtype == .q8) == ($0.shape.count == 4) && ($0.dtype != .q8 || $0.quantization?.channelAxis != nil) })
        let metrics = try #require(entry.card.metrics)
        let effect = try #require(metrics.storageEffect)
        #expect(effect.reference == "F32")
        // The same measure, made here: stored (Q8) minus the run's own F32 weights, same pairs.
        let val = try openPairedDataset(path: dir.appendingPathComponent("run-pairs.h5").path, split: "val")
        func evaluate(_ url: URL) throws -> EvaluationResult {
            let g = try ModelCheckpoint.loadGenerator(from: url)
            return try Evaluator.evaluate(generator: g.network, dataset: val, size: 64, channelsA: 1, channelsB: 3, mode: .eval)
        }
        let stored = try evaluate(entry.modelFile), source = try evaluate(run.appendingPathComponent("latest.pzck"))
        #expect(stored == metrics.eval)
        #expect(effect == ModelCard.StorageEffect(reference: "F32", l1: stored.l1 - source.l1, psnr: stored.psnr - source.psnr,
                                                  ssim: stored.ssim - source.ssim))
        #expect(abs(effect.psnr) < 1 && effect != ModelCard.StorageEffect(reference: "F32", l1: 0, psnr: 0, ssim: 0))
        #expect(entry.card.readme.contains("Storage effect (Q8 − F32, eval mode, same pairs): L1 "))
        let report = try zoo.verify()
        #expect(report.isClean, "\(report.problems.map(\.description))")

        // F32 storage has no effect to record.
        var plain = ZooFixtures.request(run, version: "1.0.1")
        plain.storage = .f32
        plain.trainModeMetrics = false
        #expect(try zoo.publish(plain).card.metrics?.storageEffect == nil)
        // A card written before the field existed still decodes.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(entry.card.encoded())) as? [String: Any])
        var m = try #require(json["metrics"] as? [String: Any])
        m["storage_effect"] = nil
        json["metrics"] = m
        let old = try ModelCard.decode(try JSONSerialization.data(withJSONObject: json), path: "old/card.json")
        #expect(old.metrics?.storageEffect == nil && old.metrics?.eval == metrics.eval)
    }
}
