import Foundation

/// Byte counts for people, as the zoo commands print them (`1.5 KiB`, `2.00 MiB`).
enum ByteFormat {
    static func string(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.2f MiB", Double(bytes) / Double(1 << 20))
    }
}

/// Byte counts for people.
enum ByteText {
    /// `1234567` → `"1,234,567"`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `512` → `"512 B"`, `1536` → `"1.5 KiB"`, in binary units.
    static func short(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        var value = Double(n)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: value < 10 ? "%.2f" : "%.1f", value) + " " + unit }
        }
        return "\(n) B"
    }
}
