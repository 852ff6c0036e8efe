import Base
import Foundation
import Testing
@testable import Imaging

/// One pair from Fixtures/metrics/cases.json (scripts/make_metric_fixtures.py, scikit-image).
struct MetricCase: Decodable, CustomStringConvertible {
    let name: String
    let kind: String  // "float": values in [0, 1]; "bytes": uint8, metrics on b / 255
    let height: Int
    let width: Int
    let channels: Int
    let a: [Double]
    let b: [Double]
    let ssimPerChannel: [Double]
    /// scikit-image's values; decoded by ImageQuality's own Decodable (PSNR may be "inf").
    let expected: ImageQuality

    private enum CodingKeys: String, CodingKey { case name, kind, height, width, channels, a, b, ssimPerChannel = "ssim_per_channel" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(String.self, forKey: .kind)
        height = try c.decode(Int.self, forKey: .height)
        width = try c.decode(Int.self, forKey: .width)
        channels = try c.decode(Int.self, forKey: .channels)
        a = try c.decode([Double].self, forKey: .a)
        b = try c.decode([Double].self, forKey: .b)
        ssimPerChannel = try c.decode([Double].self, forKey: .ssimPerChannel)
        expected = try ImageQuality(from: decoder)
    }

    var description: String { name }

    var floatsA: [Float] { a.map(Float.init) }
    var floatsB: [Float] { b.map(Float.init) }

    func images() throws -> (Image, Image) {
        (try Image(width: width, height: height, channels: channels, pixels: a.map { UInt8($0) }),
         try Image(width: width, height: height, channels: channels, pixels: b.map { UInt8($0) }))
    }

    static let all: [MetricCase] = {
        struct File: Decodable { let cases: [MetricCase] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("metrics/cases.json")))
            return try JSONDecoder().decode(File.self, from: data).cases
        } catch {
            fatalError("metrics/cases.json unreadable: \(error)")
        }
    }()
}

/// Tolerances against scikit-image (float64). Float inputs reach us as Float32 (relative
/// rounding ~6e-8) and we accumulate in Double: the largest differences measured on the fixtures
/// are L1 5e-10, PSNR 6e-7 dB, SSIM 5e-8. These bounds leave a wide margin and still catch every
/// plausible slip: sample instead of population covariance moves SSIM on these cases by 4e-5 to
/// 7e-4 (so 1e-4 would be too loose), σ 1.4, K2 0.02, a uniform 7x7 window or no border crop by
/// 1.5e-3 or more. 8-bit inputs are exact in Double, so the `Image` path is held to `exact`.
enum MetricTolerance {
    static let l1 = 1e-6
    static let psnr = 1e-4  // dB
    static let ssim = 1e-5
    static let exact = 1e-12
}

func expectClose(_ got: ImageQuality, _ want: ImageQuality, _ label: String) {
    #expect(abs(got.l1 - want.l1) <= MetricTolerance.l1, "\(label): L1 \(got.l1) vs skimage \(want.l1)")
    if want.psnr.isInfinite {
        #expect(got.psnr == want.psnr, "\(label): PSNR \(got.psnr) vs skimage \(want.psnr)")
    } else {
        #expect(abs(got.psnr - want.psnr) <= MetricTolerance.psnr, "\(label): PSNR \(got.psnr) vs skimage \(want.psnr)")
    }
    #expect(abs(got.ssim - want.ssim) <= MetricTolerance.ssim, "\(label): SSIM \(got.ssim) vs skimage \(want.ssim)")
}

