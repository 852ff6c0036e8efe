/// The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"): eight colours that stay
/// distinct under the common forms of colour blindness. Ordered for lines on white: the pale
/// yellow, which is hard to see as a thin line, comes last.
public enum Palette {
    /// Blue, vermillion, bluish green, reddish purple, orange, sky blue, black, yellow.
    public static let okabeIto: [String] = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
    ]

    /// Dash patterns that tell series apart once the eight colours are used up (SVG
    /// `stroke-dasharray` values; empty = solid).
    static let dashes: [String] = ["", "7 3", "2 2.5", "9 3 2 3"]

    /// The colour and dash pattern of series number `index`.
    static func style(_ index: Int) -> (color: String, dash: String) {
        let n = okabeIto.count
        return (okabeIto[index % n], dashes[(index / n) % dashes.count])
    }

    static let text = "#1f2328"
    static let secondaryText = "#57606a"
    static let mutedText = "#6e7781"
    static let grid = "#e4e7eb"
    static let minorGrid = "#f1f3f5"
    static let axis = "#8c959f"
}
