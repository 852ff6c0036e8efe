import ArgumentParser
import Foundation
import Imaging
import Testing
@testable import pix2pix

@Suite("pix2pix data build: Canny presets")
struct DataBuildCannyTests {
    func parse(_ arguments: [String]) throws -> DataCommand.Build {
        try #require(try Pix2PixCommand.parseAsRoot(["data", "build", "--source", "photos", "--out", "o.h5"] + arguments) as? DataCommand.Build)
    }

    @Test("without flags the transform is the default preset (5×5 blur, 50 / 100, inverted), as before")
    func defaultPreset() throws {
        let command = try parse([])
        #expect(command.cannyOptions == CannyPreset.default.options)
        #expect(command.cannyOptions == CannyOptions(lowThreshold: 50, highThreshold: 100, blurKernel: 5, invert: true))
        #expect(command.pairTransform == .canny(CannyPreset.default.options))
    }

    @Test("--canny-preset seed is the seed's cv2.Canny(gray, 128, 128), unblurred, inverted; --canny-* flags override it")
    func seedPreset() throws {
        let seed = try parse(["--canny-preset", "seed"])
        #expect(seed.cannyOptions == CannyOptions.seed)
        #expect(seed.cannyOptions.lowThreshold == 128 && seed.cannyOptions.highThreshold == 128)
        #expect(seed.cannyOptions.blurKernel == 0 && seed.cannyOptions.invert && !seed.cannyOptions.l2Gradient && seed.cannyOptions.aperture == 3)
        let tuned = try parse(["--canny-blur", "3", "--canny-preset", "seed", "--canny-low", "100", "--no-canny-invert", "--canny-l2"])
        #expect(tuned.cannyOptions == CannyOptions(lowThreshold: 100, highThreshold: 128, l2Gradient: true, blurKernel: 3, invert: false))
        #expect(tuned.cannyOptions.preset == nil)
        #expect(try parse(["--canny-preset", "default", "--canny-blur", "0"]).cannyOptions.blurKernel == 0)
        #expect(CLITests.parseError(["data", "build", "--source", "p", "--out", "o.h5", "--canny-preset", "opencv"])?.contains("--canny-preset") == true)
        let help = DataCommand.Build.helpMessage(columns: 400)
        #expect(help.contains("--canny-preset") && help.contains("128"))
    }
}
