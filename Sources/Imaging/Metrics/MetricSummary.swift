import Foundation

/// L1, PSNR and SSIM of one image pair (or their mean / standard deviation over a set).
///
/// Codable with keys `l1`, `psnr`, `ssim`. JSON has no infinity or NaN, so a non-finite value is
/// written as the string `"inf"`, `"-inf"` or `"nan"` and read back from it (any encoder works,
/// no `nonConformingFloatEncodingStrategy` needed); finite values are plain numbers.
public struct ImageQuality: Sendable, Equatable, Hashable, Codable {
    /// Mean absolute error, in [0, 1] for inputs in [0, 1]; lower is better.
    public var l1: Double
    /// Peak signal-to-noise ratio in dB with data range 1; `+infinity` for identical images.
    public var psnr: Double
    /// Mean structural similarity in [-1, 1]; 1 for identical images.
    public var ssim: Double

    public init(l1: Double, psnr: Double, ssim: Double) {
        self.l1 = l1
        self.psnr = psnr
        self.ssim = ssim
    }

    private enum CodingKeys: String, CodingKey { case l1, psnr, ssim }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        l1 = try c.decodeMetric(.l1)
        psnr = try c.decodeMetric(.psnr)
        ssim = try c.decodeMetric(.ssim)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeMetric(l1, .l1)
        try c.encodeMetric(psnr, .psnr)
        try c.encodeMetric(ssim, .ssim)
    }
}

extension ImageQuality: CustomStringConvertible {
    /// `L1 0.0412  PSNR 25.47 dB  SSIM 0.8171`.
    public var description: String {
        String(format: "L1 %.4f  PSNR %.2f dB  SSIM %.4f", l1, psnr, ssim)
    }
}

/// Mean and standard deviation of ``ImageQuality`` over a set of image pairs, from a
/// ``MetricAccumulator``.
///
/// Codable with keys `count`, `mean`, `sd`, `identical_count`, `identical_psnr`.
public struct MetricSummary: Sendable, Equatable, Codable {
    /// Number of image pairs.
    public var count: Int
    /// Per-metric mean over the pairs.
    public var mean: ImageQuality
    /// Per-metric sample standard deviation (divisor n − 1; 0 for a single pair).
    public var standardDeviation: ImageQuality
    /// Pairs whose PSNR was `+infinity` (identical images).
    public var identicalCount: Int
    /// The PSNR such pairs counted as in `mean.psnr` and `standardDeviation.psnr`.
    public var identicalPSNR: Double

    public init(count: Int, mean: ImageQuality, standardDeviation: ImageQuality, identicalCount: Int, identicalPSNR: Double) {
        self.count = count
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.identicalCount = identicalCount
        self.identicalPSNR = identicalPSNR
    }

    private enum CodingKeys: String, CodingKey {
        case count, mean, standardDeviation = "sd", identicalCount = "identical_count", identicalPSNR = "identical_psnr"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        mean = try c.decode(ImageQuality.self, forKey: .mean)
        standardDeviation = try c.decode(ImageQuality.self, forKey: .standardDeviation)
        identicalCount = try c.decodeIfPresent(Int.self, forKey: .identicalCount) ?? 0
        identicalPSNR = try c.decodeMetricIfPresent(.identicalPSNR) ?? MetricAccumulator.defaultIdenticalPSNR
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(mean, forKey: .mean)
        try c.encode(standardDeviation, forKey: .standardDeviation)
        try c.encode(identicalCount, forKey: .identicalCount)
        try c.encodeMetric(identicalPSNR, .identicalPSNR)
    }
}

/// Averages ``ImageQuality`` over a set of image pairs (mean and sample standard deviation,
/// Welford's update, so any number of pairs can stream through).
///
/// An identical pair has infinite PSNR, which would make the mean infinite; it counts as
/// `identicalPSNR` instead (100 dB by default, a common ceiling; pass `.infinity` to keep the
/// strict value) and is reported in ``MetricSummary/identicalCount``. L1 and SSIM need no such
/// rule. A NaN (e.g. from NaN inputs in `.unit` range) propagates to the summary on purpose.
public struct MetricAccumulator: Sendable, Equatable {
    /// The default PSNR an identical pair counts as: 100 dB.
    public static let defaultIdenticalPSNR = 100.0

