#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Locale-free, deterministic number and byte formatting: the same value always gives the same
/// text, whatever the machine's locale. Used for table cells, SVG coordinates, tick labels, CLI
/// output, model cards and error messages.
public enum Format {
    /// `v` with exactly `decimals` digits after the point ("-0.50", never "-0,50"); negative zero
    /// prints as zero. Magnitudes beyond 9e15 fall back to ``scientific(_:digits:)``.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
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
    public static func trimmed(_ v: Double, _ decimals: Int) -> String {
        var s = fixed(v, decimals)
        guard s.contains("."), !s.contains("e") else { return s }
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `v` in scientific notation with `digits` significant digits, trailing zeros trimmed:
    /// 0.000025 → "2.5e-5".
    public static func scientific(_ v: Double, digits: Int) -> String {
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
    public static func significant(_ v: Double, digits: Int = 4) -> String {
        guard v.isFinite else { return nonFinite(v) }
        guard v != 0 else { return "0" }
        let magnitude = abs(v)
        guard magnitude >= 1e-4, magnitude < 1e7 else { return scientific(v, digits: digits) }
        let exponent = Int(floor(log10(magnitude)))
        return trimmed(v, max(0, digits - 1 - exponent))
    }

    /// Decimals that show `digits` significant digits of `reference` (the largest magnitude in a
    /// column or chart), clamped to 0…6.
    public static func decimals(forReference reference: Double, digits: Int = 3) -> Int {
        guard reference.isFinite, reference != 0 else { return 2 }
        let exponent = Int(floor(log10(abs(reference))))
        return max(0, min(6, digits - 1 - exponent))
    }

    /// The shortest text that reads back as the same Double (for CSV): "0.1", "1e-05", "NaN".
    public static func roundTrip(_ v: Double) -> String {
        guard v.isFinite else { return nonFinite(v) }
        if v == 0 { return "0" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }

    /// `v` with commas between thousands: "54,413,955", "-12,000", "999". With `minimumDigits`
    /// (e.g. 5) shorter numbers stay ungrouped ("9999").
    public static func grouped(_ v: Int, minimumDigits: Int = 4) -> String {
        let digits = String(v.magnitude)
        guard digits.count >= minimumDigits else { return String(v) }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// A byte count in binary units with two decimals: "512 B", "1.50 KiB", "54.20 MiB", "2.00 GiB".
    public static func bytes(_ n: Int) -> String {
        guard n.magnitude >= 1024 else { return "\(n) B" }
        var value = Double(n)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if abs(value) < 1024 || unit == "TiB" { return fixed(value, 2) + " " + unit }
        }
        return "\(n) B"
    }

    /// A duration as "mm:ss", or "h:mm:ss" from an hour up; "--:--" when unknown or negative.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        func two(_ x: Int) -> String { x < 10 ? "0\(x)" : String(x) }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(two(s / 60)):\(two(s % 60))"
    }

    /// `text` cut to at most `limit` characters with an ellipsis in the middle (error messages
    /// must not repeat a 1 MB name).
    public static func shortened(_ text: String, limit: Int = 120) -> String {
        guard text.count > limit, limit >= 5 else { return text }
        let keep = (limit - 1) / 2
        return String(text.prefix(keep)) + "…" + String(text.suffix(limit - 1 - keep))
    }

    public static func nonFinite(_ v: Double) -> String {
        v.isNaN ? "NaN" : (v > 0 ? "inf" : "-inf")
    }
}
