import Foundation

/// Locale-free, deterministic number formatting for SVG coordinates, tick labels and table
/// cells: the same Double always gives the same bytes, whatever the machine's locale.
enum NumberFormat {
    /// `v` with exactly `decimals` digits after the point ("-0.50" → never "-0,50"); negative zero
    /// prints as zero. Magnitudes beyond 1e15 fall back to ``scientific(_:digits:)``.
    static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return nonFinite(v) }
        let d = max(0, min(decimals, 12))
        let scale = pow(10.0, Double(d))
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return scientific(v, digits: 6) }
        let q = UInt64(scaled)
        let p = UInt64(scale)
        let whole = q / p
        var out = (v < 0 && q != 0) ? "-" : ""
        out += String(whole)
        if d > 0 {
            let frac = String(q % p)
            out += "." + String(repeating: "0", count: d - frac.count) + frac
        }
        return out
    }

    /// ``fixed(_:_:)`` with trailing zeros (and a bare point) removed: "12.50" → "12.5", "3.00" → "3".
    static func trimmed(_ v: Double, _ decimals: Int) -> String {
        var s = fixed(v, decimals)
        guard s.contains("."), !s.contains("e") else { return s }
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// An SVG coordinate: one decimal (a tenth of a pixel), trailing zeros trimmed.
    static func coordinate(_ v: Double) -> String { trimmed(v, 1) }

    /// `v` in scientific notation with `digits` significant digits, trailing zeros trimmed:
    /// 0.000025 → "2.5e-5".
    static func scientific(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return nonFinite(v) }
        guard v != 0 else { return "0" }
        var exponent = Int(floor(log10(abs(v))))
        var mantissa = v / pow(10.0, Double(exponent))
        let decimals = max(0, digits - 1)
        let rounded = (mantissa * pow(10.0, Double(decimals))).rounded(.toNearestOrAwayFromZero) / pow(10.0, Double(decimals))
        mantissa = rounded
        if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
        return trimmed(mantissa, decimals) + "e" + String(exponent)
    }

    /// `v` with `digits` significant digits, in plain notation for 1e-4 ≤ |v| < 1e7 and scientific
    /// notation outside; trailing zeros trimmed. 0.69314 → "0.6931", 12345.6 → "12346".
    static func significant(_ v: Double, digits: Int = 4) -> String {
        guard v.isFinite else { return nonFinite(v) }
        guard v != 0 else { return "0" }
        let magnitude = abs(v)
        guard magnitude >= 1e-4, magnitude < 1e7 else { return scientific(v, digits: digits) }
        let exponent = Int(floor(log10(magnitude)))
        return trimmed(v, max(0, digits - 1 - exponent))
    }

    /// Decimals that show `digits` significant digits of `reference` (the largest magnitude in a
    /// column or chart), clamped to 0…6.
    static func decimals(forReference reference: Double, digits: Int = 3) -> Int {
        guard reference.isFinite, reference != 0 else { return 2 }
        let exponent = Int(floor(log10(abs(reference))))
        return max(0, min(6, digits - 1 - exponent))
    }

    /// The shortest text that reads back as the same Double (for CSV): "0.1", "1e-05", "NaN".
    static func roundTrip(_ v: Double) -> String {
        guard v.isFinite else { return nonFinite(v) }
        if v == 0 { return "0" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }

    /// `v` with commas between thousands when |v| ≥ 10,000 ("54,414,531", "-12,000", "9999").
    static func grouped(_ v: Int) -> String {
        let digits = String(v.magnitude)
        guard digits.count > 4 else { return String(v) }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    static func nonFinite(_ v: Double) -> String {
        v.isNaN ? "NaN" : (v > 0 ? "inf" : "-inf")
    }
}
