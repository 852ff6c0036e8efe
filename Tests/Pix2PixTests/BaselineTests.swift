import Foundation
import Imaging
import Testing
@testable import Pix2Pix

@Suite("Baselines, train sample, convergence")
struct BaselineTests {
    /// Pairs whose B is `colours[i]` everywhere and A its gray (flat images).
    func flatData(_ dir: URL, train: [[UInt8]], val: [[UInt8]]) throws -> String {
        let path = dir.appendingPathComponent("flat.h5").path
        let writer = try HDF5PairWriter(path: path, width: 16, height: 16, channelsA: 1, channelsB: 3)
        for (split, colours) in [("train", train), ("val", val)] {
            for c in colours {
                let b = try Image(width: 16, height: 16, channels: 3, pixels: (0..<256).flatMap { _ in c })
                try writer.append(a: b.converted(toChannels: 1), b: b, split: split)
            }
        }
        try writer.finish()
        return path
    }

    @Test("identity scores the input against B; mean colour is the training set's mean B as a flat image")
    func baselines() throws {
        let dir = try TrainingData.temporaryDirectory("baselines")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try flatData(dir, train: [[255, 0, 0], [0, 0, 255]], val: [[128, 128, 128], [0, 0, 0]])
        let train = try openPairedDataset(path: path, split: "train"), val = try openPairedDataset(path: path, split: "val")
        let colour = try Baselines.meanColour(of: train, size: 16, channels: 3)
        #expect(abs(colour[0] - 0.5) < 1e-6 && abs(colour[1]) < 1e-6 && abs(colour[2] - 0.5) < 1e-6)
        let b = try Baselines.measure(on: val, training: train, size: 16, channels: 3)
        // A gray B is its own gray input: the identity is exact there (100 dB), black too.
        #expect(b.identity.count == 2 && b.identity.l1 < 1e-6 && b.identity.psnr == 100)
        // Mean colour (0.5, 0, 0.5) against (128/255 gray) and black: L1 = mean |Δ| per pair.
        let gray = 128.0 / 255
        let expected = ((abs(0.5 - gray) + gray + abs(0.5 - gray)) / 3 + (0.5 + 0 + 0.5) / 3) / 2
        #expect(abs(try #require(b.meanColour).l1 - expected) < 1e-5)
        #expect(b.colour == colour)
        // Without training data, no mean colour.
        #expect(try Baselines.measure(on: val, training: nil, size: 16, channels: 3).meanColour == nil)
    }

    @Test("train metrics use every pair up to the limit, else a seeded sample spanning the whole set")
    func trainingSample() {
        let sample = TrainingSample(limit: 8)
        #expect(sample.indices(count: 5) == [0, 1, 2, 3, 4])
        let picked = sample.indices(count: 800)
        #expect(picked.count == 8 && picked == picked.sorted() && Set(picked).count == 8)
        // One per slice of 100: never the first N.
        for (k, index) in picked.enumerated() { #expect(index >= k * 100 && index < (k + 1) * 100) }
        #expect(picked != Array(0..<8))
        #expect(TrainingSample(limit: 8).indices(count: 800) == picked)
        #expect(TrainingSample(limit: 8, seed: 99).indices(count: 800) != picked)
        #expect(sample.describe(count: 800).contains("8 of the 800"))
    }

    @Test("convergence is the first logged step whose training L1 on [0, 1] is under the threshold")
    func convergence() throws {
        // λ·L1 on [-1, 1] = 100 · 2 · L1 on [0, 1].
        let log = [0.5, 0.1, 0.03, 0.019, 0.025, 0.01].enumerated().map { i, l1 in
            TrainingLogRecord(step: i + 1, epoch: i, losses: StepLosses(gL1: Float(l1 * 200)), lr: 2e-4, seconds: Double(i + 1) * 0.5)
        }
        let c = try #require(Convergence.from(log: log, lambda: 100, threshold: 0.02))
        #expect(c.step == 4 && c.seconds == 2)
        #expect(abs(c.lowestL1 - 0.01) < 1e-6 && abs(c.finalL1 - 0.01) < 1e-6)
        let never = try #require(Convergence.from(log: Array(log.prefix(3)), lambda: 100, threshold: 0.02))
        #expect(never.step == nil && never.seconds == nil)
        #expect(Convergence.from(log: log, lambda: 0, threshold: 0.02) == nil)
    }
}
