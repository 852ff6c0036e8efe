import ArgumentParser
import Foundation
import Testing
@testable import pix2pix

@Suite("pix2pix command line")
struct CLITests {
    /// The subcommands the tool is meant to have: adding or dropping one must be a deliberate change here.
    static let expectedSubcommands = ["demo", "models", "data", "train", "eval", "ablate", "experiment", "ckpt", "export", "zoo",
                                      "translate", "serve", "bench"]

    /// ArgumentParser's message for a command line that fails to parse or validate.
    static func parseError(_ arguments: [String]) -> String? {
        do {
            _ = try Pix2PixCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return Pix2PixCommand.message(for: error)
        }
    }

    @Test("the root help lists every subcommand, and the subcommands are the expected ones")
    func rootHelp() {
        let names = Pix2PixCommand.configuration.subcommands.map { $0._commandName }
        #expect(names == Self.expectedSubcommands)
        let help = Pix2PixCommand.helpMessage()
        for command in Pix2PixCommand.configuration.subcommands {
            let abstract = command.configuration.abstract
            // The name at the start of its line, with the start of its abstract after it.
            let line = help.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command._commandName + " ") }
            #expect(line != nil, "help does not list \(command._commandName):\n\(help)")
            #expect(help.contains(String(abstract.prefix(20))), "help does not show the abstract of \(command._commandName)")
        }
    }

    @Test("models: the listing carries the reference parameter counts and receptive fields")
    func modelsListing() throws {
        let listing = try ModelsCommand.listing()
        let g = Dictionary(uniqueKeysWithValues: listing.generators.map { ($0.name, $0) })
        let d = Dictionary(uniqueKeysWithValues: listing.discriminators.map { ($0.name, $0) })
        #expect(g["unet_256"]?.parameters == 54_413_955)
        #expect(g["unet_256"]?.sizeMultiple == 256)
        #expect(d["patchgan_70"]?.parameters == 2_768_705)
        #expect(d["patchgan_70"]?.receptiveField == 70)
        #expect(d["patchgan_70"]?.outputGrid256 == 30)
        #expect(d["imagegan_286"]?.receptiveField == 286)
        #expect(d["pixelgan"]?.receptiveField == 1)
        // The JSON form round-trips.
        let data = try JSONEncoder().encode(listing)
        let back = try JSONDecoder().decode(ModelsCommand.Listing.self, from: data)
        #expect(back.generators.count == listing.generators.count)
    }

    @Test("options are validated before any work starts, and the message names the option")
    func validation() throws {
        let cases: [(arguments: [String], fragments: [String])] = [
            (["models", "--bogus"], ["--bogus"]),
            (["demo", "--side", "50"], ["--side", "64"]),
            (["demo", "--steps", "0"], ["--steps"]),
            (["train", "--data", "x.h5"], ["--out"]),
            (["train", "--resume", "r", "--overwrite"], ["--resume", "--overwrite"]),
            (["train", "--data", "x.h5", "--out", "r", "--threads", "0"], ["--threads"]),
            (["eval", "--checkpoint", "c.pzck", "--data", "d.h5", "--direction", "AtoC"], ["--direction", "AtoC", "BtoA"]),
            (["translate", "--model", "m", "i.png", "--out", "o", "--precision", "fp16"], ["--precision", "fp16", "bf16"]),
            (["zoo", "publish", "run", "--id", "x", "--version", "1.0.0", "--storage", "f8"], ["--storage", "f8", "bf16"]),
        ]
        for (arguments, fragments) in cases {
            let message = try #require(Self.parseError(arguments), "\(arguments) parsed")
            for fragment in fragments {
                #expect(message.contains(fragment), "\(arguments): \"\(message)\" does not mention \(fragment)")
            }
        }
        #expect(try Pix2PixCommand.parseAsRoot(["ablate", "--generators", "unet_64", "--data", "d.h5", "--steps", "3", "--out", "o"]) is AblateCommand)
        #expect(try Pix2PixCommand.parseAsRoot(["demo", "--steps", "5"]) is DemoCommand)
    }

    @Test("--precision parses for every command that runs networks, and --help lists its values")
    func precisionEverywhere() throws {
        let commands: [[String]] = [
            ["train", "--data", "d.h5", "--out", "r"], ["ablate", "--generators", "unet_64", "--data", "d", "--steps", "1", "--out", "o"],
            ["experiment", "list"], ["demo"], ["eval", "--checkpoint", "c", "--data", "d"], ["translate", "--model", "m", "i.png", "--out", "o"],
            ["zoo", "publish", "run", "--id", "x", "--version", "1.0.0"], ["bench", "train"], ["bench", "infer"],
        ]
        for arguments in commands {
            _ = try Pix2PixCommand.parseAsRoot(arguments + ["--precision", "bf16"])
            let path = arguments.prefix { !$0.hasPrefix("-") && $0 != "list" && $0 != "run" && $0 != "i.png" }
            let help = Pix2PixCommand.helpMessage(for: try #require(Self.command(path: Array(path))))
            #expect(help.contains("--precision") && help.contains("fp32") && help.contains("bf16"), "\(path) help")
        }
    }

    @Test("bench train --profile-detail profiles with parts; --profile alone without them")
    func profileDetail() throws {
        let detail = try #require(try Pix2PixCommand.parseAsRoot(["bench", "train", "--profile-detail"]) as? BenchTrainCommand)
        #expect(detail.options.profiling && detail.options.profileDetail)
        let plain = try #require(try Pix2PixCommand.parseAsRoot(["bench", "train", "--profile"]) as? BenchTrainCommand)
        #expect(plain.options.profiling && !plain.options.profileDetail)
        let none = try #require(try Pix2PixCommand.parseAsRoot(["bench", "train"]) as? BenchTrainCommand)
        #expect(!none.options.profiling)
        #expect(Pix2PixCommand.helpMessage(for: BenchTrainCommand.self).contains("--profile-detail"))
    }

    /// The command type at a subcommand path (`["zoo", "publish"]`).
    static func command(path: [String]) -> ParsableCommand.Type? {
        var current: ParsableCommand.Type = Pix2PixCommand.self
        for name in path {
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == name }) else { return nil }
            current = next
        }
        return current
    }
}
