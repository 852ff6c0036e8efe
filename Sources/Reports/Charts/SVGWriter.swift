import Base
import Foundation

/// A rectangle in SVG user units (pixels), y down.
struct Rect {
    var x0: Double
    var y0: Double
    var x1: Double
    var y1: Double
    var width: Double { x1 - x0 }
    var height: Double { y1 - y0 }
}

/// Collects SVG elements as text. Styling is done with presentation attributes only, never a
/// `<style>` element: a style sheet in an SVG that is inlined into HTML would apply to the whole
/// page, and to every other chart on it.
struct SVGWriter {
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"

    private(set) var elements: [String] = []

    mutating func raw(_ element: String) { elements.append(element) }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ s: String, x: Double, y: Double, size: Double, anchor: Anchor = .start,
                       fill: String = Palette.text, bold: Bool = false, rotate: Bool = false) {
        var a = "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" fill=\"\(fill)\""
        if anchor != .start { a += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { a += " font-weight=\"600\"" }
        if rotate { a += " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" }
        elements.append(a + ">" + Markup.escape(s) + "</text>")
    }

    /// A text element made of runs with their own fill and weight (a legend entry's name and
    /// value), `gap` pixels apart (whitespace inside SVG text collapses, so the gap is a `dx`).
    mutating func spans(_ runs: [(text: String, fill: String, bold: Bool)], x: Double, y: Double, size: Double,
                        gap: Double = 0, anchor: Anchor = .start) {
        var a = "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\""
        if anchor != .start { a += " text-anchor=\"\(anchor.rawValue)\"" }
        a += ">"
        for (i, run) in runs.enumerated() {
            a += "<tspan fill=\"\(run.fill)\"" + (run.bold ? " font-weight=\"600\"" : "")
                + (i > 0 && gap > 0 ? " dx=\"\(f(gap))\"" : "") + ">" + Markup.escape(run.text) + "</tspan>"
        }
        elements.append(a + "</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                       width: Double = 1, dash: String = "", cap: String? = nil) {
        var a = "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\""
        if !dash.isEmpty { a += " stroke-dasharray=\"\(dash)\"" }
        if let cap { a += " stroke-linecap=\"\(cap)\"" }
        elements.append(a + "/>")
    }

    mutating func rect(_ r: Rect, fill: String, stroke: String? = nil, strokeWidth: Double = 1, opacity: Double? = nil,
                       extra: String = "") {
        var a = "<rect x=\"\(f(r.x0))\" y=\"\(f(r.y0))\" width=\"\(f(max(0, r.width)))\" height=\"\(f(max(0, r.height)))\" fill=\"\(fill)\""
        if let opacity { a += " fill-opacity=\"\(Format.trimmed(opacity, 2))\"" }
        if let stroke { a += " stroke=\"\(stroke)\" stroke-width=\"\(f(strokeWidth))\"" }
        elements.append(a + extra + "/>")
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "#ffffff", extra: String = "") {
        elements.append("<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1\"\(extra)/>")
    }

    /// The document: a white background, `<title>` and `<desc>` for screen readers and tooltips,
    /// then the elements. Width and height are also the viewBox, so the chart scales with CSS.
    func document(width: Double, height: Double, title: String, description: String) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" font-family=\"\(SVGWriter.fontFamily)\">\n"
        out += "<title>\(Markup.escape(title))</title>\n"
        out += "<desc>\(Markup.escape(description))</desc>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        var body = ""
        for e in elements { body += e + "\n" }
        // Ids (clip paths) must be unique on an HTML page holding several charts, and the same
        // from run to run: derive them from the chart's own content.
        let id = Markup.stableID(out + body)
        return out + body.replacingOccurrences(of: Self.idPlaceholder, with: id) + "</svg>\n"
    }

    /// Stands for the chart's content-derived id until ``document(width:height:title:description:)``
    /// replaces it. Escaped user text can never contain it (control characters become U+FFFD).
    static let idPlaceholder = "\u{1}ID\u{1}"

    /// A coordinate, to a tenth of a pixel.
    func f(_ v: Double) -> String { Format.trimmed(v, 1) }
}

/// Lays out text items (legend entries, notes) left to right, wrapping into rows.
enum Flow {
    /// The x offset and row of each item of the given widths, with `gap` between items and rows
    /// no wider than `maxWidth`.
    static func layout(widths: [Double], gap: Double, maxWidth: Double) -> [(x: Double, row: Int)] {
        var out: [(Double, Int)] = []
        var x = 0.0
        var row = 0
        for w in widths {
            if x > 0, x + w > maxWidth { x = 0; row += 1 }
            out.append((x, row))
            x += w + gap
        }
        return out
    }

    /// Words of `text` broken into lines no wider than `maxWidth` at `fontSize`.
    static func wrap(_ text: String, fontSize: Double, maxWidth: Double) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if !current.isEmpty, TextMetrics.width(candidate, fontSize: fontSize) > maxWidth {
                lines.append(current)
                current = String(word)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
