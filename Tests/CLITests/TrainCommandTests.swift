import ArgumentParser
import Foundation
import Imaging
import Pix2Pix
import Tensor
import Testing
@testable import pix2pix

@Suite("pix2pix train / ablate options")
struct TrainCommandTests {
    /// A new temporary folder holding a small paired HDF5 file, with the paths of that file and of a
    /// run directory not yet created in it. The caller removes the folder.
    static func runFolder(_ label: String) throws -> (folder: URL, data: String, out: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let data = dir.appendingPathComponent("pairs.h5").path
        do { try makeData(at: data) } catch { try? FileManager.default.removeItem(at: dir); throw error }
        return (dir, data, dir.appendingPathComponent("run").path)
    }

    func parse(_ arguments: [String]) throws -> TrainCommand {
        try #require(try Pix2PixCommand.parseAsRoot(["train"] + arguments) as? TrainCommand)
    }

    func ablate(_ arguments: [String]) throws -> AblateCommand {
        try #require(try Pix2PixCommand.parseAsRoot(["ablate", "--data", "d.h5", "--steps", "10", "--out", "o"] + arguments) as? AblateCommand)
    }

    @Test("flags map onto the reference's options; unset flags keep the defaults")
    func mapping() throws {
        let command = try parse(["--data", "d.h5", "--out", "r", "--generator", "unet_64", "--crop-size", "64",
                                 "--objective", "l1+gan", "--gan-mode", "lsgan", "--no-dropout", "--no-flip", "--norm", "instance",
                                 "--epochs", "3", "--epochs-decay", "2", "--lr-policy", "cosine", "--direction", "BtoA", "--steps", "40",
                                 "--precision", "bf16", "--checkpoint-every", "7", "--epoch-snapshots"])
        let o = command.options(base: TrainingOptions())
        #expect(o.generator == "unet_64" && o.discriminator == "patchgan_70")
        #expect(o.cropSize == 64 && o.loadSize == 71, "--crop-size alone scales the load size by 286/256")
        #expect(o.objective == .l1Gan && !o.objective.conditional && o.ganMode == .lsgan)
        #expect(o.generatorOverrides == ["dropout": false, "norm": "instance"] && o.discriminatorOverrides == ["norm": "instance"])
        #expect(!o.flip && o.direction == .bToA)
        #expect(o.epochs == 3 && o.epochsDecay == 2 && o.lrPolicy == .cosine && o.steps == 40)
        #expect(o.lambdaL1 == 100 && o.learningRate == 2e-4 && o.beta1 == 0.5 && o.batchSize == 1)
        #expect(o.precision == .bf16 && o.checkpointEvery == 7 && o.epochSnapshots)

        let defaults = try parse(["--data", "d.h5", "--out", "r"]).options(base: TrainingOptions())
        #expect(defaults == TrainingOptions())
        // On a resumed run's options, unset flags keep that run's values (here bf16 and 71²).
        #expect(try parse(["--resume", "r", "--steps", "50"]).options(base: o) == { var x = o; x.steps = 50; return x }())
    }

    @Test("the architecture flags and --g / --d become config overrides")
    func overrides() throws {
        let command = try parse(["--data", "d.h5", "--out", "r", "--ngf", "32", "--ndf", "16", "--norm", "instance",
                                 "--g", "ngf=48", "--g", "dropout=false", "--d", "layers=4", "--g", #"tag="7""#])
        let o = command.options(base: TrainingOptions())
        // --g comes after the flags: its ngf wins over --ngf.
        #expect(o.generatorOverrides == ["ngf": 48, "norm": "instance", "dropout": false, "tag": "7"])
        #expect(o.discriminatorOverrides == ["ndf": 16, "norm": "instance", "layers": 4])
        #expect(o.generatorOverrides.description == #"dropout=false ngf=48 norm=instance tag="7""#)

        // ablate maps the same flags through the same library helper.
        let ablate = try #require(try Pix2PixCommand.parseAsRoot([
            "ablate", "--generators", "unet_64", "--data", "d.h5", "--steps", "1", "--out", "o",
            "--ngf", "8", "--g", "depth=5", "--d", "norm=none",
        ]) as? AblateCommand)
        let base = ablate.plan().base
        #expect(base.generatorOverrides == ["ngf": 8, "depth": 5] && base.discriminatorOverrides == ["norm": "none"])

