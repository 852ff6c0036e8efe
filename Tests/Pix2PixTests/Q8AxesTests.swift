import Base
import Checkpoint
import Foundation
import NN
import Tensor
import Testing
@testable import Pix2Pix

/// Q8 storage keeps one scale per output channel: the axis of each weight must be right for every
/// registered network (0 for Conv2d's OIHW, 1 for ConvTranspose2d's IOHW).
@Suite("Q8 output-channel axes")
struct Q8AxesTests {
    let registry = Registry.shared

    @Test("for every registered variant, the axes derived from the config equal those of the built network, and every 4-D tensor has one")
    func derivedAxesMatchTheNetwork() throws {
        var checked = 0
        for name in registry.generatorNames {
            let entry = try registry.generator(named: name)
            let config = try entry.config(overrides: ["ngf": 2])
            let network = try entry.make(config: config, context: BuildContext(seed: 0))
            let derived = try entry.stateShapes(config: config).outputChannelAxes
            #expect(derived == ModelCheckpoint.outputChannelAxes(of: network), "\(name)")
            let weights = network.stateEntries().filter { $0.tensor.shape.count == 4 }.map(\.key)
            #expect(Set(weights) == Set(derived.keys), "\(name): every convolution weight has an axis")
            #expect(derived.values.contains(1) && derived.values.contains(0), "\(name): a U-Net / encoder-decoder has both kinds")
            checked += 1
        }
        for name in registry.discriminatorNames {
            let entry = try registry.discriminator(named: name)
            let config = try entry.config(overrides: ["ndf": 2], inputChannels: 4)
            let network = try entry.make(config: config, context: BuildContext(seed: 0))
            let derived = try entry.stateShapes(config: config).outputChannelAxes
            #expect(derived == ModelCheckpoint.outputChannelAxes(of: network) && derived.values.allSatisfy { $0 == 0 }, "\(name)")
            checked += 1
        }
        #expect(checked >= 8)
    }

    @Test("saveInference as Q8: convolution weights per output channel (axis 0 or 1), the rest F32; it loads close to F32")
    func savesQ8() throws {
        let dir = try TrainingData.temporaryDirectory("q8")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70",
                                     generatorOverrides: ["ngf": 4, "input_channels": 1, "output_channels": 3],
                                     discriminatorOverrides: ["ndf": 4], seed: 5)
        let url = dir.appendingPathComponent("q8.pzck"), f32 = dir.appendingPathComponent("f32.pzck")
        try ModelCheckpoint.saveInference(model, to: url, storage: .q8)
        try ModelCheckpoint.saveInference(model, to: f32, storage: .f32)
        let file = try CheckpointFile(contentsOf: url)
        let axes = ModelCheckpoint.outputChannelAxes(of: model.generator)
        for entry in file.entries {
            let key = String(entry.name.dropFirst(ModelCheckpoint.generatorPrefix.count))
            if entry.shape.count == 4 {
                #expect(entry.dtype == .q8 && entry.quantization?.channelAxis == axes[key], "\(entry.name)")
            } else {
                #expect(entry.dtype == .f32, "\(entry.name) stays F32")
            }
        }
        #expect(Set(file.entries.compactMap { $0.quantization?.channelAxis }) == [0, 1])
        // Initialised weights (normal, σ 0.02) and batch statistics: outputs stay close.
        var rng = RandomGenerator(seed: 3)
        let input = Tensor.uniform([1, 64, 64, 1], low: -1, high: 1, using: &rng)
        let exact = try withNoGrad { try ModelCheckpoint.loadGenerator(from: f32).network(input) }.scalars
        let q8 = try withNoGrad { try ModelCheckpoint.loadGenerator(from: url).network(input) }.scalars
        let maxDiff = zip(exact, q8).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff < 0.05 && maxDiff > 0, "Q8 changes outputs by \(maxDiff)")
        let size = { (u: URL) in (try FileManager.default.attributesOfItem(atPath: u.path)[.size] as? Int) ?? 0 }
        let (q8Size, f32Size) = (try size(url), try size(f32))
        #expect(q8Size * 3 < f32Size, "Q8 \(q8Size) bytes, F32 \(f32Size)")
    }

    @Test("the axes of a header's architecture cover both networks and their Adam moments")
    func architectureAxes() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70",
                                     generatorOverrides: ["ngf": 2], discriminatorOverrides: ["ndf": 2], seed: 1)
        let axes = try ModelCheckpoint.outputChannelAxes(of: model.architecture)
        let g = ModelCheckpoint.outputChannelAxes(of: model.generator), d = ModelCheckpoint.outputChannelAxes(of: model.discriminator)
        #expect(axes.count == 3 * (g.count + d.count))
        for (key, axis) in g {
            #expect(axes["generator." + key] == axis && axes["optimizer.generator." + key + ".exp_avg_sq"] == axis)
        }
        for (key, axis) in d { #expect(axes["discriminator." + key] == axis && axes["optimizer.discriminator." + key + ".exp_avg"] == axis) }
    }
}
