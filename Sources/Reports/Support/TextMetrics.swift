/// Approximate advance widths of a sans-serif font (DejaVu Sans, the widest of the usual fallbacks,
/// rounded up), for laying out labels without a font engine. Estimates err on the wide side, so a
/// label that is measured to fit does fit.
enum TextMetrics {
    /// The estimated width of `s` in pixels at `fontSize` pixels (`bold` adds about 6 %).
    static func width(_ s: String, fontSize: Double, bold: Bool = false) -> Double {
        var em = 0.0
        for scalar in s.unicodeScalars { em += advance(scalar) }
        return em * fontSize * (bold ? 1.06 : 1.0)
    }

    private static func advance(_ c: Unicode.Scalar) -> Double {
        switch c {
        case "i", "j", "l", ".", ",", ":", ";", "'", "|", "!", "I", "`": return 0.32
        case " ", "f", "t", "r", "(", ")", "[", "]", "{", "}", "/", "\\", "-": return 0.40
        case "m", "w", "M", "W", "@", "%": return 0.98
        case "0"..."9", "+", "=", "<", ">", "~", "^", "±", "×": return 0.64
        case "A"..."Z", "&": return 0.75
        case "★": return 0.84
        case "_": return 0.52
        default:
            return c.value < 0x80 ? 0.62 : (c.value >= 0x2E80 ? 1.0 : 0.70)
        }
    }
}
