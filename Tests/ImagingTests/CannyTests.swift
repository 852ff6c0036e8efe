import Foundation
import Testing
@testable import Imaging

struct CannyCase: Decodable, Sendable, CustomStringConvertible {
    var image: String
    var edges: String
    var low: Double
    var high: Double
    var aperture: Int
    var l2: Bool
    var blur: Int
    var description: String { edges }
}

func cannyCases() -> [CannyCase] {
    struct File: Decodable { var opencv: String; var cases: [CannyCase] }
    guard let data = FileManager.default.contents(atPath: Fixtures.path("canny/cases.json")),
          let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
    return file.cases
}

@Suite("Canny parity with cv2.Canny")
struct CannyTests {
    @Test("Edges agree with OpenCV on >= 95 % of pixels", arguments: cannyCases())
    func parity(_ c: CannyCase) throws {
        let gray = try Fixtures.image("canny/\(c.image)")
        let expected = try Fixtures.image("canny/\(c.edges)")
        let options = CannyOptions(lowThreshold: c.low, highThreshold: c.high, aperture: c.aperture, l2Gradient: c.l2,
                                   blurKernel: c.blur, invert: false)
        let ours = try gray.cannyEdges(options)
        #expect(ours.width == expected.width && ours.channels == 1)
        var same = 0, edgesCV = 0, edgesOurs = 0
        for i in 0..<ours.count {
            if ours.pixels[i] == expected.pixels[i] { same += 1 }
            if expected.pixels[i] == 255 { edgesCV += 1 }
            if ours.pixels[i] == 255 { edgesOurs += 1 }
        }
        let agreement = Double(same) / Double(ours.count)
        #expect(agreement >= 0.95, """
            \(c.edges): agreement \(String(format: "%.4f", agreement * 100)) % (edge pixels: ours \(edgesOurs), OpenCV \(edgesCV))
            """)
        #expect(edgesCV > 0, "fixture without edges tests nothing")
    }

    @Test("Inversion gives black edges on white; options are validated")
    func invertAndValidate() throws {
        let gray = try Fixtures.image("canny/gray_astronaut.png")
        let white = try gray.cannyEdges(CannyOptions(blurKernel: 0))
        let black = try gray.cannyEdges(CannyOptions(blurKernel: 0, invert: true))
        #expect(white.pixels.map { 255 - $0 } == black.pixels)
        #expect(Set(white.pixels) == [0, 255])
        // RGB input goes through BT.601 gray first.
        let rgb = gray.rgb()
        #expect(try rgb.cannyEdges(CannyOptions(blurKernel: 0)) == white)
        #expect(throws: ImagingError.self) { try gray.cannyEdges(CannyOptions(aperture: 4)) }
        #expect(throws: ImagingError.self) { try gray.cannyEdges(CannyOptions(blurKernel: 4)) }
        #expect(throws: ImagingError.self) { try gray.cannyEdges(CannyOptions(lowThreshold: -1)) }
        // A flat image has no edges.
        #expect(Set(try Image(width: 16, height: 16, channels: 1, fill: 90).cannyEdges().pixels) == [0])
    }

    @Test("Options round-trip through snake_case JSON; missing keys take defaults")
    func codable() throws {
        let options = CannyOptions(lowThreshold: 50, highThreshold: 150, aperture: 5, l2Gradient: true, blurKernel: 3, blurSigma: 1.5, invert: true)
        let json = try JSONEncoder().encode(options)
        #expect(String(decoding: json, as: UTF8.self).contains("\"low_threshold\""))
        #expect(try JSONDecoder().decode(CannyOptions.self, from: json) == options)
        #expect(try JSONDecoder().decode(CannyOptions.self, from: Data("{\"aperture\": 7}".utf8)) == CannyOptions(aperture: 7))
    }
}
