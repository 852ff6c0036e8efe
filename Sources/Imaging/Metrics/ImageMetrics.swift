import Foundation

// Full-reference image-quality metrics for validation and model cards: L1, PSNR and SSIM, all on
// values in [0, 1] with data range 1. SSIM reproduces scikit-image's
//     structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
//                           use_sample_covariance=False, channel_axis=-1)
// (Wang et al. 2004), checked against fixtures made by scripts/make_metric_fixtures.py.
// Everything is accumulated in Double, as scikit-image does for float64 input.

/// How the values of a float buffer map to the metrics' [0, 1].
public enum PixelRange: String, Sendable, Codable, CaseIterable {
    /// Values are already in [0, 1] and are used exactly as given (no clamping).
    case unit
    /// Network outputs in [-1, 1] (tanh): v becomes (v + 1) / 2 after clamping to [-1, 1], with
    /// NaN taken as 0 — what `Image(unitFloats:...)` would store if the output were saved.
    case signed
}

/// L1, PSNR and SSIM between images with values in [0, 1] (data range 1).
///
/// All three metrics are symmetric in their two arguments. Images are HWC (row-major,
/// interleaved channels); any channel count is accepted, and multi-channel SSIM is the mean of
/// the per-channel SSIMs (scikit-image's `channel_axis=-1`). `Image` bytes are read as b / 255;
/// float buffers are read according to a ``PixelRange``.
public enum ImageMetrics {
    /// A height x width x channels triple, printed `HxWxC` in errors.
    public struct Shape: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var height: Int
        public var width: Int
        public var channels: Int

        public init(height: Int, width: Int, channels: Int) {
            self.height = height
            self.width = width
            self.channels = channels
        }

        /// `height * width * channels`.
        public var count: Int { height * width * channels }

