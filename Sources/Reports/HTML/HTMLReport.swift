import Base
import Foundation

/// A report as one self-contained HTML page: inline CSS, inline SVG charts, PNG images embedded
/// as `data:` URIs. It opens from disk in any browser, needs no server and no network, and can be
/// mailed or archived as a single file.
///
/// ```swift
/// var report = HTMLReport(title: "Ablation: generator depth", subtitle: "facades, 200 epochs, 3 seeds")
/// report.section("Results")
/// report.table(table)
/// try report.figure(psnrChart, caption: "PSNR on the validation split; mean ± sd over seeds.")
/// report.section("Samples")
/// try report.images([("input", a), ("unet_256", fake), ("target", b)], caption: "Validation image 7")
/// try report.write(to: directory.appendingPathComponent("report.html"))
/// ```
///
/// Content is added in order. ``section(_:)`` starts a `<section>` with an `<h2>` and, once there
/// are two or more, a table of contents at the top. All text is escaped; the output is
/// deterministic (no dates, no random ids), so a report can be compared with `diff`.
public struct HTMLReport: Sendable, Equatable {
    /// The page title and top heading.
    public var title: String
    /// A line under the title ("" for none).
    public var subtitle: String

    enum Block: Sendable, Equatable {
        case section(String)
        case heading(String)
        case paragraph(String)
        case keyValues([Pair])
        case table(Table)
        case figure(svg: String, caption: String)
        case images([Image], columns: Int, caption: String, pixelated: Bool)
        case code(String)
    }

    struct Pair: Sendable, Equatable {
        var key: String
        var value: String
    }

    struct Image: Sendable, Equatable {
        var label: String
        var base64: String
        var size: PNGInfo
    }

    private(set) var blocks: [Block] = []

    /// An empty report.
    public init(title: String, subtitle: String = "") {
        self.title = title
        self.subtitle = subtitle
    }

    /// Starts a new section with an `<h2>` heading (listed in the table of contents).
    public mutating func section(_ heading: String) { blocks.append(.section(heading)) }

    /// A sub-heading (`<h3>`) inside the current section.
    public mutating func heading(_ text: String) { blocks.append(.heading(text)) }

