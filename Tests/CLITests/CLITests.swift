import ArgumentParser
import Foundation
import Testing
@testable import pix2pix

@Suite("pix2pix command line")
struct CLITests {
    @Test("the root help lists every subcommand")
    func rootHelp() {
        let help = Pix2PixCommand.helpMessage()
        for name in ["demo", "models", "data", "train", "eval", "ablate", "experiment", "ckpt", "bench"] {
            #expect(help.contains(name), "help does not mention \(name)")
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

    @Test("options are validated before any work starts")
    func validation() throws {
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["models", "--bogus"]) }
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["demo", "--side", "50"]) }
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["train", "--data", "x.h5"]) }  // no --out
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["train", "--resume", "r", "--overwrite"]) }
        #expect(try Pix2PixCommand.parseAsRoot(["ablate", "--generators", "unet_64", "--data", "d.h5", "--steps", "3", "--out", "o"]) is AblateCommand)
        #expect(throws: (any Error).self) { _ = try Pix2PixCommand.parseAsRoot(["demo", "--steps", "0"]) }
        #expect(try Pix2PixCommand.parseAsRoot(["demo", "--steps", "5"]) is DemoCommand)
    }
}
