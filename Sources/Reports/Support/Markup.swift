/// Escaping for XML (SVG) and HTML text and attribute values.
enum Markup {
    /// `s` with `& < > " '` replaced by entities and characters that XML 1.0 forbids (C0
    /// controls other than tab, line feed and carriage return; U+FFFE, U+FFFF) replaced by U+FFFD,
    /// so any label, however hostile, yields well-formed XML and inert HTML.
    static func escape(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A 64-bit FNV-1a hash of `s`, as 12 hex digits: a stable, deterministic id suffix
    /// (Swift's `Hasher` is seeded per process and would change the bytes from run to run).
    static func stableID(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(12))
    }

    /// A lowercase, hyphenated anchor name from `s` ("Loss curves" → "loss-curves").
    static func slug(_ s: String) -> String {
        var out = ""
        var pendingHyphen = false
        for scalar in s.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if pendingHyphen, !out.isEmpty { out += "-" }
                pendingHyphen = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        return out.isEmpty ? "section" : out
    }
}
