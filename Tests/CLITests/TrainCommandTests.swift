import ArgumentParser
import Foundation
import Pix2Pix
import Testing
@testable import pix2pix

@Suite("pix2pix train / ablate options")
struct TrainCommandTests {
    func parse(_ arguments: [String]) throws -> TrainCommand {
        try #require(try Pix2PixCommand.parseAsRoot(["train"] + arguments) as? TrainCommand)
    }

    @Test("flags map onto the reference's options; unset flags keep the defaults")
    func mapping() throws {
        let command = try parse(["--data", "d.h5", "--out", "r", "--generator", "unet_64", "--crop-size", "64",
                                 "--objective", "l1+gan", "--gan-mode", "lsgan", "--no-dropout", "--no-flip",
                                 "--epochs", "3", "--epochs-decay", "2", "--lr-policy", "cosine", "--direction", "BtoA", "--steps", "40"])
        let o = try command.options(base: TrainingOptions())
        #expect(o.generator == "unet_64" && o.discriminator == "patchgan_70")
        #expect(o.cropSize == 64 && o.loadSize == 71, "--crop-size alone scales the load size by 286/256")
        #expect(o.objective == .l1Gan && !o.objective.conditional && o.ganMode == .lsgan)
        #expect(o.generatorOverrides == ["dropout": false] && o.discriminatorOverrides.isEmpty)
        #expect(!o.flip && o.direction == .bToA)
        #expect(o.epochs == 3 && o.epochsDecay == 2 && o.lrPolicy == .cosine && o.steps == 40)
        #expect(o.lambdaL1 == 100 && o.learningRate == 2e-4 && o.beta1 == 0.5 && o.batchSize == 1)

        let defaults = try parse(["--data", "d.h5", "--out", "r"]).options(base: TrainingOptions())
        #expect(defaults == TrainingOptions())
    }

    @Test("the architecture flags and --g / --d become config overrides")
    func overrides() throws {
        let command = try parse(["--data", "d.h5", "--out", "r", "--ngf", "32", "--ndf", "16", "--norm", "instance",
                                 "--g", "ngf=48", "--g", "dropout=false", "--d", "layers=4", "--g", #"tag="7""#])
        let o = try command.options(base: TrainingOptions())
        // --g comes after the flags: its ngf wins over --ngf.
        #expect(o.generatorOverrides == ["ngf": 48, "norm": "instance", "dropout": false, "tag": "7"])
        #expect(o.discriminatorOverrides == ["ndf": 16, "norm": "instance", "layers": 4])
        #expect(o.generatorOverrides.description == #"dropout=false ngf=48 norm=instance tag="7""#)

        // ablate maps the same flags through the same library helper.
        let ablate = try #require(try Pix2PixCommand.parseAsRoot([
            "ablate", "--generators", "unet_64", "--data", "d.h5", "--steps", "1", "--out", "o",
            "--ngf", "8", "--g", "depth=5", "--d", "norm=none",
        ]) as? AblateCommand)
        let base = try ablate.plan().base
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

    @Test("unknown enum values name the option")
    func badValues() throws {
        for (flag, value) in [("--objective", "l2"), ("--gan-mode", "wgan"), ("--norm", "group"), ("--lr-policy", "plateau")] {
            let command = try parse(["--data", "d.h5", "--out", "r", flag, value])
            #expect { try command.options(base: TrainingOptions()) } throws: { error in
                guard case TrainingError.invalidOption(let option, let message) = error else { return false }
                return option == flag && message.contains(value)
            }
        }
    }

    @Test("ablate parses lists of names, objectives and seeds")
    func ablatePlan() throws {
        let command = try #require(try Pix2PixCommand.parseAsRoot([
            "ablate", "--generators", "unet_64, encoder_decoder_64", "--discriminators", "pixelgan,patchgan_70",
            "--objectives", "l1,l1+cgan", "--seeds", "1,2,3", "--data", "d.h5", "--steps", "10", "--out", "o", "--crop-size", "64",
        ]) as? AblateCommand)
        let plan = try command.plan()
        #expect(plan.generators == ["unet_64", "encoder_decoder_64"])
        #expect(plan.variants.count == 8 && plan.seeds == [1, 2, 3] && plan.objectives == [.l1, .l1Cgan])
        #expect(plan.base.cropSize == 64 && plan.base.loadSize == 71)
        let bad = try #require(try Pix2PixCommand.parseAsRoot(["ablate", "--generators", "unet_64", "--seeds", "1,x",
                                                               "--data", "d", "--steps", "1", "--out", "o"]) as? AblateCommand)
        #expect(throws: TrainingError.self) { try bad.plan() }
    }
}
