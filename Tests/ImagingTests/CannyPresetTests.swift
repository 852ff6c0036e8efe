import Foundation
import Testing
@testable import Imaging

@Suite("Canny presets")
struct CannyPresetTests {
    @Test("seed is cv2.Canny(gray, 128, 128) unblurred and inverted; default is this project's blurred 50 / 100")
    func values() {
        let seed = CannyOptions.seed
        #expect(seed == CannyPreset.seed.options)
        #expect(seed.lowThreshold == 128 && seed.highThreshold == 128 && seed.aperture == 3 && !seed.l2Gradient)
        #expect(seed.blurKernel == 0 && seed.invert)
        let standard = CannyPreset.default.options
        #expect(standard == CannyOptions(invert: true) && standard.blurKernel == 5 && standard.lowThreshold == 50)
        #expect(seed.preset == .seed && standard.preset == .default && CannyOptions().preset == nil)
    }

    @Test("the seed preset's edges are the unblurred 128 / 128 edges, black on white, and differ from the default's")
    func edges() throws {
        let gray = try Fixtures.image("canny/gray_astronaut.png")
        let seed = try gray.cannyEdges(.seed)
        let plain = try gray.cannyEdges(CannyOptions(lowThreshold: 128, highThreshold: 128, blurKernel: 0, invert: false))
        #expect(seed.pixels == plain.pixels.map { 255 - $0 })
        let standard = try gray.cannyEdges(CannyPreset.default.options)
        #expect(seed.pixels != standard.pixels)
        // Black edges on a white ground: most pixels are 255.
        let edgeFraction = Double(seed.pixels.filter { $0 == 0 }.count) / Double(seed.count)
        #expect(edgeFraction > 0.005 && edgeFraction < 0.5, "\(edgeFraction)")
    }

    @Test("the settings are recorded with the name of the preset they equal; reading ignores the name")
    func metadata() throws {
        let json = PairTransform.canny(.seed).parametersJSON
        #expect(json.contains("\"preset\":\"seed\"") && json.contains("\"blur_kernel\":0") && json.contains("\"low_threshold\":128"))
        #expect(try JSONDecoder().decode(CannyOptions.self, from: Data(json.utf8)) == .seed)
        var custom = CannyOptions.seed
        custom.highThreshold = 200
        #expect(!PairTransform.canny(custom).parametersJSON.contains("preset"))
        #expect(PairTransform.canny(CannyPreset.default.options).parametersJSON.contains("\"preset\":\"default\""))
        #expect(PairTransform.canny(.seed).description.hasPrefix("canny(preset seed: low 128.0"))
        // A name alone does not make settings: the fields are read, the preset key is not.
        let renamed = try JSONDecoder().decode(CannyOptions.self, from: Data(#"{"preset": "seed"}"#.utf8))
        #expect(renamed == CannyOptions())
    }
}
