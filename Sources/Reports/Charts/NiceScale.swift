import Base
import Foundation

/// Axis ticks at "nice" numbers (1, 2 or 5 times a power of ten) covering a data range, after
/// Heckbert's loose labelling ("Nice numbers for graph labels", Graphics Gems, 1990): the step is
/// the smallest nice number that covers the range with at most `maxTicks` ticks, and the axis
/// runs from the last tick at or below the minimum to the first at or above the maximum.
///
/// ```swift
/// let scale = NiceScale(min: 0.13, max: 0.92, maxTicks: 6)
/// // lower 0, upper 1, step 0.2, ticks [0, 0.2, 0.4, 0.6, 0.8, 1]
/// ```
public struct NiceScale: Sendable, Equatable {
    /// The first tick, at or below the data minimum.
    public let lower: Double
    /// The last tick, at or above the data maximum.
    public let upper: Double
    /// The distance between ticks: 1, 2 or 5 times a power of ten.
    public let step: Double
    /// The ticks from ``lower`` to ``upper`` (computed as multiples of ``step``, so free of
    /// accumulated rounding error; an exact zero is a tick whenever the range spans zero).
    public let ticks: [Double]

    /// A scale covering `min`…`max` with at most `maxTicks` ticks (at least 2, or 3 when the
    /// range crosses zero).
    /// A degenerate range (`min == max`) is widened around its value; non-finite bounds give the
    /// unit range 0…1. `min` and `max` may come in either order.
    public init(min: Double, max: Double, maxTicks: Int = 6) {
        var lo = Swift.min(min, max)
        var hi = Swift.max(min, max)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo <= Swift.max(abs(lo), abs(hi)) * 1e-12 {
            let spread = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= spread
            hi += spread
        }
        // Heckbert rounds the range, then the step; that can leave a whole empty step at the top
        // (0…21.7 → 0…40). Taking the smallest nice step whose ticks still number at most
        // maxTicks keeps the axis tight (0…21.7 → 0…25 by 5) while every tick stays nice.
        let target = Swift.max(2, maxTicks)
        var step = Self.niceNumber((hi - lo) / Double(target - 1), round: false)
        var first = (lo / step).rounded(.down)
        var last = (hi / step).rounded(.up)
        // A range across zero needs three ticks at least (−s, 0, s); any other range fits in two.
        let fewest = lo < 0 && hi > 0 ? 3 : 2
        while Int(last - first) + 1 > Swift.max(target, fewest) {
            step = Self.niceNumber(step * 1.5, round: false)
            first = (lo / step).rounded(.down)
            last = (hi / step).rounded(.up)
        }
        var ticks: [Double] = []
        var k = first
        while k <= last + 0.5 {
            let t = k * step
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            k += 1
        }
        self.lower = first * step
        self.upper = last * step
        self.step = step
        self.ticks = ticks
    }

    /// The nice number near `x` (> 0): rounded to the nearest of 1, 2, 5, 10 times a power of ten
    /// when `round` is true, or the smallest of them that is ≥ `x` when it is false.
    public static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x.isFinite, x > 0 else { return 1 }
        let exponent = floor(log10(x))
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// The label of tick `value`: as many decimals as ``step`` needs ("0.2", "15", "2.5e-5"),
    /// thousands as "k" and millions as "M" when the step is a whole number of them ("20k").
    public func label(_ value: Double) -> String {
        let magnitude = Swift.max(abs(lower), abs(upper))
        if step < 1e-4 || magnitude >= 1e10 {
            guard value != 0 else { return "0" }
            let digits = Int(floor(log10(abs(value)))) - Int(floor(log10(step) + 1e-9)) + 1
            return Format.scientific(value, digits: Swift.max(1, digits))
        }
        if magnitude >= 1e7, step >= 1e6 {
            return value == 0 ? "0" : Format.fixed(value / 1e6, Self.decimals(step / 1e6)) + "M"
        }
        if magnitude >= 1e4, step >= 1e3 {
            return value == 0 ? "0" : Format.fixed(value / 1e3, Self.decimals(step / 1e3)) + "k"
        }
        return Format.fixed(value, Self.decimals(step))
    }

    private static func decimals(_ step: Double) -> Int { Swift.max(0, -Int(floor(log10(step) + 1e-9))) }
}

/// Ticks for a logarithmic axis over a positive data range.
///
/// The domain is the data range padded by 4 % of its width in log space. Labelled ticks are the
/// powers of ten inside it when there are at least three of them (every second, third … power
/// when there are more than `maxTicks`), otherwise 1-2-5 multiples, otherwise 1…9 multiples,
/// otherwise nice linear ticks; ``minorTicks`` are the remaining 1…9 multiples, for faint grid
/// lines.
public struct LogScale: Sendable, Equatable {
    /// The bottom of the axis (> 0).
    public let lower: Double
    /// The top of the axis.
    public let upper: Double
    /// The labelled ticks, ascending, all inside ``lower``…``upper``.
    public let ticks: [Double]
    /// Unlabelled grid positions between the ticks.
    public let minorTicks: [Double]
    /// The labels of ``ticks``.
    public let labels: [String]