@Suite("Image metrics")
struct MetricsTests {
    @Test("L1 / PSNR / SSIM agree with scikit-image", arguments: MetricCase.all)
    func agreesWithScikitImage(_ c: MetricCase) throws {
        if c.kind == "bytes" {
            let (a, b) = try c.images()
            expectClose(try ImageMetrics.quality(a, b), c.expected, c.name + " (Image)")
            #expect(abs(try ImageMetrics.ssim(a, b) - c.expected.ssim) <= MetricTolerance.exact)
            #expect(abs(try ImageMetrics.l1(a, b) - c.expected.l1) <= MetricTolerance.exact)
            #expect(abs(try ImageMetrics.psnr(a, b) - c.expected.psnr) <= MetricTolerance.exact)
            // The same pair as floats in [0, 1] goes through the buffer path to the same values.
            let fa = c.a.map { Float($0 / 255) }, fb = c.b.map { Float($0 / 255) }
            expectClose(try ImageMetrics.quality(fa, fb, height: c.height, width: c.width, channels: c.channels),
                        c.expected, c.name + " (floats)")
        } else {
            let q = try ImageMetrics.quality(c.floatsA, c.floatsB, height: c.height, width: c.width, channels: c.channels)
            expectClose(q, c.expected, c.name)
            // Network-range input: v in [0, 1] given as 2v - 1 with range .signed.
            let sa = c.a.map { Float(2 * $0 - 1) }, sb = c.b.map { Float(2 * $0 - 1) }
            let qs = try ImageMetrics.quality(sa, sb, height: c.height, width: c.width, channels: c.channels, range: .signed)
            expectClose(qs, c.expected, c.name + " (signed)")
        }
    }

    @Test("Per-channel SSIM agrees with scikit-image, and the RGB SSIM is their mean", arguments: MetricCase.all)
    func perChannel(_ c: MetricCase) throws {
        let scale = c.kind == "bytes" ? 1.0 / 255 : 1.0
        for k in 0..<c.channels {
            let pa = stride(from: k, to: c.a.count, by: c.channels).map { Float(c.a[$0] * scale) }
            let pb = stride(from: k, to: c.b.count, by: c.channels).map { Float(c.b[$0] * scale) }
            let s = try pa.withUnsafeBufferPointer { ua in
                try pb.withUnsafeBufferPointer { ub in
                    try ImageMetrics.ssim(ua, ub, height: c.height, width: c.width, channels: 1)
                }
            }
            #expect(abs(s - c.ssimPerChannel[k]) <= MetricTolerance.ssim, "\(c.name) channel \(k): \(s) vs \(c.ssimPerChannel[k])")
        }
        let mean = c.ssimPerChannel.reduce(0, +) / Double(c.channels)
        #expect(abs(mean - c.expected.ssim) <= 1e-12)
    }

