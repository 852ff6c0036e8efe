import Base
import Foundation
import Testing
@testable import Imaging

@Suite("Image codecs")
struct CodecTests {
    @Test("PNG variants normalise to 8-bit gray / RGB with alpha dropped", arguments: [
        ("png/rgb8.png", "png/expected_rgb.png"),
        ("png/rgba8.png", "png/expected_rgb.png"),
        ("png/rgb16.png", "png/expected_rgb.png"),
        ("png/gray8.png", "png/expected_gray.png"),
        ("png/ga8.png", "png/expected_gray.png"),
        ("png/gray16.png", "png/expected_gray.png"),
        ("png/gray1.png", "png/expected_gray1.png"),
        ("png/palette.png", "png/expected_palette.png"),
        ("png/palette_trns.png", "png/expected_palette.png"),
    ])
    func pngVariants(file: String, expected: String) throws {
        let image = try Fixtures.image(file)
        let want = try Fixtures.image(expected)
        #expect(image.width == 24 && image.height == 16)
        #expect(image.channels == want.channels, "\(file): \(image.channels) channels, expected \(want.channels)")
        #expect(image.pixels == want.pixels, "\(file) differs from \(expected): max |diff| \(maxAbsDifference(image, want))")
    }

    @Test("PNG round trip is exact for gray and RGB")
    func pngRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for channels in [1, 3] {
            let image = patternImage(width: 37, height: 21, channels: channels)
            let path = dir.file("round\(channels).png")
            try image.write(path: path)
            #expect(try Image.read(path: path) == image)
            let info = try Image.readInfo(path: path)
            #expect(info == ImageInfo(width: 37, height: 21, channels: channels, format: "PNG"))
        }
        #expect(dir.contents() == ["round1.png", "round3.png"], "atomic writes must leave no temporary files")
    }

    @Test("JPEG round trip stays within a tolerance; quality matters")
    func jpegRoundTrip() throws {
        let photo = try Fixtures.image("color/rgb_chelsea.png")
        let high = try Image.decode(try photo.jpegData(quality: 95), name: "q95")
        let low = try Image.decode(try photo.jpegData(quality: 30, subsampling: .s420), name: "q30")
        let highError = meanAbsDifference(high, photo), lowError = meanAbsDifference(low, photo)
        #expect(high.channels == 3 && high.width == photo.width)
        // This 64x64 fur crop is all fine texture, the hardest case for JPEG; photos do better.
        #expect(highError < 3.0, "quality 95 mean |error| \(highError)")
        #expect(lowError > highError, "quality 30 (\(lowError)) should be worse than 95 (\(highError))")
        #expect(lowError < 8.0)
        let gray = photo.grayscale()
        let grayBack = try Image.decode(try gray.jpegData(quality: 95), name: "gray")
        #expect(grayBack.channels == 1)
        #expect(meanAbsDifference(grayBack, gray) < 1.5)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try photo.write(path: dir.file("x.jpeg"))
        #expect(try Image.readInfo(path: dir.file("x.jpeg")).format == "JPEG")
        #expect(meanAbsDifference(try Image.read(path: dir.file("x.jpeg")), photo) < 3.0)
    }

    @Test("Truncated and corrupt files give typed errors naming the file")
    func corruptFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let photo = try Fixtures.image("color/rgb_chelsea.png")
        let png = try photo.pngData(), jpeg = try photo.jpegData()
        let cases: [(String, [UInt8], String)] = [
            ("trunc.png", Array(png.prefix(png.count / 2)), "PNG"),
            ("trunc.jpg", Array(jpeg.prefix(jpeg.count / 2)), "JPEG"),
            ("header.png", Array(png.prefix(20)), "PNG"),
            ("garbage.png", [UInt8](repeating: 7, count: 100), "PNG"),
            ("garbage.jpg", Array("not a jpeg at all".utf8), "JPEG"),
            ("empty.png", [], "PNG"),
        ]
        for (name, bytes, format) in cases {
            let path = dir.file(name)
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
            do {
                _ = try Image.read(path: path)
                Issue.record("\(name) decoded without error")
            } catch let error as ImagingError {
                guard case let .corrupt(p, f, reason) = error else {
                    Issue.record("\(name): expected .corrupt, got \(error)")
                    continue
                }
                #expect(p == path && f == format && !reason.isEmpty)
                #expect(error.description.contains(name))
            }
        }
        try AtomicFile.write(Array("GIF89a....".utf8), to: URL(fileURLWithPath: dir.file("a.gif")))
        #expect(throws: ImagingError.self) { try Image.read(path: dir.file("a.gif")) }
        do {
            _ = try Image.read(path: dir.file("a.gif"))
        } catch let ImagingError.unsupported(path, _) {
            #expect(path == dir.file("a.gif"))
        }
        #expect(throws: ImagingError.io(path: dir.file("missing.png"), reason: "cannot open: No such file or directory")) {
            try Image.read(path: dir.file("missing.png"))
        }
    }
}