    /// The PSNR (dB) an identical pair counts as.
    public let identicalPSNR: Double
    /// Pairs added so far.
    public private(set) var count = 0
    /// Pairs added whose PSNR was `+infinity`.
    public private(set) var identicalCount = 0
    private var l1 = Welford(), psnr = Welford(), ssim = Welford()

    public init(identicalPSNR: Double = MetricAccumulator.defaultIdenticalPSNR) {
        self.identicalPSNR = identicalPSNR
    }

    /// Adds one pair's metrics.
    public mutating func add(_ quality: ImageQuality) {
        count += 1
        var p = quality.psnr
        if p == .infinity {
            identicalCount += 1
            p = identicalPSNR
        }
        l1.add(quality.l1)
        psnr.add(p)
        ssim.add(quality.ssim)
    }

    /// Adds several pairs' metrics (e.g. the result of `ImageMetrics.quality(nhwc:_:shape:range:)`).
    public mutating func add<S: Sequence>(contentsOf qualities: S) where S.Element == ImageQuality {
        for q in qualities { add(q) }
    }

    /// Computes and adds the metrics of one pair of 8-bit images; returns them.
    @discardableResult
    public mutating func add(_ a: Image, _ b: Image) throws -> ImageQuality {
        let q = try ImageMetrics.quality(a, b)
        add(q)
        return q
    }

    /// Mean and standard deviation so far; `nil` before the first pair.
    public var summary: MetricSummary? {
        guard count > 0 else { return nil }
        return MetricSummary(
            count: count,
            mean: ImageQuality(l1: l1.value, psnr: psnr.value, ssim: ssim.value),
            standardDeviation: ImageQuality(l1: l1.sampleSD, psnr: psnr.sampleSD, ssim: ssim.sampleSD),
            identicalCount: identicalCount, identicalPSNR: identicalPSNR)
    }

    /// Running mean and sum of squared deviations of the finite values (Welford 1962); non-finite
    /// values are summed apart, so an infinity makes the mean infinite (the SD then NaN) and a NaN
    /// makes both NaN.
    private struct Welford: Sendable, Equatable {
        var finite = 0, mean = 0.0, m2 = 0.0
        var nonFiniteSum: Double?

        mutating func add(_ x: Double) {
            guard x.isFinite else {
                nonFiniteSum = (nonFiniteSum ?? 0) + x
                return
            }
            finite += 1
            let delta = x - mean
            mean += delta / Double(finite)
            m2 += delta * (x - mean)
        }

        var value: Double { nonFiniteSum ?? mean }

        var sampleSD: Double {
            if nonFiniteSum != nil { return .nan }
            return finite > 1 ? (m2 / Double(finite - 1)).squareRoot() : 0
        }
    }
}

extension KeyedDecodingContainer {
    /// A Double written as a number or as "inf" / "-inf" / "nan".
    func decodeMetric(_ key: Key) throws -> Double {
        if let v = try? decode(Double.self, forKey: key) { return v }
        let text = try decode(String.self, forKey: key)
        switch text.lowercased() {
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default:
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "expected a number or \"inf\" / \"-inf\" / \"nan\", got \"\(text)\"")
        }
    }

    func decodeMetricIfPresent(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeMetric(key)
    }
}

extension KeyedEncodingContainer {
    /// Writes finite values as numbers, others as "inf" / "-inf" / "nan" (JSON has no literal for them).
    mutating func encodeMetric(_ value: Double, _ key: Key) throws {
        if value.isFinite {
            try encode(value, forKey: key)
        } else {
            try encode(value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf"), forKey: key)
        }
    }
}