    @Test("Batch entry point gives per-image results in order")
    func batch() throws {
        let c = try #require(MetricCase.all.first { $0.name == "rgb_shift_32x32" })
        let a = c.floatsA + c.floatsB, b = c.floatsB + c.floatsB
        let qs = try a.withUnsafeBufferPointer { ua in
            try b.withUnsafeBufferPointer { ub in
                try ImageMetrics.quality(nhwc: ua, ub, shape: [2, c.height, c.width, c.channels])
            }
        }
        #expect(qs.count == 2)
        expectClose(qs[0], c.expected, "batch[0]")
        #expect(qs[1] == ImageQuality(l1: 0, psnr: .infinity, ssim: 1))
        #expect(throws: MetricError.invalidBatchShape(operation: "ImageMetrics.quality(nhwc:)", shape: [2, 32, 32])) {
            try a.withUnsafeBufferPointer { ua in try ImageMetrics.quality(nhwc: ua, ua, shape: [2, 32, 32]) }
        }
    }

    @Test("Identical images: L1 0, PSNR +infinity, SSIM 1")
    func identical() throws {
        for channels in [1, 3] {
            let image = patternImage(width: 23, height: 17, channels: channels, seed: channels)
            let q = try ImageMetrics.quality(image, image)
            #expect(q.l1 == 0)
            #expect(q.psnr == .infinity)
            #expect(abs(q.ssim - 1) <= 1e-12)
        }
        // Flat images too (variance 0: C1 and C2 keep SSIM defined).
        let flat = Image(width: 12, height: 12, channels: 1, fill: 0)
        #expect(abs(try ImageMetrics.ssim(flat, flat) - 1) <= 1e-12)
    }

    @Test("Metrics are symmetric")
    func symmetric() throws {
        let a = patternImage(width: 40, height: 30, channels: 3, seed: 1)
        let b = patternImage(width: 40, height: 30, channels: 3, seed: 4)
        let ab = try ImageMetrics.quality(a, b), ba = try ImageMetrics.quality(b, a)
        #expect(ab == ba)
        #expect(ab.l1 > 0 && ab.psnr.isFinite && ab.ssim < 1)
    }

    @Test("SSIM falls as noise grows; PSNR follows the MSE")
    func monotone() throws {
        let h = 32, w = 32
        let clean: [Float] = (0..<(h * w)).map { (i: Int) -> Float in
            let x = Double(i % w), y = Double(i / w)
            return Float(0.5 + 0.3 * sin(x * 0.4) * cos(y * 0.3))
        }
        var generator = RandomGenerator(seed: 7)
        let noise = (0..<(h * w)).map { _ in Float.random(in: -1...1, using: &generator) }
        var previous = ImageQuality(l1: 0, psnr: .infinity, ssim: 1)
        for level in [0.01, 0.03, 0.1, 0.3] as [Float] {
            let noisy: [Float] = zip(clean, noise).map { (c: Float, n: Float) -> Float in c + level * n }
            let q = try ImageMetrics.quality(clean, noisy, height: h, width: w, channels: 1)
            #expect(q.ssim < previous.ssim && q.psnr < previous.psnr && q.l1 > previous.l1, "noise \(level): \(q)")
            var sumSquares = 0.0
            for (c, n) in zip(clean, noisy) { let d = Double(c) - Double(n); sumSquares += d * d }
            let mse = sumSquares / Double(h * w)
            #expect(abs(q.psnr - 10 * log10(1 / mse)) <= 1e-9)
            previous = q
        }
    }

    @Test("Mismatched shapes and sizes are typed errors naming both shapes")
    func mismatch() throws {
        let rgb = Image(width: 16, height: 12, channels: 3), gray = Image(width: 16, height: 12, channels: 1)
        let expected = MetricError.shapeMismatch(operation: "ImageMetrics.quality",
                                                 first: .init(height: 12, width: 16, channels: 3),
                                                 second: .init(height: 12, width: 16, channels: 1))
        #expect(throws: expected) { try ImageMetrics.quality(rgb, gray) }
        #expect("\(expected)".contains("12x16x3") && "\(expected)".contains("12x16x1"))
        #expect(throws: MetricError.self) { try ImageMetrics.ssim(rgb, Image(width: 12, height: 16, channels: 3)) }
        #expect(throws: MetricError.self) { try ImageMetrics.l1(rgb, gray) }

        let f = FloatImage(rgb), g = FloatImage(Image(width: 15, height: 12, channels: 3))
        #expect(throws: MetricError.shapeMismatch(operation: "ImageMetrics.quality",
                                                  first: .init(height: 12, width: 16, channels: 3),
                                                  second: .init(height: 12, width: 15, channels: 3))) {
            try ImageMetrics.quality(f, g)
        }

        let values = [Float](repeating: 0.5, count: 12 * 12)
        #expect(throws: MetricError.bufferSize(operation: "ImageMetrics.quality", argument: "second buffer",
                                               shape: .init(height: 12, width: 12, channels: 1), expected: 144, got: 143)) {
            try ImageMetrics.quality(values, Array(values.dropLast()), height: 12, width: 12, channels: 1)
        }
        #expect(throws: MetricError.invalidShape(operation: "ImageMetrics.quality", shape: .init(height: 0, width: 12, channels: 1))) {
            try ImageMetrics.quality([], [], height: 0, width: 12, channels: 1)
        }
    }

    @Test("SSIM needs 11x11; L1 and PSNR do not")
    func tooSmall() throws {
        let a = patternImage(width: 11, height: 10, channels: 1), b = patternImage(width: 11, height: 10, channels: 1, seed: 2)
        #expect(throws: MetricError.tooSmallForSSIM(operation: "ImageMetrics.ssim",
                                                    shape: .init(height: 10, width: 11, channels: 1), minimumSide: 11)) {
            try ImageMetrics.ssim(a, b)
        }
        #expect(try ImageMetrics.l1(a, b) > 0)
        #expect(try ImageMetrics.psnr(a, b).isFinite)
        #expect(ImageMetrics.ssimMinimumSide == 11)
    }

    @Test("Gaussian window is scikit-image's: 11 taps, sigma 1.5, normalised")
    func window() {
        let w = ImageMetrics.ssimWeights
        #expect(w.count == 11)
        #expect(abs(w.reduce(0, +) - 1) <= 1e-15)
        #expect(w == w.reversed())
        // scipy.ndimage._gaussian_kernel1d(1.5, 0, 5)[5] and [0]
        #expect(abs(w[5] - 0.26601172486179) <= 1e-13)
        #expect(abs(w[0] - 0.00102838008448) <= 1e-13)
    }

    @Test("Signed-range helper: (v + 1) / 2, clamped, NaN as 0.5")
    func signedHelper() {
        let out = ImageMetrics.unitInterval(fromSigned: [-1, 0, 1, 0.5, -3, 2, .nan])
        #expect(out == [0, 0.5, 1, 0.75, 0, 1, 0.5])
    }

    @Test("Accumulator: mean, sample SD, identical pairs counted as 100 dB")
    func accumulator() throws {
        var acc = MetricAccumulator()
        #expect(acc.summary == nil)
        acc.add(ImageQuality(l1: 0.1, psnr: 20, ssim: 0.5))
        acc.add(ImageQuality(l1: 0.3, psnr: 30, ssim: 0.7))
        acc.add(contentsOf: [ImageQuality(l1: 0, psnr: .infinity, ssim: 1)])
        let s = try #require(acc.summary)
        #expect(s.count == 3 && s.identicalCount == 1 && s.identicalPSNR == 100)
        #expect(abs(s.mean.l1 - 0.4 / 3) <= 1e-15)
        #expect(abs(s.mean.psnr - 50) <= 1e-12)
        #expect(abs(s.mean.ssim - 2.2 / 3) <= 1e-15)
        // sample SD of (20, 30, 100): sqrt(((-30)^2 + (-20)^2 + 50^2) / 2)
        #expect(abs(s.standardDeviation.psnr - (3800.0 / 2).squareRoot()) <= 1e-12)
        let l1s = [0.1, 0.3, 0.0], m = l1s.reduce(0, +) / 3
        #expect(abs(s.standardDeviation.l1 - (l1s.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 2).squareRoot()) <= 1e-15)

        var strict = MetricAccumulator(identicalPSNR: .infinity)
        strict.add(ImageQuality(l1: 0.1, psnr: 20, ssim: 0.5))
        #expect(strict.summary?.standardDeviation == ImageQuality(l1: 0, psnr: 0, ssim: 0))
        strict.add(ImageQuality(l1: 0, psnr: .infinity, ssim: 1))
        #expect(strict.summary?.mean.psnr == .infinity)
        #expect(strict.summary?.standardDeviation.psnr.isNaN == true)

        var fromImages = MetricAccumulator()
        let a = patternImage(width: 16, height: 16, channels: 3), b = patternImage(width: 16, height: 16, channels: 3, seed: 3)
        let q = try fromImages.add(a, b)
        #expect(fromImages.summary?.mean == q)
    }

    @Test("Codable: snake_case keys, infinite PSNR as \"inf\", round trip")
    func codable() throws {
        var acc = MetricAccumulator()
        acc.add(ImageQuality(l1: 0.25, psnr: 12.5, ssim: 0.5))
        acc.add(ImageQuality(l1: 0, psnr: .infinity, ssim: 1))
        let summary = try #require(acc.summary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        #expect(json.contains("\"identical_count\":1") && json.contains("\"sd\":{") && json.contains("\"identical_psnr\":100"))
        #expect(try JSONDecoder().decode(MetricSummary.self, from: Data(json.utf8)) == summary)

        let perfect = ImageQuality(l1: 0, psnr: .infinity, ssim: 1)
        let text = String(decoding: try encoder.encode(perfect), as: UTF8.self)
        #expect(text == #"{"l1":0,"psnr":"inf","ssim":1}"#)
        #expect(try JSONDecoder().decode(ImageQuality.self, from: Data(text.utf8)) == perfect)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ImageQuality.self, from: Data(#"{"l1":0,"psnr":"lots","ssim":1}"#.utf8))
        }
    }
}
