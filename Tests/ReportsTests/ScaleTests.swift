import Foundation
@testable import Reports
import Testing

@Suite struct NiceScaleTests {
    @Test(arguments: [
        (1.4, true, 1.0), (1.6, true, 2.0), (2.9, true, 2.0), (3.1, true, 5.0), (6.9, true, 5.0), (7.1, true, 10.0),
        (1.0, false, 1.0), (1.01, false, 2.0), (4.2, false, 5.0), (5.5, false, 10.0), (0.034, false, 0.05),
        (730.0, false, 1000.0), (0.00012, true, 0.0001),
    ])
    func niceNumber(x: Double, round: Bool, expected: Double) {
        #expect(abs(NiceScale.niceNumber(x, round: round) - expected) <= expected * 1e-12)
    }

    @Test func documentedExample() {
        let scale = NiceScale(min: 0.13, max: 0.92, maxTicks: 6)
        #expect(scale.lower == 0)
        #expect(abs(scale.upper - 1) < 1e-12)
        #expect(abs(scale.step - 0.2) < 1e-12)
        #expect(scale.ticks.count == 6)
        #expect(scale.ticks.map(scale.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func axisStaysTight() {
        // Heckbert's range-first rounding would give 0…40 here.
        let scale = NiceScale(min: 0, max: 21.75, maxTicks: 6)
        #expect(scale.upper == 25)
        #expect(scale.step == 5)
    }

    /// For many ranges: the ticks cover the data, are evenly spaced multiples of a 1-2-5 step,
    /// and number at most maxTicks.
    @Test func propertiesOverManyRanges() {
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for _ in 0..<2000 {
            let magnitude = pow(10, next() * 12 - 6)
            let a = (next() * 2 - 1) * magnitude
            let b = a + next() * magnitude * pow(10, next() * 2 - 1)
            let maxTicks = 2 + Int(next() * 10)  // includes 2 for a range across zero
            let scale = NiceScale(min: a, max: b, maxTicks: maxTicks)
            #expect(scale.lower <= a + abs(a) * 1e-12 && scale.upper >= b - abs(b) * 1e-12, "\(a) \(b)")
            let allowed = max(maxTicks, a < 0 && b > 0 ? 3 : 2)
            #expect(scale.ticks.count >= 2 && scale.ticks.count <= allowed, "\(a) \(b) \(maxTicks): \(scale.ticks)")
            let mantissa = scale.step / pow(10, floor(log10(scale.step)))
            #expect([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(scale.step)")
            for (t0, t1) in zip(scale.ticks, scale.ticks.dropFirst()) {
                #expect(abs((t1 - t0) - scale.step) <= scale.step * 1e-9)
            }
            for t in scale.ticks {
                let k = t / scale.step
                #expect(abs(k - k.rounded()) < 1e-6, "tick \(t) step \(scale.step)")
            }
        }
    }

    @Test func degenerateAndReversedRanges() {
        let constant = NiceScale(min: 3, max: 3)
        #expect(constant.lower < 3 && constant.upper > 3)
        let zero = NiceScale(min: 0, max: 0)
        #expect(zero.lower <= -1 && zero.upper >= 1)
        #expect(NiceScale(min: 10, max: 2) == NiceScale(min: 2, max: 10))
        let nonFinite = NiceScale(min: .nan, max: .infinity)
        #expect(nonFinite.lower == 0 && nonFinite.upper == 1)
    }

    @Test func zeroIsAnExactTick() {
        let scale = NiceScale(min: -0.3, max: 0.7, maxTicks: 6)
        #expect(scale.ticks.contains(0))
        #expect(!scale.ticks.map(scale.label).contains("-0.0"))
    }

    @Test func labels() {
        let steps = NiceScale(min: 0, max: 20000, maxTicks: 5)
        #expect(steps.ticks.map(steps.label) == ["0", "5k", "10k", "15k", "20k"])
        let millions = NiceScale(min: 0, max: 3e7, maxTicks: 4)
        #expect(millions.label(1e7) == "10M")
        let tiny = NiceScale(min: 0, max: 0.00009, maxTicks: 4)
        #expect(tiny.label(tiny.ticks[1]) == "2e-5" || tiny.label(tiny.ticks[1]) == "5e-5", "\(tiny.ticks.map(tiny.label))")
        let negative = NiceScale(min: -2.5, max: 2.5, maxTicks: 6)
        #expect(negative.ticks.map(negative.label) == ["-4", "-2", "0", "2", "4"])
    }
}

@Suite struct LogScaleTests {
    @Test func powersOfTen() {
        let scale = LogScale(min: 0.01, max: 100)
        #expect(scale.ticks.count == 5)
        #expect(scale.labels == ["0.01", "0.1", "1", "10", "100"])
        #expect(scale.lower < 0.01 && scale.upper > 100)
        #expect(scale.minorTicks.contains { abs($0 - 0.5) < 1e-12 })
    }

    @Test func oneTwoFiveWithinADecadeOrTwo() {
        let scale = LogScale(min: 0.2, max: 3)
        #expect(scale.labels == ["0.2", "0.5", "1", "2"])
        #expect(scale.minorTicks.contains { abs($0 - 0.3) < 1e-12 })
        #expect(!scale.minorTicks.contains { abs($0 - 0.5) < 1e-12 })
    }

    @Test func manyDecadesAreThinned() {
        let scale = LogScale(min: 1e-8, max: 1e8, maxTicks: 5)
        #expect(scale.ticks.count <= 6 && scale.ticks.count >= 3, "\(scale.labels)")
        #expect(scale.labels.contains("1e-8") || scale.labels.contains("1e-6"))
    }

    @Test func narrowRangeStillHasTicksInside() {
        let scale = LogScale(min: 0.61, max: 0.74)
        #expect(scale.ticks.count >= 2, "\(scale.labels)")
        #expect(scale.ticks.allSatisfy { $0 >= scale.lower && $0 <= scale.upper })
    }

    @Test func invalidRangeFallsBack() {
        let scale = LogScale(min: 0, max: -3)
        #expect(scale.lower < 1 && scale.upper > 10)
    }
}