        public var description: String { "\(height)x\(width)x\(channels)" }
    }

    /// SSIM constants (Wang et al. 2004): C1 = (K1 · L)², C2 = (K2 · L)² with data range L = 1.
    public static let ssimK1 = 0.01
    public static let ssimK2 = 0.03
    /// Standard deviation of SSIM's Gaussian window.
    public static let ssimSigma = 1.5
    /// Window radius: `Int(3.5 * sigma + 0.5)` = 5, i.e. an 11-tap window — scikit-image's
    /// `truncate = 3.5` with scipy.ndimage's radius rule.
    public static let ssimRadius = 5
    /// Smallest height and width SSIM accepts (the window size, 11), as in scikit-image.
    public static var ssimMinimumSide: Int { 2 * ssimRadius + 1 }

    /// The normalised 11-tap Gaussian (σ = 1.5) that scipy.ndimage.gaussian_filter uses.
    static let ssimWeights: [Double] = {
        let r = ssimRadius
        let raw = (-r...r).map { x in exp(-0.5 * Double(x * x) / (ssimSigma * ssimSigma)) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }()

    // MARK: Image (8-bit) entry points

    /// Mean absolute error over all values, bytes read as b / 255.
    public static func l1(_ a: Image, _ b: Image) throws -> Double {
        try withSources(a, b, operation: "ImageMetrics.l1") { sa, sb, shape in
            errorSums(sa, sb, count: shape.count).l1
        }
    }

    /// PSNR in dB with data range 1: `10 · log10(1 / MSE)`. Identical images (MSE = 0) give
    /// `+infinity`, as scikit-image's `peak_signal_noise_ratio` does.
    public static func psnr(_ a: Image, _ b: Image) throws -> Double {
        try withSources(a, b, operation: "ImageMetrics.psnr") { sa, sb, shape in
            psnr(mse: errorSums(sa, sb, count: shape.count).mse)
        }
    }

    /// Mean SSIM (Gaussian window 11 x 11, σ = 1.5, K1 = 0.01, K2 = 0.03, data range 1), the mean
    /// over channels for RGB. Needs height and width ≥ 11.
    public static func ssim(_ a: Image, _ b: Image) throws -> Double {
        try withSources(a, b, operation: "ImageMetrics.ssim") { sa, sb, shape in
            try ssim(sa, sb, shape: shape, operation: "ImageMetrics.ssim")
        }
    }

    /// L1, PSNR and SSIM in one call (bytes read as b / 255).
    public static func quality(_ a: Image, _ b: Image) throws -> ImageQuality {
        try withSources(a, b, operation: "ImageMetrics.quality") { sa, sb, shape in
            try quality(sa, sb, shape: shape, operation: "ImageMetrics.quality")
        }
    }

    /// L1, PSNR and SSIM of two float images in the networks' [-1, 1] (``PixelRange/signed``).
    public static func quality(_ a: FloatImage, _ b: FloatImage) throws -> ImageQuality {
        try quality(a.values, b.values, height: a.height, width: a.width, channels: a.channels, range: .signed,
                    secondShape: Shape(height: b.height, width: b.width, channels: b.channels))
    }

    // MARK: Raw float-buffer entry points

    /// Mean absolute error of two HWC buffers of `height * width * channels` values.
    public static func l1(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                          height: Int, width: Int, channels: Int, range: PixelRange = .unit) throws -> Double {
        let shape = try checkBuffers(a.count, b.count, height: height, width: width, channels: channels,
                                     operation: "ImageMetrics.l1")
        return errorSums(.floats(a, range), .floats(b, range), count: shape.count).l1
    }

    /// PSNR in dB (data range 1) of two HWC buffers; `+infinity` when they are identical.
    public static func psnr(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                            height: Int, width: Int, channels: Int, range: PixelRange = .unit) throws -> Double {
        let shape = try checkBuffers(a.count, b.count, height: height, width: width, channels: channels,
                                     operation: "ImageMetrics.psnr")
        return psnr(mse: errorSums(.floats(a, range), .floats(b, range), count: shape.count).mse)
    }

    /// Mean SSIM of two HWC buffers (height and width ≥ 11), averaged over channels.
    public static func ssim(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                            height: Int, width: Int, channels: Int, range: PixelRange = .unit) throws -> Double {
        let shape = try checkBuffers(a.count, b.count, height: height, width: width, channels: channels,
                                     operation: "ImageMetrics.ssim")
        return try ssim(.floats(a, range), .floats(b, range), shape: shape, operation: "ImageMetrics.ssim")
    }

    /// L1, PSNR and SSIM of two HWC buffers of `height * width * channels` values.
    ///
    /// - Parameters:
    ///   - a, b: HWC values, interleaved channels; read according to `range`.
    ///   - range: `.unit` for values in [0, 1], `.signed` for network outputs in [-1, 1].
    public static func quality(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                               height: Int, width: Int, channels: Int, range: PixelRange = .unit) throws -> ImageQuality {
        let shape = try checkBuffers(a.count, b.count, height: height, width: width, channels: channels,
                                     operation: "ImageMetrics.quality")
        return try quality(.floats(a, range), .floats(b, range), shape: shape, operation: "ImageMetrics.quality")
    }

    /// L1, PSNR and SSIM of two HWC arrays of `height * width * channels` values (the array form of
    /// the buffer entry point above).
    public static func quality(_ a: [Float], _ b: [Float], height: Int, width: Int, channels: Int,
                               range: PixelRange = .unit) throws -> ImageQuality {
        try quality(a, b, height: height, width: width, channels: channels, range: range, secondShape: nil)
    }

    /// Per-image L1, PSNR and SSIM of two NHWC batches of shape `[N, H, W, C]`
    /// (`N * H * W * C` values each), in batch order.
    public static func quality(nhwc a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                               shape: [Int], range: PixelRange = .unit) throws -> [ImageQuality] {
        let operation = "ImageMetrics.quality(nhwc:)"
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }) else {
            throw MetricError.invalidBatchShape(operation: operation, shape: shape)
        }
        let image = Shape(height: shape[1], width: shape[2], channels: shape[3])
        let total = shape[0] * image.count
        for (name, buffer) in [("first batch", a), ("second batch", b)] where buffer.count != total {
            throw MetricError.bufferSize(operation: operation, argument: name,
                                         shape: Shape(height: shape[0] * image.height, width: image.width, channels: image.channels),
                                         expected: total, got: buffer.count)
        }
        return try (0..<shape[0]).map { n in
            let lo = n * image.count, hi = lo + image.count
            return try quality(.floats(UnsafeBufferPointer(rebasing: a[lo..<hi]), range),
                               .floats(UnsafeBufferPointer(rebasing: b[lo..<hi]), range),
                               shape: image, operation: operation)
        }
    }

    /// Maps network outputs in [-1, 1] to [0, 1]: (v + 1) / 2 after clamping to [-1, 1], NaN as 0
    /// (so NaN becomes 0.5), the mapping ``PixelRange/signed`` applies on the fly.
    public static func unitInterval(fromSigned values: [Float]) -> [Float] {
        values.map { Float(signedToUnit($0)) }
    }

    // MARK: Implementation

    /// A borrowed HWC buffer and how to read it as Double in [0, 1].
    enum Source {
        case bytes(UnsafeBufferPointer<UInt8>)
        case floats(UnsafeBufferPointer<Float>, PixelRange)
    }

    @inline(__always)
    static func signedToUnit(_ v: Float) -> Double {
        v.isNaN ? 0.5 : (Double(min(max(v, -1), 1)) + 1) * 0.5
    }

    static func psnr(mse: Double) -> Double {
        mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    private static func quality(_ a: [Float], _ b: [Float], height: Int, width: Int, channels: Int,
                                range: PixelRange, secondShape: Shape?) throws -> ImageQuality {
        let operation = "ImageMetrics.quality"
        let first = Shape(height: height, width: width, channels: channels)
        if let second = secondShape, second != first {
            throw MetricError.shapeMismatch(operation: operation, first: first, second: second)
        }
        return try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                let shape = try checkBuffers(pa.count, pb.count, height: height, width: width, channels: channels,
                                             operation: operation)
                return try quality(.floats(pa, range), .floats(pb, range), shape: shape, operation: operation)
            }
        }
    }

    private static func quality(_ a: Source, _ b: Source, shape: Shape, operation: String) throws -> ImageQuality {
        let s = try ssim(a, b, shape: shape, operation: operation)
        let sums = errorSums(a, b, count: shape.count)
        return ImageQuality(l1: sums.l1, psnr: psnr(mse: sums.mse), ssim: s)
    }

    private static func withSources<R>(_ a: Image, _ b: Image, operation: String,
                                       _ body: (Source, Source, Shape) throws -> R) throws -> R {
        let sa = Shape(height: a.height, width: a.width, channels: a.channels)
        let sb = Shape(height: b.height, width: b.width, channels: b.channels)
        guard sa == sb else { throw MetricError.shapeMismatch(operation: operation, first: sa, second: sb) }
        return try a.withUnsafeBytes { pa in try b.withUnsafeBytes { pb in try body(.bytes(pa), .bytes(pb), sa) } }
    }

    private static func checkBuffers(_ countA: Int, _ countB: Int, height: Int, width: Int, channels: Int,
                                     operation: String) throws -> Shape {
        let shape = Shape(height: height, width: width, channels: channels)
        guard height > 0, width > 0, channels > 0 else { throw MetricError.invalidShape(operation: operation, shape: shape) }
        if countA != shape.count {
            throw MetricError.bufferSize(operation: operation, argument: "first buffer", shape: shape,
                                         expected: shape.count, got: countA)
        }
        if countB != shape.count {
            throw MetricError.bufferSize(operation: operation, argument: "second buffer", shape: shape,
                                         expected: shape.count, got: countB)
        }
        return shape
    }

    /// Mean |a - b| and mean (a - b)² over `count` values.
    static func errorSums(_ a: Source, _ b: Source, count: Int) -> (l1: Double, mse: Double) {
        var sumAbs = 0.0, sumSq = 0.0
        @inline(__always) func add(_ d: Double) { sumAbs += abs(d); sumSq += d * d }
        switch (a, b) {
        case let (.bytes(pa), .bytes(pb)):
            for i in 0..<count { add(Double(pa[i]) / 255 - Double(pb[i]) / 255) }
        case let (.floats(pa, .unit), .floats(pb, .unit)):
            for i in 0..<count { add(Double(pa[i]) - Double(pb[i])) }
        default:
            for i in 0..<count { add(value(a, i) - value(b, i)) }
        }
        return (sumAbs / Double(count), sumSq / Double(count))
    }

    @inline(__always)
    private static func value(_ s: Source, _ i: Int) -> Double {
        switch s {
        case let .bytes(p): return Double(p[i]) / 255
        case let .floats(p, .unit): return Double(p[i])
        case let .floats(p, .signed): return signedToUnit(p[i])
        }
    }

    /// Writes channel `channel` of row `y` (width values) of `s` as Double in [0, 1].
    private static func loadRow(_ s: Source, y: Int, channel: Int, shape: Shape, into row: UnsafeMutablePointer<Double>) {
        let c = shape.channels, start = y * shape.width * c + channel
        switch s {
        case let .bytes(p):
            for x in 0..<shape.width { row[x] = Double(p[start + x * c]) / 255 }
        case let .floats(p, .unit):
            for x in 0..<shape.width { row[x] = Double(p[start + x * c]) }
        case let .floats(p, .signed):
            for x in 0..<shape.width { row[x] = signedToUnit(p[start + x * c]) }
        }
    }

    /// Mean SSIM over channels. scikit-image filters the five moment images (a, b, a², b², ab)
    /// with the Gaussian (mode "reflect"), evaluates SSIM per pixel and averages after cropping a
    /// 5-pixel border; every window centred inside that crop lies inside the image, so only the
    /// cropped region is computed and no border handling is needed. Separable filter: a
    /// horizontal pass into five (H x (W - 10)) planes, then a vertical pass row by row.
    static func ssim(_ a: Source, _ b: Source, shape: Shape, operation: String) throws -> Double {
        let r = ssimRadius, taps = 2 * r + 1
        guard shape.height >= taps, shape.width >= taps else {
            throw MetricError.tooSmallForSSIM(operation: operation, shape: shape, minimumSide: taps)
        }
        let h = shape.height, w = shape.width, cw = w - 2 * r, ch = h - 2 * r
        let c1 = ssimK1 * ssimK1, c2 = ssimK2 * ssimK2
        // Workspace: 5 input rows (w), 5 horizontal planes (h x cw), 5 accumulator rows (cw).
        let planeSize = h * cw
        let total = 5 * w + 5 * planeSize + 5 * cw
        let work = UnsafeMutablePointer<Double>.allocate(capacity: total)
        defer { work.deallocate() }
        let rows = work, planes = work + 5 * w, acc = planes + 5 * planeSize
        let rowA = rows, rowB = rows + w, rowAA = rows + 2 * w, rowBB = rows + 3 * w, rowAB = rows + 4 * w

        return ssimWeights.withUnsafeBufferPointer { weights in
            var sumOverChannels = 0.0
            for channel in 0..<shape.channels {
                // Horizontal pass over every row, only for the columns the crop keeps.
                planes.initialize(repeating: 0, count: 5 * planeSize)
                for y in 0..<h {
                    loadRow(a, y: y, channel: channel, shape: shape, into: rowA)
                    loadRow(b, y: y, channel: channel, shape: shape, into: rowB)
                    for x in 0..<w {
                        let va = rowA[x], vb = rowB[x]
                        rowAA[x] = va * va
                        rowBB[x] = vb * vb
                        rowAB[x] = va * vb
                    }
                    let out = planes + y * cw
                    for k in 0..<taps {
                        let wk = weights[k]
                        for f in 0..<5 {
                            let src = rows + f * w + k, dst = out + f * planeSize
                            for x in 0..<cw { dst[x] += wk * src[x] }
                        }
                    }
                }
                // Vertical pass per cropped row, then SSIM per pixel.
                var sum = 0.0
                for y in 0..<ch {
                    acc.initialize(repeating: 0, count: 5 * cw)
                    for k in 0..<taps {
                        let wk = weights[k]
                        for f in 0..<5 {
                            let src = planes + f * planeSize + (y + k) * cw, dst = acc + f * cw
                            for x in 0..<cw { dst[x] += wk * src[x] }
                        }
                    }
                    let ux = acc, uy = acc + cw, uxx = acc + 2 * cw, uyy = acc + 3 * cw, uxy = acc + 4 * cw
                    for x in 0..<cw {
                        let mx = ux[x], my = uy[x]
                        let vx = uxx[x] - mx * mx, vy = uyy[x] - my * my, vxy = uxy[x] - mx * my
                        let num = (2 * mx * my + c1) * (2 * vxy + c2)
                        let den = (mx * mx + my * my + c1) * (vx + vy + c2)
                        sum += num / den
                    }
                }
                sumOverChannels += sum / Double(ch * cw)
            }
            return sumOverChannels / Double(shape.channels)
        }
    }
}