    /// A paragraph of plain text (escaped; blank lines start new paragraphs).
    public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }

    /// A two-column list of names and values (run settings, versions, timings).
    public mutating func keyValues(_ pairs: [(String, String)]) {
        blocks.append(.keyValues(pairs.map { Pair(key: $0.0, value: $0.1) }))
    }

    /// A table (its ``Table/caption`` becomes the HTML caption).
    public mutating func table(_ table: Table) { blocks.append(.table(table)) }

    /// A preformatted block (a config file, a command line).
    public mutating func code(_ text: String) { blocks.append(.code(text)) }

    /// An SVG figure, inlined as is. Pass only SVG you trust — such as the output of
    /// ``LineChart/svg()`` or ``BarChart/svg()`` — since inline SVG is live markup. Throws
    /// ``ReportError/notSVG(figure:reason:)`` when `svg` is not an `<svg>` element (an XML
    /// declaration before it is dropped).
    public mutating func figure(svg: String, caption: String = "") throws {
        var body = svg.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("<?xml"), let end = body.range(of: "?>") {
            body = String(body[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let name = caption.isEmpty ? "figure \(blocks.count)" : caption
        guard body.hasPrefix("<svg") else {
            throw ReportError.notSVG(figure: name, reason: "it does not start with <svg")
        }
        guard body.hasSuffix("</svg>") else {
            throw ReportError.notSVG(figure: name, reason: "it does not end with </svg>")
        }
        blocks.append(.figure(svg: body, caption: caption))
    }

    /// A line chart as a figure.
    public mutating func figure(_ chart: LineChart, caption: String = "") throws {
        try figure(svg: chart.svg(), caption: caption)
    }

    /// A bar chart as a figure.
    public mutating func figure(_ chart: BarChart, caption: String = "") throws {
        try figure(svg: chart.svg(), caption: caption)
    }

    /// One PNG image as a figure, embedded as a `data:` URI; `label` is its alt text.
    /// Throws ``ReportError/notPNG(image:reason:)`` when `png` is not a PNG file.
    public mutating func image(png: [UInt8], label: String, caption: String = "", pixelated: Bool = false) throws {
        try images([(label, png)], columns: 1, caption: caption, pixelated: pixelated)
    }

    /// PNG images side by side (`columns` to a row), each with its label underneath — input,
    /// output and target of a sample, or one output per variant. `pixelated` keeps small images
    /// sharp when the browser scales them up. Throws ``ReportError/notPNG(image:reason:)`` naming
    /// the first image that is not a PNG file, or ``ReportError/invalidOption(subject:option:value:expected:)``
    /// when `columns` < 1.
    public mutating func images(_ images: [(label: String, png: [UInt8])], columns: Int = 4, caption: String = "",
                                pixelated: Bool = false) throws {
        guard columns >= 1 else {
            throw ReportError.invalidOption(subject: title, option: "columns", value: String(columns), expected: "at least 1")
        }
        let embedded = try images.enumerated().map { i, image in
            let size = try PNGInfo(image.png, name: image.label.isEmpty ? "image \(i)" : image.label)
            return Image(label: image.label, base64: Data(image.png).base64EncodedString(), size: size)
        }
        blocks.append(.images(embedded, columns: min(columns, max(1, embedded.count)), caption: caption,
                              pixelated: pixelated))
    }

    /// Writes ``html()`` to `url` atomically (`Base.AtomicFile`).
    public func write(to url: URL) throws {
        try AtomicFile.write(html(), to: url)
    }

    // MARK: Rendering

    /// The whole page.
    public func html() -> String {
        var anchors: [String] = []
        var used: [String: Int] = [:]
        for case let .section(heading) in blocks {
            let base = Markup.slug(heading)
            let n = used[base, default: 0]
            used[base] = n + 1
            anchors.append(n == 0 ? base : "\(base)-\(n + 1)")
        }
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Markup.escape(title))</title>
            <style>
            \(Self.css)</style>
            </head>
            <body>
            <main>
            <header>
            <h1>\(Markup.escape(title))</h1>

            """
        if !subtitle.isEmpty { out += "<p class=\"subtitle\">\(Markup.escape(subtitle))</p>\n" }
        out += "</header>\n"
        if anchors.count >= 2 {
            out += "<nav class=\"toc\"><ol>\n"
            var i = 0
            for case let .section(heading) in blocks {
                out += "<li><a href=\"#\(anchors[i])\">\(Markup.escape(heading))</a></li>\n"
                i += 1
            }
            out += "</ol></nav>\n"
        }
        var sectionIndex = 0
        var open = false
        var figureNumber = 0
        for block in blocks {
            switch block {
            case let .section(heading):
                if open { out += "</section>\n" }
                out += "<section id=\"\(anchors[sectionIndex])\">\n<h2>\(Markup.escape(heading))</h2>\n"
                sectionIndex += 1
                open = true
            case let .heading(text):
                out += "<h3>\(Markup.escape(text))</h3>\n"
            case let .paragraph(text):
                for part in Self.paragraphs(text) { out += "<p>\(Markup.escape(part))</p>\n" }
            case let .keyValues(pairs):
                out += "<dl class=\"kv\">\n"
                for pair in pairs {
                    out += "<dt>\(Markup.escape(pair.key))</dt><dd>\(Markup.escape(pair.value))</dd>\n"
                }
                out += "</dl>\n"
            case let .table(table):
                out += "<div class=\"table-wrap\">\n" + table.html() + "</div>\n"
            case let .code(text):
                out += "<pre><code>\(Markup.escape(text))</code></pre>\n"
            case let .figure(svg, caption):
                figureNumber += 1
                out += "<figure class=\"chart\">\n\(svg)\n"
                out += Self.caption(caption, number: figureNumber)
                out += "</figure>\n"
            case let .images(images, columns, caption, pixelated):
                figureNumber += 1
                out += "<figure class=\"images\">\n<div class=\"grid\" style=\"grid-template-columns: repeat(\(columns), minmax(0, 1fr))\">\n"
                for image in images {
                    out += "<div class=\"cell\"><img src=\"data:image/png;base64,\(image.base64)\" "
                        + "width=\"\(image.size.width)\" height=\"\(image.size.height)\" alt=\"\(Markup.escape(image.label))\""
                        + (pixelated ? " class=\"pixelated\"" : "") + ">"
                    if !image.label.isEmpty { out += "<span class=\"label\">\(Markup.escape(image.label))</span>" }
                    out += "</div>\n"
                }
                out += "</div>\n" + Self.caption(caption, number: figureNumber) + "</figure>\n"
            }
        }
        if open { out += "</section>\n" }
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    private static func caption(_ text: String, number: Int) -> String {
        "<figcaption><span class=\"fig\">Figure \(number).</span>" + (text.isEmpty ? "" : " \(Markup.escape(text))")
            + "</figcaption>\n"
    }

    /// `text` split at blank lines, each part's line breaks kept as spaces.
    static func paragraphs(_ text: String) -> [String] {
        var parts: [String] = []
        var current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { parts.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(trimmed)
            }
        }
        if !current.isEmpty { parts.append(current.joined(separator: " ")) }
        return parts
    }

    static let css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f6f8fa; color: #1f2328;
          font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 960px; margin: 0 auto; padding: 32px 28px 64px; background: #ffffff; min-height: 100vh;
          box-shadow: 0 0 0 1px #d8dee4; }
        header { border-bottom: 1px solid #d8dee4; margin-bottom: 20px; padding-bottom: 12px; }
        h1 { font-size: 26px; line-height: 1.25; margin: 0 0 4px; font-weight: 650; }
        .subtitle { margin: 0; color: #57606a; }
        h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 1px solid #eaeef2; font-weight: 620; }
        h3 { font-size: 16px; margin: 24px 0 8px; font-weight: 620; }
        p { margin: 8px 0 12px; max-width: 75ch; }
        nav.toc { background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 6px; padding: 8px 16px; margin: 0 0 16px; }
        nav.toc ol { margin: 0; padding-left: 20px; columns: 2; }
        nav.toc a { color: #0969da; text-decoration: none; }
        nav.toc a:hover { text-decoration: underline; }
        figure { margin: 20px 0 24px; }
        figure.chart svg { display: block; max-width: 100%; height: auto; border: 1px solid #eaeef2; border-radius: 6px; }
        figcaption { margin-top: 8px; color: #57606a; font-size: 13.5px; max-width: 80ch; }
        figcaption .fig { font-weight: 600; color: #1f2328; }
        .grid { display: grid; gap: 10px; }
        .cell { display: flex; flex-direction: column; align-items: center; gap: 4px; }
        .cell img { display: block; width: 100%; height: auto; border-radius: 4px; border: 1px solid #eaeef2; background: #f6f8fa; }
        .cell img.pixelated { image-rendering: pixelated; }
        .cell .label { font-size: 12.5px; color: #57606a; text-align: center; word-break: break-word; }
        .table-wrap { overflow-x: auto; margin: 16px 0 20px; }
        table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
        caption { caption-side: top; text-align: left; color: #57606a; font-size: 13.5px; padding-bottom: 6px; }
        th, td { padding: 6px 12px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
        th { border-bottom: 2px solid #d0d7de; font-weight: 600; background: #f6f8fa; }
        tbody tr:nth-child(even) { background: #fbfcfd; }
        tbody tr:hover { background: #f3f6f9; }
        .num { text-align: right; }
        .center { text-align: center; }
        td strong { font-weight: 700; color: #0550ae; }
        dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0 16px; font-size: 14px; }
        dl.kv dt { color: #57606a; }
        dl.kv dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px;
          word-break: break-all; }
        pre { background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 6px; padding: 12px 14px; overflow-x: auto;
          font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        @media print { body { background: #ffffff; } main { box-shadow: none; max-width: none; } nav.toc { display: none; } }

        """
}