    /// A log scale covering `min`…`max`. Non-positive or non-finite bounds give 1…10.
    public init(min: Double, max: Double, maxTicks: Int = 8) {
        var lo = Swift.min(min, max)
        var hi = Swift.max(min, max)
        if !(lo > 0) || !hi.isFinite || !lo.isFinite { lo = 1; hi = 10 }
        var a = log10(lo)
        var b = log10(hi)
        if b - a < 1e-9 { a -= 0.5; b += 0.5 } else {
            let pad = (b - a) * 0.04
            a -= pad
            b += pad
        }
        let lower = pow(10, a)
        let upper = pow(10, b)
        let inside = { (v: Double) in v >= lower * (1 - 1e-12) && v <= upper * (1 + 1e-12) }
        let kRange = Int(floor(a))...Int(ceil(b))
        func multiples(_ ms: [Double]) -> [Double] {
            kRange.flatMap { k in ms.map { m in Self.power(k) * m } }.filter(inside)
        }
        let all = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9])
        let limit = Swift.max(3, maxTicks)
        var ticks: [Double]
        var labels: [String]
        let powers = multiples([1])
        if powers.count >= 3 {
            let stride = (powers.count + limit - 1) / limit
            ticks = powers.filter { Int(log10($0).rounded()) % stride == 0 }
            labels = ticks.map { Format.significant($0, digits: 1) }
        } else if case let oneTwoFive = multiples([1, 2, 5]), oneTwoFive.count >= 3 {
            ticks = oneTwoFive
            labels = ticks.map { Format.significant($0, digits: 1) }
        } else if all.count >= 3 {
            ticks = all.count > limit ? multiples([1, 2, 4, 6, 8]) : all
            labels = ticks.map { Format.significant($0, digits: 1) }
        } else {
            let linear = NiceScale(min: lower, max: upper, maxTicks: 5)
            ticks = linear.ticks.filter(inside)
            labels = ticks.map(linear.label)
        }
        self.lower = lower
        self.upper = upper
        self.ticks = ticks
        self.labels = labels
        self.minorTicks = all.filter { v in !ticks.contains { abs($0 - v) <= v * 1e-9 } }
    }

    /// 10^k, exact for the powers Double can hold exactly (pow(10, -k) is not always).
    static func power(_ k: Int) -> Double {
        k >= 0 ? pow(10, Double(k)) : 1 / pow(10, Double(-k))
    }
}

/// One axis of a plot: its domain, its scale, its ticks and their labels.
struct Axis {
    var lower: Double
    var upper: Double
    var isLog: Bool
    var ticks: [Double]
    var labels: [String]
    var minorTicks: [Double] = []

    /// Where `v` falls on the axis: 0 at ``lower``, 1 at ``upper``.
    func fraction(_ v: Double) -> Double {
        if isLog { return (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (v - lower) / (upper - lower)
    }

    /// A linear value axis extended to nice bounds around `min`…`max`.
    static func niceLinear(min: Double, max: Double, maxTicks: Int) -> Axis {
        let scale = NiceScale(min: min, max: max, maxTicks: maxTicks)
        return Axis(lower: scale.lower, upper: scale.upper, isLog: false, ticks: scale.ticks,
                    labels: scale.ticks.map(scale.label))
    }

    /// A linear axis over exactly `min`…`max` with the nice ticks that fall inside it.
    static func exactLinear(min: Double, max: Double, maxTicks: Int) -> Axis {
        var lo = min
        var hi = max
        if !(hi > lo) { lo -= 1; hi += 1 }
        let scale = NiceScale(min: lo, max: hi, maxTicks: maxTicks)
        let eps = (hi - lo) * 1e-9
        let ticks = scale.ticks.filter { $0 >= lo - eps && $0 <= hi + eps }
        return Axis(lower: lo, upper: hi, isLog: false, ticks: ticks, labels: ticks.map(scale.label))
    }

    /// A logarithmic axis over `min`…`max` (both > 0).
    static func log(min: Double, max: Double, maxTicks: Int) -> Axis {
        let scale = LogScale(min: min, max: max, maxTicks: maxTicks)
        return Axis(lower: scale.lower, upper: scale.upper, isLog: true, ticks: scale.ticks,
                    labels: scale.labels, minorTicks: scale.minorTicks)
    }
}
