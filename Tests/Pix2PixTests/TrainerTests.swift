import Base
import Checkpoint
import Foundation
import Imaging
import NN
import Tensor
import Testing
@testable import Pix2Pix

@Suite("Trainer", .serialized)
struct TrainerTests {
    @Test("one pix2pix step per batch lowers the L1 term on a fixed batch")
    func stepLearns() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 4, "input_channels": 1, "output_channels": 3], discriminatorOverrides: ["ndf": 4], seed: 1)
        let step = try Pix2PixStep(model: model, learningRate: 1e-3)
        let b = try TrainingData.picture(3)
        let bt = try Tensor(shape: [1, 64, 64, 3], values: FloatImage(b).values.map { $0 * 2 - 1 })
        let at = try Tensor(shape: [1, 64, 64, 1], values: FloatImage(b.converted(toChannels: 1)).values.map { $0 * 2 - 1 })
        let first = try step.run(a: at, b: bt)
        var last = first
        for _ in 0..<50 { last = try step.run(a: at, b: bt) }
        #expect(first.isFinite && last.isFinite)
        #expect(last.gL1 < first.gL1 * 0.75, "λ·L1 went from \(first.gL1) to \(last.gL1)")
        #expect(first.dReal > 0 && first.dFake > 0 && first.gGAN > 0)
    }

    @Test("no gradient outlives a step: both networks' are freed after their optimizer steps")
    func gradientsFreedAfterStep() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 4], discriminatorOverrides: ["ndf": 4], seed: 2)
        let step = try Pix2PixStep(model: model)
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.uniform([1, 64, 64, 3], low: -1, high: 1, using: &rng)
        let b = Tensor.uniform([1, 64, 64, 3], low: -1, high: 1, using: &rng)
        let before = model.generator.stateDict().mapValues(\.scalars)
        try step.run(a: a, b: b)
        // Both networks were updated (each parameter took a step), and hold no gradient now.
        #expect(model.generator.stateDict().mapValues(\.scalars) != before)
        #expect(step.generatorOptimizer.exportState().0.steps.count == model.generator.namedParameters().count)
        #expect(step.discriminatorOptimizer.exportState().0.steps.count == model.discriminator.namedParameters().count)
        let held = (model.generator.namedParameters() + model.discriminator.namedParameters()).filter { $0.tensor.grad != nil }
        #expect(held.isEmpty, "gradients still held: \(held.map(\.key))")
    }

    @Test("the L1-only objective trains no discriminator; gan uses an unconditional D")
    func objectives() throws {
        let dir = try TrainingData.temporaryDirectory("objectives")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2], val: [])
        var o = TrainingData.tinyOptions(steps: 2)
        o.objective = .l1
        let l1Run = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: RunDirectory(dir.appendingPathComponent("l1")))
        let dBefore = l1Run.model.discriminator.stateDict().mapValues(\.scalars)
        _ = try l1Run.train()
        #expect(l1Run.model.discriminator.stateDict().mapValues(\.scalars) == dBefore)
        #expect(try RunDirectory(dir.appendingPathComponent("l1")).readLog().allSatisfy { $0.losses.gGAN == 0 && $0.losses.gL1 > 0 })

        o.objective = .gan
        let ganRun = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: RunDirectory(dir.appendingPathComponent("gan")))
        #expect(ganRun.model.discriminator.inputChannels == 3)  // B only
        #expect(!ganRun.model.conditional)
        _ = try ganRun.train()
        #expect(try RunDirectory(dir.appendingPathComponent("gan")).readLog().allSatisfy { $0.losses.gL1 == 0 && $0.losses.gGAN > 0 })
    }

    @Test("an interrupted and resumed run reproduces the uninterrupted run's losses and weights exactly")
    func exactResume() throws {
        let dir = try TrainingData.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2, 3], val: [4])
        var o = TrainingData.tinyOptions(steps: 8)
        o.loadSize = 72  // random crops and flips: the data order and jitter must resume too
        o.flip = true
        o.epochs = 1
        o.epochsDecay = 2  // the learning rate changes at each epoch end (3 steps)

        let straightDir = RunDirectory(dir.appendingPathComponent("straight"))
        let straight = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: straightDir)
        guard case .finished(let steps, _) = try straight.train() else { Issue.record("not finished"); return }
        #expect(steps == 8)

        let splitDir = RunDirectory(dir.appendingPathComponent("split"))
        let first = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: splitDir)
        first.shouldStop = { first.step == 4 }
        guard case .interrupted(let at, let checkpoint) = try first.train() else { Issue.record("not interrupted"); return }
        #expect(at == 4)
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let resumed = try Trainer(config: try splitDir.readConfig(), runDirectory: splitDir, mode: .resume)
        #expect(resumed.step == 4)
        _ = try resumed.train()

        let a = try straightDir.readLog(), b = try splitDir.readLog()
        #expect(a.count == 8 && b.count == 8)
        #expect(a.map(\.losses) == b.map(\.losses))
        #expect(a.map(\.lr) == b.map(\.lr))
        #expect(Set(a.map(\.lr)).count == 3, "the linear decay changes the rate at each epoch end")
        let wa = straight.model.generator.stateDict(), wb = resumed.model.generator.stateDict()
        #expect(wa.keys.sorted() == wb.keys.sorted())
        #expect(wa.keys.allSatisfy { wa[$0]!.scalars == wb[$0]!.scalars })
    }

    @Test("a resume computes with the thread count the run recorded, not the one in effect, and matches the uninterrupted run bit for bit")
    func resumeKeepsThreads() throws {
        let dir = try TrainingData.temporaryDirectory("resume-threads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2, 3], val: [])
        var o = TrainingData.tinyOptions(steps: 6)
        o.logEvery = 1
        o.threads = Threads.count + 1  // never the count in effect, so a resume that ignored it would differ

        let straightDir = RunDirectory(dir.appendingPathComponent("straight"))
        let straight = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: straightDir)
        _ = try straight.train()

        let splitDir = RunDirectory(dir.appendingPathComponent("split"))
        let first = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: splitDir)
        first.shouldStop = { first.step == 2 }
        guard case .interrupted(2, _) = try first.train() else { Issue.record("not interrupted at step 2"); return }
        // What `pix2pix train --resume DIR` does: the saved config, no --threads.
        let saved = try splitDir.readConfig()
        #expect(saved.options.threads == o.threads)
        let resumed = try Trainer(config: saved, runDirectory: splitDir, mode: .resume)
        var countsSeen: Set<Int> = []
        resumed.onProgress = { _ in countsSeen.insert(Threads.count) }
        _ = try resumed.train()
        #expect(countsSeen == [o.threads!], "the resumed steps ran with \(countsSeen) threads")
        let a = try straightDir.readLog(), b = try splitDir.readLog()
        #expect(a.count == 6 && a.map(\.losses) == b.map(\.losses))

        // A different --threads on resume is refused, naming the flag and the recorded count;
        // a config from before counts were recorded takes the requested one.
        var other = saved.options
        other.threads = 1
        #expect { try saved.options.resumed(with: other, configPath: "config.json") } throws: { error in
            guard case TrainingError.invalidOption("--threads", let message) = error else { return false }
            return message.contains("\(o.threads!) thread(s)") && message.contains("config.json")
        }
        var legacy = saved.options
        legacy.threads = nil
        #expect(try legacy.resumed(with: other, configPath: "config.json").threads == 1)
        let json = try JSONEncoder().encode(legacy)
        #expect(!String(decoding: json, as: UTF8.self).contains("threads"))
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: json).threads == nil)
    }

    @Test("a stop requested before the first step saves a step-0 checkpoint that resumes; the config and log refuse FIFOs")
    func stopBeforeFirstStep() throws {
        let dir = try TrainingData.temporaryDirectory("stop-0")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2], val: [])
        let run = RunDirectory(dir.appendingPathComponent("run"))
        let trainer = try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(steps: 2), data: data), runDirectory: run)
        trainer.shouldStop = { true }
        guard case .interrupted(0, let checkpoint) = try trainer.train() else { Issue.record("not interrupted at step 0"); return }
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let resumed = try Trainer(config: try run.readConfig(), runDirectory: run, mode: .resume)
        guard case .finished(2, _) = try resumed.train() else { Issue.record("the resume did not finish"); return }

        // A FIFO in place of config.json is refused without blocking (stat before open).
        try FileManager.default.removeItem(at: run.config)
        #expect(mkfifo(run.config.path, 0o644) == 0)
        #expect { try run.readConfig() } throws: { error in
            guard case TrainingError.notResumable(_, let reason) = error else { return false }
            return reason.contains("FIFO")
        }
        #expect { try RunDirectory(URL(fileURLWithPath: data)).readConfig() } throws: { "\($0)".contains("not a run directory") }
    }

    @Test("a run writes config, checkpoint, log, samples, loss chart and validation metrics")
    func outputs() throws {
        let dir = try TrainingData.temporaryDirectory("outputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2], val: [5, 6])
        var o = TrainingData.tinyOptions(steps: 3)
        o.sampleEvery = 2
        let run = RunDirectory(dir.appendingPathComponent("run"))
        let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: run)
        guard case .finished(_, let metrics?) = try trainer.train() else { Issue.record("no metrics"); return }
        #expect(metrics.count == 2)
        #expect(metrics.ssim > -1 && metrics.ssim <= 1 && metrics.l1 > 0)
        for url in [run.config, run.latest, run.log, run.lossChart, run.metrics] {
            #expect(FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent) missing")
        }
        let samples = try FileManager.default.contentsOfDirectory(atPath: run.samples.path).sorted()
        #expect(samples == [RunDirectory.FileName.sample(step: 2), RunDirectory.FileName.sample(step: 3)])
        #expect(samples.first == "step_0000002.png")
        let grid = try Image.read(path: run.samples.appendingPathComponent(samples[0]).path)
        #expect(grid.width > 3 * 64 && grid.height > 4 * 64)  // 3 columns, 2 train + 2 val rows
        #expect(try run.readLog().map(\.step) == [1, 2, 3])
        let svg = try String(contentsOf: run.lossChart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        let config = try run.readConfig()
        #expect(config.validationSplit == "val" && { var x = config.options; x.threads = nil; return x }() == o)
        #expect((config.options.threads ?? 0) >= 1, "a new run records the thread count in effect")
        #expect(config.instructionSet == OneDNNInfo.instructionSet)
    }

    @Test("bad input fails before training, and an existing run is never overwritten silently")
    func badInput() throws {
        let dir = try TrainingData.temporaryDirectory("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1], val: [])
        let run = RunDirectory(dir.appendingPathComponent("run"))

        var o = TrainingData.tinyOptions()
        o.cropSize = 60
        o.loadSize = 60
        #expect { try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: run) } throws: { error in
            guard case TrainingError.incompatible(let message, _) = error else { return false }
            return message.contains("--crop-size 60") && message.contains("multiples of 64")
        }
        #expect(!FileManager.default.fileExists(atPath: run.url.path), "nothing is written when the options are rejected")

        o = TrainingData.tinyOptions()
        o.batchSize = 0
        #expect(throws: TrainingError.invalidOption(option: "--batch-size", message: "must be ≥ 1, got 0")) {
            try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: run)
        }

        let empty = dir.appendingPathComponent("empty.h5").path
        try TrainingData.makeHDF5(at: empty, train: [], val: [])
        #expect(throws: TrainingError.emptyDataset(path: empty, split: "train")) {
            try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(), data: empty), runDirectory: run)
        }

        #expect(throws: TrainingError.self) {
            try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(), data: dir.appendingPathComponent("missing.h5").path),
                        runDirectory: run)
        }

        // A run exists: a new one is refused, --overwrite replaces it, --resume with another architecture fails.
        _ = try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(steps: 1), data: data), runDirectory: run).train()
        #expect(throws: TrainingError.runExists(path: run.url.path)) {
            try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(), data: data), runDirectory: run)
        }
        var other = TrainingData.tinyOptions()
        other.generator = "encoder_decoder_64"
        #expect { try Trainer(config: TrainingRunConfig(options: other, data: data), runDirectory: run, mode: .resume) } throws: { error in
            guard case ModelFileError.architectureMismatch(_, let expected, let found) = error else { return false }
            return expected.contains("encoder_decoder_64") && found.contains("unet_64")
        }
        #expect(throws: TrainingError.self) {
            try Trainer(config: TrainingRunConfig(options: TrainingData.tinyOptions(), data: data),
                        runDirectory: RunDirectory(dir.appendingPathComponent("nothing-here")), mode: .resume)
        }
        _ = try Trainer(config: TrainingRunConfig(options: other, data: data), runDirectory: run, mode: .overwrite).train()
        #expect(try run.readConfig().options.generator == "encoder_decoder_64")
    }

    /// The seed's finding, at small scale: pix2pix learns one training pair, and does not generalise.
    @Test("one training pair is memorised, a held-out picture is not (the seed's finding)")
    func memorisation() throws {
        let dir = try TrainingData.temporaryDirectory("memorise")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [0], val: [0, 9])
        var o = TrainingData.tinyOptions(steps: 300)
        o.applyArchitectureFlags(ngf: 8, ndf: 8)
        o.discriminator = "patchgan_16"
        o.epochs = 300
        o.epochsDecay = 0
        o.learningRate = 1e-3  // faster than the reference's 2e-4, to keep the test short
        let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: RunDirectory(dir.appendingPathComponent("run")))
        let before = try evaluate(trainer)
        _ = try trainer.train()
        let after = try evaluate(trainer)
        #expect(after.train < before.train, "training did not lower the training pair's L1: \(before.train) → \(after.train)")
        #expect(after.train < 0.05, "the training pair's L1 on [0, 1] is \(after.train) (\(before.train) before training)")
        #expect(after.heldOut > 3 * after.train,
                "held-out L1 \(after.heldOut) (\(before.heldOut) before training) vs training \(after.train)")
    }

    func evaluate(_ trainer: Trainer) throws -> (train: Double, heldOut: Double) {
        let set = try openPairedDataset(path: trainer.config.data, split: "val")
        var results: [Double] = []
        for index in 0..<2 {
            let single = SubsetDataset(base: set, index: index)
            results.append(try Evaluator.evaluate(generator: trainer.model.generator, dataset: single, size: 64,
                                                  channelsA: 1, channelsB: 3, mode: .eval).l1)
        }
        trainer.model.generator.train()
        return (results[0], results[1])
    }
}

/// One pair of a dataset.
final class SubsetDataset: PairedDataset, @unchecked Sendable {
    let base: any PairedDataset
    let index: Int
    init(base: any PairedDataset, index: Int) { self.base = base; self.index = index }
    var name: String { "\(base.name)[\(index)]" }
    var count: Int { 1 }
    var width: Int { base.width }
    var height: Int { base.height }
    var channelsA: Int { base.channelsA }
    var channelsB: Int { base.channelsB }
    func pair(at i: Int) throws -> (a: Image, b: Image) { try base.pair(at: index) }
}