        // A malformed assignment fails while parsing, naming the option.
        for bad in ["ngf", "=3", "n gf=3"] {
            #expect {
                _ = try Pix2PixCommand.parseAsRoot(["train", "--data", "d.h5", "--out", "r", "--g", bad])
            } throws: { error in
                Pix2PixCommand.message(for: error).contains("--g")
            }
        }
    }

    @Test("unknown enum values are rejected while parsing, naming the option, the value and the choices")
    func badValues() throws {
        for (flag, value, choice) in [("--objective", "l2", "l1+cgan"), ("--gan-mode", "wgan", "lsgan"), ("--norm", "group", "instance"),
                                      ("--lr-policy", "plateau", "cosine"), ("--direction", "CtoD", "BtoA"), ("--precision", "fp8", "bf16")] {
            let message = try #require(CLITests.parseError(["train", "--data", "d.h5", "--out", "r", flag, value]))
            #expect(message.contains(flag) && message.contains(value) && message.contains(choice), "\(message)")
        }
    }

    @Test("ablate takes comma-separated lists, repeatable; defaults for the optional ones")
    func ablatePlan() throws {
        let command = try ablate(["--generators", "unet_64, encoder_decoder_64", "--discriminators", "pixelgan,patchgan_70",
                                  "--objectives", "l1", "--objectives", "l1+cgan", "--seeds", "1,2", "--seeds", "3", "--crop-size", "64",
                                  "--ngf", "8", "--gan-mode", "lsgan", "--precision", "bf16"])
        let plan = command.plan()
        #expect(plan.generators == ["unet_64", "encoder_decoder_64"] && plan.discriminators == ["pixelgan", "patchgan_70"])
        #expect(plan.variants.count == 8 && plan.seeds == [1, 2, 3] && plan.objectives == [.l1, .l1Cgan])
        #expect(plan.base.cropSize == 64 && plan.base.loadSize == 71 && plan.base.generatorOverrides == ["ngf": 8] && plan.base.ganMode == .lsgan)
        #expect(plan.base.precision == .bf16 && plan.base.sampleEvery == 0)

        let defaults = try ablate(["--generators", "unet_64"]).plan()
        #expect(defaults.discriminators == ["patchgan_70"] && defaults.objectives == [.l1Cgan] && defaults.seeds == [1])
        #expect(defaults.base.cropSize == 256 && defaults.base.loadSize == 286 && defaults.base.precision == .fp32)
    }

    @Test("ablate rejects bad list items and the single-run network flags, naming them")
    func ablateRejections() throws {
        let base = ["ablate", "--data", "d", "--steps", "1", "--out", "o"]
        let cases: [([String], [String])] = [
            (["--generators", "unet_64", "--seeds", "1,x"], ["--seeds", "\"x\"", "non-negative"]),
            (["--generators", "unet_64", "--objectives", "l1,l2"], ["--objectives", "\"l2\"", "l1+cgan"]),
            (["--generators", " , "], ["--generators", "empty"]),
            (["--generators", "unet_64", "--generator", "unet_128"], ["--generators", "--generator"]),
            (["--data", "d"], ["--generators"]),
        ]
        for (arguments, fragments) in cases {
            let message = try #require(CLITests.parseError(base + arguments), "\(arguments) parsed")
            for fragment in fragments { #expect(message.contains(fragment), "\(arguments): \(message)") }
        }
    }

    /// Gray → colour pairs at 64² (3 train, 1 val) for a few steps of a narrow unet_64.
    static func makeData(at path: String) throws {
        let writer = try HDF5PairWriter(path: path, width: 64, height: 64, channelsA: 1, channelsB: 3, splits: ["train", "val"])
        for (k, split) in ["train", "train", "train", "val"].enumerated() {
            let b = Image(width: 64, height: 64, channels: 3) { out in
                for i in 0..<(64 * 64 * 3) { out[i] = UInt8((i * (k + 3) + i / 192 * 7) % 256) }
            }
            try writer.append(a: b.converted(toChannels: 1), b: b, split: split)
        }
        try writer.finish()
    }

    @Test("--preset sets the optimisation settings by name; explicit flags override it, for train and ablate")
    func presets() throws {
        let seed = try parse(["--data", "d.h5", "--out", "r", "--preset", "seed-keras"]).options(base: TrainingOptions())
        #expect(seed.batchSize == 5 && seed.learningRate == 1e-3 && seed.beta1 == 0.9 && seed.lambdaL1 == 10)
        #expect(seed.l1Reduction == .channelSum && seed.epochsDecay == 0 && seed.preset == .seedKeras)
        var expected = TrainingOptions()
        TrainingOptions.Preset.seedKeras.apply(to: &expected)
        #expect(seed == expected)

        // Flags win over the preset, whatever their order on the command line.
        let overridden = try parse(["--batch-size", "2", "--data", "d.h5", "--out", "r", "--preset", "seed-keras",
                                    "--lambda-l1", "100", "--l1-reduction", "mean", "--lr", "2e-4", "--beta1", "0.5",
                                    "--epochs-decay", "7", "--gan-mode", "lsgan"]).options(base: TrainingOptions())
        #expect(overridden.batchSize == 2 && overridden.lambdaL1 == 100 && overridden.l1Reduction == .mean)
        #expect(overridden.learningRate == 2e-4 && overridden.beta1 == 0.5 && overridden.epochsDecay == 7 && overridden.ganMode == .lsgan)
        #expect(overridden.preset == .seedKeras, "the run still records the preset it started from")

        let paper = try parse(["--data", "d.h5", "--out", "r", "--preset", "paper"]).options(base: TrainingOptions())
        #expect(paper == { var x = TrainingOptions(); x.preset = .paper; return x }())
        #expect(try parse(["--data", "d.h5", "--out", "r", "--l1-reduction", "channel-sum"]).options(base: TrainingOptions()).l1Reduction == .channelSum)
        #expect(throws: (any Error).self) { _ = try parse(["--data", "d.h5", "--out", "r", "--preset", "keras"]) }

        let ablation = try ablate(["--generators", "unet_64", "--preset", "seed-keras", "--batch-size", "3"]).plan().base
        #expect(ablation.preset == .seedKeras && ablation.batchSize == 3 && ablation.l1Reduction == .channelSum && ablation.lambdaL1 == 10)

        // A resumed run keeps its recorded values: the preset is not applied again.
        var recorded = expected
        recorded.batchSize = 2
        #expect(try parse(["--resume", "r", "--preset", "seed-keras"]).options(base: recorded, resuming: true) == recorded)
        let help = TrainCommand.helpMessage(columns: 400)
        #expect(help.contains("--preset") && help.contains("seed-keras") && help.contains("--l1-reduction"))
    }

    @Test("train --resume refuses a --preset other than the one the run started with")
    func resumeWithOtherPreset() throws {
        let (dir, data, out) = try Self.runFolder("cli-preset-")
        defer { try? FileManager.default.removeItem(at: dir) }
        try parse(["--data", data, "--out", out, "--generator", "unet_64", "--discriminator", "patchgan_16", "--ngf", "4", "--ndf", "4",
                   "--crop-size", "64", "--load-size", "64", "--steps", "1", "--preset", "seed-keras", "--batch-size", "2",
                   "--quiet"]).run()
        let run = RunDirectory(path: out)
        #expect(try run.readConfig().options.preset == .seedKeras)
        #expect { try parse(["--resume", out, "--preset", "paper", "--quiet"]).run() } throws: { error in
            guard case TrainingError.invalidOption(let option, let message) = error else { return false }
            return option == "--preset" && message.contains("seed-keras") && message.contains(run.config.path)
        }
        // The same preset (or none) continues with the recorded values, batch 2 included.
        try parse(["--resume", out, "--preset", "seed-keras", "--steps", "2", "--quiet"]).run()
        #expect(try run.readLog().map(\.step) == [1, 2])
        #expect(try run.readConfig().options.batchSize == 2)
    }

    @Test("train --precision bf16 on a CPU without bf16 kernels is refused before any work, naming the option and the CPU",
          .enabled(if: Precision.bf16.unavailableReason != nil, "this CPU has bf16 kernels: the bf16 runs are tested instead"))
    func bf16Unavailable() throws {
        let (dir, data, out) = try Self.runFolder("cli-no-bf16-")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            try parse(["--data", data, "--out", out, "--generator", "unet_64", "--discriminator", "patchgan_16",
                       "--ngf", "4", "--ndf", "4", "--crop-size", "64", "--load-size", "64", "--steps", "2",
                       "--precision", "bf16", "--quiet"]).run()
        } throws: { error in
            let message = Pix2PixCommand.message(for: error)
            // The command line is well formed: the refusal alone, no usage block after it.
            return message.contains("--precision") && message.contains("bf16 is not available") && message.contains("this CPU (")
                && message.contains("--precision fp32") && !Pix2PixCommand.fullMessage(for: error).contains("Usage:")
        }
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written")
        // The library refuses it too, with the typed error naming the option.
        var options = TrainingOptions()
        options.precision = .bf16
        #expect { try options.validate() } throws: { error in
            guard case TrainingError.invalidOption("--precision", let message) = error else { return false }
            return message.contains("AVX-512")
        }
    }

    @Test("train --precision bf16: a tiny run records bf16 in config.json; a resume may not change it", .enabled(if: Precision.bf16.unavailableReason == nil, "bf16 convolutions need AVX-512 (Precision.unavailableReason)"))
    func bf16Run() throws {
        let (dir, data, out) = try Self.runFolder("cli-bf16-")
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try parse(["--data", data, "--out", out, "--generator", "unet_64", "--discriminator", "patchgan_16",
                                 "--ngf", "4", "--ndf", "4", "--crop-size", "64", "--load-size", "64", "--steps", "2",
                                 "--precision", "bf16", "--threads", "2", "--quiet"])
        try command.run()
        let run = RunDirectory(path: out)
        let json = try String(contentsOf: run.config, encoding: .utf8)
        #expect(json.contains("\"precision\" : \"bf16\""), "\(json)")
        #expect(try run.readConfig().options.precision == .bf16)
        #expect(try run.readLog().map(\.step) == [1, 2])

        let resume = try parse(["--resume", out, "--precision", "fp32", "--quiet"])
        #expect { try resume.run() } throws: { error in
            guard case TrainingError.invalidOption(let option, let message) = error else { return false }
            return option == "--resume" && message.contains("precision") && message.contains(run.config.path)
        }
        let more = try parse(["--resume", out, "--steps", "3", "--quiet"])
        try more.run()
        #expect(try run.readLog().map(\.step) == [1, 2, 3])
        #expect(try run.readConfig().options.precision == .bf16)
    }
}
