import Foundation
import Tensor
import Testing
@testable import Pix2Pix

@Suite("Training options: shared rules and precision")
struct TrainingOptionsTests {
    @Test("the load size follows a crop size at the reference's 286/256, unless it was chosen")
    func loadSizeRule() {
        #expect(TrainingOptions.loadSize(forCrop: 256) == 286)
        #expect(TrainingOptions.loadSize(forCrop: 64) == 71 && TrainingOptions.loadSize(forCrop: 128) == 143)
        #expect(TrainingOptions.loadSize(forCrop: 1) == 1, "never below the crop")
        var o = TrainingOptions()
        o.setSizes(crop: 64, load: nil)
        #expect(o.cropSize == 64 && o.loadSize == 71)
        o = TrainingOptions()
        o.setSizes(crop: 64, load: 64)
        #expect(o.cropSize == 64 && o.loadSize == 64)
        o.setSizes(crop: 32, load: nil)
        #expect(o.cropSize == 32 && o.loadSize == 64, "a load size already chosen is kept")
        o = TrainingOptions()
        o.setSizes(crop: nil, load: 300)
        #expect(o.cropSize == 256 && o.loadSize == 300)
        o.setSizes(crop: nil, load: nil)
        #expect(o == { var x = TrainingOptions(); x.loadSize = 300; return x }())
    }

    @Test("a resume may change the budget and the save / sample / log intervals, nothing else")
    func resumeRule() throws {
        var saved = TrainingOptions()
        saved.steps = 100
        var requested = saved
        requested.steps = 200
        requested.checkpointEvery = 7
        requested.sampleEvery = 0
        requested.logEvery = 3
        #expect(try saved.resumed(with: requested, configPath: "run/config.json") == requested)

        for change in [{ (o: inout TrainingOptions) in o.precision = .bf16 }, { $0.cropSize = 128 }, { $0.learningRate = 1e-3 },
                       { $0.generatorOverrides["ngf"] = 8 }, { $0.seed = 9 }] {
            var bad = requested
            change(&bad)
            let field = try #require(try TrainingOptions.differingFields(requested, bad).first)
            #expect { try saved.resumed(with: bad, configPath: "run/config.json") } throws: { error in
                guard case TrainingError.invalidOption(let option, let message) = error else { return false }
                return option == "--resume" && message.contains(field) && message.contains("run/config.json")
                    && TrainingOptions.optionsChangeableOnResume.allSatisfy(message.contains)
            }
        }
    }

    @Test("precision is saved with the options; configs written before it existed read as fp32")
    func precisionCoding() throws {
        var o = TrainingOptions()
        o.precision = .bf16
        let data = try JSONEncoder().encode(o)
        #expect(String(decoding: data, as: UTF8.self).contains("\"precision\":\"bf16\""))
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: data) == o)

        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["precision"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        let decoded = try JSONDecoder().decode(TrainingOptions.self, from: old)
        #expect(decoded.precision == .fp32)
        #expect({ var x = decoded; x.precision = .bf16; return x }() == o, "every other field decodes as before")
        // A run config (config.json) and an unknown precision.
        let config = TrainingRunConfig(options: decoded, data: "d.h5")
        var configObject = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        #expect(try JSONDecoder().decode(TrainingRunConfig.self, from: JSONSerialization.data(withJSONObject: configObject)).options.precision == .fp32)
        object["precision"] = "fp16"
        configObject["options"] = object
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TrainingRunConfig.self, from: JSONSerialization.data(withJSONObject: configObject))
        }
    }

    @Test("a bf16 run trains (finite, different losses from fp32's) and records bf16 in config.json and the checkpoint", .enabled(if: Precision.bf16.unavailableReason == nil, "bf16 convolutions need AVX-512 (Precision.unavailableReason)"))
    func bf16Training() throws {
        let dir = try TrainingData.temporaryDirectory("bf16")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("pairs.h5").path
        try TrainingData.makeHDF5(at: data, train: [1, 2], val: [3])
        var losses: [Precision: [StepLosses]] = [:]
        for precision in [Precision.fp32, .bf16] {
            var o = TrainingData.tinyOptions(steps: 3)
            o.precision = precision
            let run = RunDirectory(dir.appendingPathComponent(precision.rawValue))
            let trainer = try Trainer(config: TrainingRunConfig(options: o, data: data), runDirectory: run)
            guard case .finished(_, let metrics?) = try trainer.train() else { Issue.record("no metrics"); return }
            #expect(metrics.l1.isFinite && metrics.count == 1)
            #expect(try run.readConfig().options.precision == precision)
            #expect(try String(contentsOf: run.config, encoding: .utf8).contains("\"precision\" : \"\(precision.rawValue)\""))
            #expect(Precision.current == .fp32, "the trainer leaves the caller's precision alone")
            losses[precision] = try run.readLog().map(\.losses)
        }
        let f = try #require(losses[.fp32]), b = try #require(losses[.bf16])
        #expect(f.count == 3 && b.count == 3 && b.allSatisfy(\.isFinite))
        #expect(f[0] != b[0], "bf16 convolutions change the first step's losses")
        for (x, y) in zip(f, b) { #expect(abs(x.gL1 - y.gL1) <= 0.05 * abs(x.gL1), "\(x.gL1) vs \(y.gL1)") }
    }
}
