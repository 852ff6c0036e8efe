import Foundation
import Imaging
import Pix2Pix
import Testing
@testable import Zoo

@Suite("Large images run in tiles", .serialized)
struct TilingTests {
    @Test("tile plans: grid-aligned origins, used parts at least a margin from interior edges, weights summing to one")
    func plans() throws {
        let options = TilingOptions(tileSize: 512, margin: 192, blend: 32, wholeImageLimit: 1)
        try options.validate(sizeMultiple: 64, model: "test")
        for length in [64, 512, 576, 1024, 1984, 4096] {
            let spans = TilePlanner.spans(length: length, options: options, multiple: 64)
            var total = [Float](repeating: 0, count: length)
            for (k, span) in spans.enumerated() {
                #expect(span.start % 64 == 0 && span.start >= 0 && span.start + span.size <= length)
                if k > 0 { #expect(span.validStart - span.start >= 192, "margin at an interior edge") }
                if k < spans.count - 1 { #expect(span.start + span.size - span.validEnd >= 192) }
                if k > 0 { #expect(spans[k - 1].validEnd - span.validStart >= 32, "neighbours overlap by the blend width") }
                for i in 0..<span.size { total[span.start + i] += span.weights[i] }
                for i in 0..<span.size where span.weights[i] > 0 {
                    #expect(span.start + i >= span.validStart && span.start + i < span.validEnd)
                }
            }
            #expect(total.allSatisfy { abs($0 - 1) < 1e-6 }, "length \(length)")
            #expect(spans.first!.start == 0 && spans.last!.start + spans.last!.size == length)
            if length <= 512 { #expect(spans.count == 1) }
        }
        // Margins that leave no new output are refused.
        #expect(throws: ZooError.self) {
            try TilingOptions(tileSize: 512, margin: 256, blend: 32, wholeImageLimit: 1).validate(sizeMultiple: 64, model: "test")
        }
        // A U-Net of depth d reaches 3·2^d − 3 pixels; the default margin covers it.
        let defaults = TilingOptions.defaults(sizeMultiple: 64, receptiveRadius: 3 * 64 - 3)
        #expect(defaults.margin == 192 && defaults.tileSize == 2048)
        #expect(TilingOptions.defaults(sizeMultiple: 256, receptiveRadius: 3 * 256 - 3).tileSize == 3584)
    }

    /// Max and mean absolute difference (0–255) and the number of differing samples.
    static func compare(_ a: Image, _ b: Image) -> (max: Int, mean: Double, differing: Int) {
        precondition(a.count == b.count)
        var m = 0, sum = 0, differing = 0
        for i in 0..<a.count {
            let d = abs(Int(a.pixels[i]) - Int(b.pixels[i]))
            m = max(m, d)
            sum += d
            if d > 0 { differing += 1 }
        }
        return (m, Double(sum) / Double(a.count), differing)
    }

    /// Tolerance of tiled against whole-image translation with the receptive-field margin: the used
    /// part of each tile is computed from exactly the inputs the whole image uses, so outputs differ
    /// only by float rounding (the cross-fade's weights sum to one within 1e-7, and the convolutions
    /// may pick other kernels for other sizes) — at most 1 grey level, on a few samples. Measured:
    /// 0 of 180,000 samples differ here (margin 0: 60,096 differ, by up to 58); the zoo's
    /// gray2color on a 4000 × 3000 photo: 221 of 36,000,000 differ, by 1.
    static let tolerance = (maxAbs: 1, differingFraction: 1e-3)

    /// A random U-Net of depth 4 (size multiple 16, receptive radius 45) whose convolution
    /// weights are scaled from pix2pix's N(0, 0.02) to about He's scale (× 6): outputs then depend
    /// strongly on their whole neighbourhood (at the paper's init they are nearly constant), and
    /// the small depth keeps tiles small, so the comparison is sensitive and fast.
    static func sensitiveTranslator(_ dir: URL) throws -> Translator {
        let url = dir.appendingPathComponent("depth4.pzck")
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["depth": 4, "ngf": 8, "input_channels": 1, "output_channels": 3],
                                     discriminatorOverrides: ["ndf": 4], seed: 5)
        for (key, tensor) in (model.generator as! UNetGenerator).namedParameters() where key.hasSuffix("weight") && tensor.shape.count == 4 {
            for i in 0..<tensor.count { tensor.pointer[i] *= 6 }
        }
        try ModelCheckpoint.saveInference(model, to: url)
        return try Translator(checkpoint: url)
    }

    @Test("tiled translation equals whole-image translation within the stated tolerance; too small a margin does not")
    func tiledEqualsWhole() throws {
        let dir = try ZooFixtures.temporaryDirectory("tiling")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Self.sensitiveTranslator(dir)
        #expect(translator.isTileable && translator.sizeMultiple == 16)
        #expect(translator.tiling.margin == 48, "depth 4: radius 3·16 − 3 = 45, rounded up to the grid")
        let image = try ZooFixtures.picture(4, width: 300, height: 200)       // padded 304 × 208
        #expect(!translator.usesTiles(width: 300, height: 200), "the default 2048² tile holds it whole")
        let whole = try translator.translate(image)

        translator.tiling = TilingOptions(tileSize: 160, margin: 48, blend: 16, wholeImageLimit: 1)
        #expect(translator.usesTiles(width: 300, height: 200))
        #expect(TilePlanner.spans(length: 304, options: translator.tiling, multiple: 16).count == 4)
        let tiled = try translator.translate(image)
        #expect((tiled.width, tiled.height, tiled.channels) == (300, 200, 3))
        let exact = Self.compare(tiled, whole)
        #expect(exact.max <= Self.tolerance.maxAbs, "max |tiled − whole| = \(exact.max)")
        #expect(Double(exact.differing) <= Self.tolerance.differingFraction * Double(tiled.count),
                "\(exact.differing) of \(tiled.count) samples differ")

        // Without the margin, the tiles' zero-padded edges show: the comparison above can fail.
        translator.tiling = TilingOptions(tileSize: 160, margin: 0, blend: 16, wholeImageLimit: 1)
        let seams = Self.compare(try translator.translate(image), whole)
        #expect(seams.max > 8 * Self.tolerance.maxAbs, "margin 0: max difference \(seams.max)")

        // A batch mixing tiled and untiled images keeps its order.
        translator.tiling = TilingOptions(tileSize: 160, margin: 48, blend: 16, wholeImageLimit: 1)
        let small = try ZooFixtures.picture(2, width: 64, height: 64)
        let batch = try translator.translate([small, image, small])
        #expect(batch[0] == batch[2] && batch[1] == tiled)
        #expect(batch[0] == (try translator.translate(small)))
    }

    @Test("train mode cannot be tiled: images over the one-pass limit get a typed error with a hint")
    func trainModeLimit() throws {
        let dir = try ZooFixtures.temporaryDirectory("tiling-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try TranslateTests.translator(dir, mode: .train)
        #expect(!translator.isTileable)
        translator.tiling.wholeImageLimit = 128 * 128
        let image = try ZooFixtures.picture(1, width: 200, height: 100)    // padded 256 × 128
        let error = #expect(throws: ZooError.self) { try translator.translate(image) }
        #expect(error?.description.contains("200x100") == true && error?.description.contains("eval mode") == true,
                "\(String(describing: error))")
        #expect(try translator.translate(try ZooFixtures.picture(1, width: 100, height: 100)).width == 100)
    }
}
