import Base
import Testing
@testable import Imaging

@Suite("Transforms")
struct TransformTests {
    let photo: Image

    init() throws {
        photo = try Fixtures.image("color/rgb_chelsea.png")
    }

    @Test("Grayscale is bit-exact with cv2.cvtColor(RGB2GRAY)")
    func grayscale() throws {
        let gray = photo.grayscale()
        #expect(gray.channels == 1)
        #expect(gray == (try Fixtures.image("color/gray_cv2.png")))
        #expect(gray.grayscale() == gray)
        #expect(gray.rgb().channel(at: 2) == gray)
    }

    @Test("Resize agrees with cv2.resize", arguments: [
        ("color/area_37x23_cv2.png", ResizeFilter.area, 37, 23, 1, 0.01),
        ("color/area_32x32_cv2.png", ResizeFilter.area, 32, 32, 0, 0.0),
        ("color/area_32x32_cv2.png", ResizeFilter.auto, 32, 32, 0, 0.0),
        ("color/cubic_101x90_cv2.png", ResizeFilter.bicubic, 101, 90, 1, 0.01),
        ("color/cubic_101x90_cv2.png", ResizeFilter.auto, 101, 90, 1, 0.01),
        ("color/linear_101x90_cv2.png", ResizeFilter.bilinear, 101, 90, 1, 0.2),
    ])
    func resize(file: String, filter: ResizeFilter, width: Int, height: Int, maxDiff: Int, meanDiff: Double) throws {
        let ours = photo.resized(width: width, height: height, filter: filter)
        let cv = try Fixtures.image(file)
        #expect(ours.width == width && ours.height == height && ours.channels == 3)
        // OpenCV computes 8-bit bilinear in 11-bit fixed point, we in float: ±1 is expected.
        #expect(maxAbsDifference(ours, cv) <= maxDiff)
        #expect(meanAbsDifference(ours, cv) <= meanDiff)
    }

    @Test("Gaussian blur: exact for cv2's integer kernels, within 1 otherwise")
    func blur() throws {
        let gray = photo.grayscale()
        #expect(try gray.gaussianBlurred(kernelSize: 5) == (try Fixtures.image("color/blur5_cv2.png")))
        let blur7 = try gray.gaussianBlurred(kernelSize: 7, sigma: 2)
        #expect(maxAbsDifference(blur7, try Fixtures.image("color/blur7_s2_cv2.png")) <= 1)
        #expect(throws: ImagingError.self) { try gray.gaussianBlurred(kernelSize: 4) }
        #expect(try photo.gaussianBlurred(kernelSize: 5).channel(at: 0) == (try photo.channel(at: 0).gaussianBlurred(kernelSize: 5)))
    }

    @Test("Crop, flip and concatenation move pixels where they belong")
    func geometry() throws {
        let image = patternImage(width: 10, height: 6, channels: 3)
        let crop = image.cropped(x: 3, y: 2, width: 4, height: 3)
        #expect(crop[0, 0, 1] == image[3, 2, 1] && crop[3, 2, 2] == image[6, 4, 2])
        let flipped = image.horizontallyFlipped()
        #expect(flipped[0, 5, 0] == image[9, 5, 0] && flipped.horizontallyFlipped() == image)
        let center = try image.centerCropped(width: 4, height: 4)
        #expect(center == image.cropped(x: 3, y: 1, width: 4, height: 4))
        #expect(throws: ImagingError.self) { try image.centerCropped(width: 11, height: 4) }
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<50 {
            let r = try image.randomCropRect(width: 4, height: 5, using: &rng)
            #expect(r.x >= 0 && r.x + 4 <= 10 && r.y >= 0 && r.y + 5 <= 6)
        }
        let gray = image.grayscale()
        let joined = try Image.horizontalConcatenation([gray, image])
        #expect(joined.width == 20 && joined.channels == 3)
        #expect(joined.cropped(x: 10, y: 0, width: 10, height: 6) == image)
        #expect(joined.cropped(x: 0, y: 0, width: 10, height: 6) == gray.rgb())
    }

    @Test("Bytes map to [-1, 1] and back exactly")
    func floats() throws {
        var all = [UInt8](0...255)
        all += all.reversed()
        let image = try Image(width: 512, height: 1, channels: 1, pixels: all)
        let values = image.unitFloats()
        #expect(values[0] == -1 && values[255] == 1)
        #expect(abs(values[128] - (128 / 127.5 - 1)) < 1e-6)
        let back = try values.withUnsafeBufferPointer { try Image(unitFloats: $0, width: 512, height: 1, channels: 1) }
        #expect(back == image)
        let clamped = try [Float(-3), 2, .nan].withUnsafeBufferPointer { try Image(unitFloats: $0, width: 3, height: 1, channels: 1) }
        #expect(clamped.pixels == [0, 255, 0])
        let a = patternImage(width: 5, height: 4, channels: 3), b = patternImage(width: 5, height: 4, channels: 3, seed: 1)
        let batch = try Image.nhwcBatch([a, b])
        #expect(batch.shape == [2, 4, 5, 3])
        let images = try batch.values.withUnsafeBufferPointer { try Image.images(nhwc: $0, shape: batch.shape) }
        #expect(images == [a, b])
        #expect(throws: ImagingError.self) { try Image.nhwcBatch([a, a.grayscale()]) }
        #expect(FloatImage(a).image() == a)
    }

    @Test("Grid places images in cells with padding")
    func grid() throws {
        let a = Image(width: 4, height: 3, channels: 1, fill: 10)
        let b = Image(width: 2, height: 2, channels: 3, fill: 200)
        let g = try Image.grid([a, b, a], columns: 2, padding: 1, background: 255)
        #expect(g.width == 2 * 4 + 3 && g.height == 2 * 3 + 3 && g.channels == 3)
        #expect(g[1, 1, 0] == 10 && g[0, 0, 0] == 255)
        // b is centred in the second cell: x0 = 1 + 5 + 1, y0 = 1 + 0
        #expect(g[7, 1, 2] == 200 && g[6, 1, 2] == 255)
        #expect(g[1, 5, 1] == 10)
    }
}
