import Base
import Foundation

/// A line chart of named series of (x, y) points, rendered to a standalone SVG document —
/// training curves (step vs. G_GAN, G_L1, D_real, D_fake) above all.
///
/// ```swift
/// var chart = LineChart(title: "Losses", xLabel: "step", yLabel: "loss",
///                       series: [LineChart.Series(name: "G_GAN", xy: log.map { (Double($0.step), $0.gGAN) })])
/// chart.smoothing = 0.9          // EMA; the raw values are drawn faint behind
/// chart.yScale = .log
/// try chart.write(to: runDirectory.appendingPathComponent("loss.svg"))
/// ```
///
/// - Non-finite points (and, on a log axis, non-positive values) are left out and counted in a
///   note under the chart; an empty series gets a "no data" legend entry; a single point is a dot.
/// - Points are sorted by x (stably) before drawing; thousands of points are reduced to the
///   first, last, minimum and maximum per pixel column, which draws the same picture.
/// - Colours follow ``Palette/okabeIto`` (colour-blind safe); series beyond eight repeat the
///   colours with dashes.
/// - The output is deterministic (same chart → same bytes) and well-formed XML; all text is
///   escaped.
public struct LineChart: Sendable, Equatable {
    /// One data point.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A named sequence of points, drawn as one line.
    public struct Series: Sendable, Equatable {
        /// The legend name.
        public var name: String
        /// The points, in any x order; non-finite values are allowed (they are not drawn).
        public var points: [Point]

        public init(name: String, points: [Point] = []) {
            self.name = name
            self.points = points
        }

        /// A series from (x, y) pairs.
        public init(name: String, xy: [(Double, Double)]) {
            self.init(name: name, points: xy.map { Point(x: $0.0, y: $0.1) })
        }

        /// A series from y values at x = 0, 1, 2, …
        public init(name: String, values: [Double]) {
            self.init(name: name, points: values.enumerated().map { Point(x: Double($0.offset), y: $0.element) })
        }

        /// Adds one point.
        public mutating func append(x: Double, y: Double) { points.append(Point(x: x, y: y)) }
    }

    /// How y values map to height.
    public enum Scale: Sendable, Equatable {
        case linear
        /// Base-10 logarithmic; values ≤ 0 are not drawn.
        case log
    }

    /// Where the series go.
    public enum Layout: Sendable, Equatable {
        /// All series in one plot, with a legend.
        case overlay
        /// One panel per series, `columns` to a row, each with its own y axis and a shared x range
        /// (for losses of different magnitudes, such as λ·L1 next to the GAN terms).
        case smallMultiples(columns: Int)
    }

    /// The heading above the chart.
    public var title: String
    /// The x-axis title ("" for none).
    public var xLabel: String
    /// The y-axis title ("" for none).
    public var yLabel: String
    /// The lines, in legend order.
    public var series: [Series]
    /// Linear (default) or logarithmic y axis.
    public var yScale: Scale
    /// Exponential-moving-average weight in 0 ..< 1, as in TensorBoard (0 = off; 0.6–0.99 usual).
    /// The average is bias-corrected, so early values are not dragged towards zero. When on, the
    /// raw values are drawn faint behind the smoothed line.
    public var smoothing: Double
    /// A fixed y range instead of one fitted to the data (for curves with an early spike);
    /// values outside it are cut off, and a note says how many. Must be positive on a log axis.
    public var yRange: ClosedRange<Double>?
    /// ``Layout/overlay`` (default) or small multiples.
    public var layout: Layout
    /// Width of the SVG in pixels (≥ 240).
    public var width: Int
    /// Height of the SVG in pixels for the overlay layout (≥ 160).
    public var height: Int
    /// Height of each panel in the small-multiples layout (≥ 120); the SVG's height follows from it.
    public var panelHeight: Int

    /// A chart with the given labels and series; the other options start at their defaults
    /// (linear, no smoothing, fitted range, overlay, 760 × 420).
    public init(title: String, xLabel: String = "step", yLabel: String = "", series: [Series] = [],
                yScale: Scale = .linear, smoothing: Double = 0) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yScale = yScale
        self.smoothing = smoothing
        self.yRange = nil
        self.layout = .overlay
        self.width = 760
        self.height = 420
        self.panelHeight = 220
    }

    /// The chart as a standalone SVG document. Throws ``ReportError/invalidOption(subject:option:value:expected:)``
    /// for an option out of range.
    public func svg() throws -> String {
        try validate()
        let prepared = series.enumerated().map { prepare($0.element, index: $0.offset) }
        if case let .smallMultiples(columns) = layout, !prepared.isEmpty {
            return renderSmallMultiples(prepared, columns: columns)
        }
        return renderOverlay(prepared)
    }

    /// Writes ``svg()`` to `url` atomically (`Base.AtomicFile`).
    public func write(to url: URL) throws {
        try AtomicFile.write(svg(), to: url)
    }

    // MARK: Validation

    private func validate() throws {
        func fail(_ option: String, _ value: String, _ expected: String) -> ReportError {
            .invalidOption(subject: title, option: option, value: value, expected: expected)
        }
        guard smoothing.isFinite, smoothing >= 0, smoothing < 1 else {
            throw fail("smoothing", Format.roundTrip(smoothing), "a weight in 0 ..< 1 (0 = off, 0.6–0.99 usual)")
        }
        guard width >= 240 else { throw fail("width", String(width), "at least 240 pixels") }
        switch layout {
        case .overlay:
            guard height >= 160 else { throw fail("height", String(height), "at least 160 pixels") }
        case let .smallMultiples(columns):
            guard columns >= 1 else { throw fail("layout", "smallMultiples(columns: \(columns))", "at least 1 column") }
            guard panelHeight >= 120 else { throw fail("panelHeight", String(panelHeight), "at least 120 pixels") }
            guard Double(width) / Double(min(columns, max(series.count, 1))) >= 160 else {
                throw fail("layout", "smallMultiples(columns: \(columns))",
                           "at most \(width / 160) columns at width \(width) (160 pixels per panel)")
            }
        }
        if let r = yRange {
            let shown = "\(Format.roundTrip(r.lowerBound))...\(Format.roundTrip(r.upperBound))"
            guard r.lowerBound.isFinite, r.upperBound.isFinite, r.upperBound > r.lowerBound else {
                throw fail("yRange", shown, "finite bounds with lower < upper")
            }
            guard yScale == .linear || r.lowerBound > 0 else {
                throw fail("yRange", shown, "a positive lower bound on a log axis")
            }
        }
    }

    // MARK: Data preparation

    /// A series ready to draw: drawable points sorted by x, the smoothed values, what was left out.
    struct Prepared {
        var name: String
        var color: String
        var dash: String
        var points: [Point]
        var smoothed: [Double]
        var omitted: Int
        var last: Double? { smoothed.last ?? points.last?.y }
        var ys: [Double] { points.map(\.y) }
    }

    private func prepare(_ s: Series, index: Int) -> Prepared {
        var kept: [(index: Int, point: Point)] = []
        kept.reserveCapacity(s.points.count)
        for (i, p) in s.points.enumerated() where p.x.isFinite && p.y.isFinite && (yScale == .linear || p.y > 0) {
            kept.append((i, p))
        }
        kept.sort { ($0.point.x, $0.index) < ($1.point.x, $1.index) }
        let points = kept.map(\.point)
        let style = Palette.style(index)
        return Prepared(name: s.name, color: style.color, dash: style.dash, points: points,
                        smoothed: smoothing > 0 ? Self.ema(points.map(\.y), weight: smoothing) : [],
                        omitted: s.points.count - points.count)
    }

    /// Bias-corrected exponential moving average (TensorBoard's smoothing).
    static func ema(_ values: [Double], weight: Double) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(values.count)
        var state = 0.0
        var correction = 1.0
        for v in values {
            state = state * weight + (1 - weight) * v
            correction *= weight
            out.append(state / (1 - correction))
        }
        return out
    }

    private func xAxis(_ prepared: [Prepared], width: Double) -> Axis {
        let xs = prepared.flatMap { $0.points.map(\.x) }
        guard let lo = xs.min(), let hi = xs.max() else {
            return Axis.exactLinear(min: 0, max: 1, maxTicks: 5)
        }
        return Axis.exactLinear(min: lo, max: hi, maxTicks: max(3, Int(width / 75)))
    }

    private func yAxis(_ prepared: [Prepared], height: Double) -> Axis {
        let maxTicks = max(4, Int(height / 34))
        if let r = yRange {
            return yScale == .log ? Axis.log(min: r.lowerBound, max: r.upperBound, maxTicks: maxTicks)
                : Axis.exactLinear(min: r.lowerBound, max: r.upperBound, maxTicks: maxTicks)
        }
        let ys = prepared.flatMap(\.ys)
        guard let lo = ys.min(), let hi = ys.max() else {
            return yScale == .log ? Axis.log(min: 1, max: 10, maxTicks: maxTicks)
                : Axis.niceLinear(min: 0, max: 1, maxTicks: maxTicks)
        }
        return yScale == .log ? Axis.log(min: lo, max: hi, maxTicks: maxTicks)
            : Axis.niceLinear(min: lo, max: hi, maxTicks: maxTicks)
    }

    private func notes(_ prepared: [Prepared]) -> [String] {
        var notes: [String] = []
        if smoothing > 0 {
            notes.append("Lines: exponential moving average (weight \(Format.trimmed(smoothing, 3))); faint: raw values.")
        }
        for p in prepared where p.omitted > 0 {
            let what = yScale == .log ? "non-finite or non-positive" : "non-finite"
            notes.append("\(p.name): \(p.omitted) \(what) value\(p.omitted == 1 ? "" : "s") not drawn.")
        }
        if let r = yRange {
            let outside = prepared.reduce(0) { n, p in n + p.points.filter { !r.contains($0.y) }.count }
            if outside > 0 {
                notes.append("\(outside) value\(outside == 1 ? "" : "s") outside the y range "
                    + "\(Format.significant(r.lowerBound))–\(Format.significant(r.upperBound)) cut off.")
            }
        }
        return notes
    }

    private func descriptionText(_ prepared: [Prepared]) -> String {
        let names = prepared.map(\.name).joined(separator: ", ")
        return "Line chart with \(prepared.count) series\(names.isEmpty ? "" : " (\(names))")"
            + (xLabel.isEmpty ? "" : " against \(xLabel)") + (yScale == .log ? ", logarithmic y axis" : "") + "."
    }

    // MARK: Layouts

    private static let pad = 16.0

    private func renderOverlay(_ prepared: [Prepared]) -> String {
        var svg = SVGWriter()
        let W = Double(width)
        let H = Double(height)
        let pad = Self.pad
        var top = pad
        if !title.isEmpty {
            svg.text(title, x: pad, y: top + 14, size: 16, bold: true)
            top += 26
        }
        if !prepared.isEmpty {
            let entries = prepared.map(legendRuns)
            let widths = entries.map { runs in 21 + 6 + TextMetrics.width(runs.map(\.text).joined(), fontSize: 12) }
            let placement = Flow.layout(widths: widths, gap: 18, maxWidth: W - 2 * pad)
            for (p, (runs, place)) in zip(prepared, zip(entries, placement)) {
                let x = pad + place.x
                let y = top + 11 + Double(place.row) * 18
                svg.line(x, y - 4, x + 16, y - 4, stroke: p.color, width: 2.5, dash: p.dash, cap: "butt")
                svg.spans(runs, x: x + 21, y: y, size: 12, gap: 6)
            }
            top += Double((placement.last?.row ?? 0) + 1) * 18 + 2
        }
        var bottom = H - pad
        let noteLines = Flow.wrap(notes(prepared).joined(separator: "  ·  "), fontSize: 11, maxWidth: W - 2 * pad)
        for (i, line) in noteLines.enumerated() {
            svg.text(line, x: pad, y: H - pad - Double(noteLines.count - 1 - i) * 14, size: 11, fill: Palette.mutedText)
        }
        if !noteLines.isEmpty { bottom -= Double(noteLines.count) * 14 + 4 }
        let xLabelBaseline = bottom
        if !xLabel.isEmpty { bottom -= 18 }
        let y0 = top + 10
        let y1 = max(y0 + 40, bottom - 18)
        let y = yAxis(prepared, height: y1 - y0)
        let labelWidth = y.labels.map { TextMetrics.width($0, fontSize: 11) }.max() ?? 0
        let x0 = pad + (yLabel.isEmpty ? 0 : 20) + labelWidth + 8
        let x1 = W - pad - 10
        let frame = Rect(x0: x0, y0: y0, x1: x1, y1: y1)
        let x = xAxis(prepared, width: frame.width)
        drawPlot(&svg, frame: frame, x: x, y: y, lines: prepared, clip: 0, canvasWidth: W)
        if !xLabel.isEmpty {
            svg.text(xLabel, x: (x0 + x1) / 2, y: xLabelBaseline, size: 12, anchor: .middle, fill: Palette.secondaryText)
        }
        if !yLabel.isEmpty {
            svg.text(yLabel, x: pad + 12, y: (y0 + y1) / 2, size: 12, anchor: .middle, fill: Palette.secondaryText, rotate: true)
        }
        return svg.document(width: W, height: H, title: title, description: descriptionText(prepared))
    }

    private func renderSmallMultiples(_ prepared: [Prepared], columns requested: Int) -> String {
        var svg = SVGWriter()
        let pad = Self.pad
        let W = Double(width)
        let columns = min(requested, prepared.count)
        let rows = (prepared.count + columns - 1) / columns
        let panelH = Double(panelHeight)
        let gap = 14.0
        var top = pad
        if !title.isEmpty {
            svg.text(title, x: pad, y: top + 14, size: 16, bold: true)
            top += 28
        }
        let noteLines = Flow.wrap(notes(prepared).joined(separator: "  ·  "), fontSize: 11, maxWidth: W - 2 * pad)
        let gridBottom = top + Double(rows) * panelH + Double(rows - 1) * gap
        var H = gridBottom
        let xLabelBaseline = gridBottom + 18
        if !xLabel.isEmpty { H += 22 }
        if !noteLines.isEmpty { H += 8 + Double(noteLines.count) * 14 }
        H += pad
        for (i, line) in noteLines.enumerated() {
            svg.text(line, x: pad, y: H - pad - Double(noteLines.count - 1 - i) * 14, size: 11, fill: Palette.mutedText)
        }
        let gridLeft = pad + (yLabel.isEmpty ? 0 : 20)
        let panelW = (W - pad - gridLeft - Double(columns - 1) * gap) / Double(columns)
        var plotLeft = Double.infinity
        var plotRight = -Double.infinity
        for (i, p) in prepared.enumerated() {
            let left = gridLeft + Double(i % columns) * (panelW + gap)
            let panelTop = top + Double(i / columns) * (panelH + gap)
            var runs = legendRuns(p)
            runs[0].fill = p.color
            runs[0].bold = true
            svg.spans(runs, x: left, y: panelTop + 13, size: 12, gap: 6)
            let y0 = panelTop + 26
            let y1 = panelTop + panelH - 20
            let y = yAxis([p], height: y1 - y0)
            let labelWidth = y.labels.map { TextMetrics.width($0, fontSize: 11) }.max() ?? 0
            let frame = Rect(x0: left + labelWidth + 8, y0: y0, x1: left + panelW - 8, y1: y1)
            plotLeft = min(plotLeft, frame.x0)
            plotRight = max(plotRight, frame.x1)
            let x = xAxis(prepared, width: frame.width)
            drawPlot(&svg, frame: frame, x: x, y: y, lines: [p], clip: i, canvasWidth: W)
        }
        if !xLabel.isEmpty {
            svg.text(xLabel, x: (plotLeft + plotRight) / 2, y: xLabelBaseline, size: 12, anchor: .middle,
                     fill: Palette.secondaryText)
        }
        if !yLabel.isEmpty {
            svg.text(yLabel, x: pad + 12, y: (top + gridBottom) / 2, size: 12, anchor: .middle,
                     fill: Palette.secondaryText, rotate: true)
        }
        return svg.document(width: W, height: H, title: title, description: descriptionText(prepared))
    }

    /// A legend entry: the name, then the last (smoothed) value in grey, or "no data".
    private func legendRuns(_ p: Prepared) -> [(text: String, fill: String, bold: Bool)] {
        let value = p.last.map { Format.significant($0, digits: 4) } ?? "no data"
        return [(p.name, Palette.text, false), (value, Palette.mutedText, false)]
    }

    // MARK: Drawing

    /// Grid, ticks, tick labels and the lines of one plot area. Line coordinates are clamped far
    /// outside the plot (so huge values stay printable) and clipped to it.
    private func drawPlot(_ svg: inout SVGWriter, frame r: Rect, x: Axis, y: Axis, lines: [Prepared], clip: Int,
                          canvasWidth: Double) {
        func px(_ v: Double) -> Double { min(max(r.x0 + x.fraction(v) * r.width, -1e5), 1e5) }
        func py(_ v: Double) -> Double { min(max(r.y1 - y.fraction(v) * r.height, -1e5), 1e5) }
        func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }

        for v in y.minorTicks {
            let yy = snap(py(v))
            svg.line(r.x0, yy, r.x1, yy, stroke: Palette.minorGrid)
        }
        for (v, label) in zip(y.ticks, y.labels) {
            let yy = snap(py(v))
            svg.line(r.x0, yy, r.x1, yy, stroke: Palette.grid)
            svg.text(label, x: r.x0 - 7, y: yy + 3.8, size: 11, anchor: .end, fill: Palette.secondaryText)
        }
        for (v, label) in zip(x.ticks, x.labels) {
            let xx = snap(px(v))
            svg.line(xx, r.y0, xx, r.y1, stroke: Palette.minorGrid)
            svg.line(xx, r.y1, xx, r.y1 + 4, stroke: Palette.axis)
            let half = TextMetrics.width(label, fontSize: 11) / 2
            let anchor: SVGWriter.Anchor = xx + half > canvasWidth - 2 ? .end : .middle
            svg.text(label, x: anchor == .end ? canvasWidth - 2 : xx, y: r.y1 + 16, size: 11, anchor: anchor,
                     fill: Palette.secondaryText)
        }
        svg.line(r.x0, snap(r.y1), r.x1, snap(r.y1), stroke: Palette.axis)
        svg.line(snap(r.x0), r.y0, snap(r.x0), r.y1, stroke: Palette.axis)

        if lines.allSatisfy({ $0.points.isEmpty }) {
            svg.text("no data", x: (r.x0 + r.x1) / 2, y: (r.y0 + r.y1) / 2 + 4, size: 13, anchor: .middle,
                     fill: Palette.mutedText)
            return
        }
        let clipID = "clip-\(SVGWriter.idPlaceholder)-\(clip)"
        svg.raw("<defs><clipPath id=\"\(clipID)\"><rect x=\"\(svg.f(r.x0 - 3))\" y=\"\(svg.f(r.y0 - 3))\" "
            + "width=\"\(svg.f(r.width + 6))\" height=\"\(svg.f(r.height + 6))\"/></clipPath></defs>")
        svg.raw("<g clip-path=\"url(#\(clipID))\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">")
        let columns = max(1, Int(r.width.rounded(.up)))
        for line in lines where !line.points.isEmpty {
            let xs = line.points.map { px($0.x) }
            let raw = Self.downsample(xs: xs, ys: line.points.map { py($0.y) }, columns: columns)
            let name = Markup.escape(line.name)
            let dash = line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\""
            if line.smoothed.isEmpty {
                svg.raw("<path class=\"series\" data-series=\"\(name)\" d=\"\(Self.pathData(raw))\" stroke=\"\(line.color)\" "
                    + "stroke-width=\"1.75\"\(dash)/>")
            } else {
                let smooth = Self.downsample(xs: xs, ys: line.smoothed.map(py), columns: columns)
                svg.raw("<path class=\"series-raw\" data-series=\"\(name)\" d=\"\(Self.pathData(raw))\" stroke=\"\(line.color)\" "
                    + "stroke-width=\"1\" stroke-opacity=\"0.28\"\(dash)/>")
                svg.raw("<path class=\"series\" data-series=\"\(name)\" d=\"\(Self.pathData(smooth))\" stroke=\"\(line.color)\" "
                    + "stroke-width=\"2\"\(dash)/>")
            }
            if line.points.count == 1 || (line.smoothed.isEmpty && line.points.count <= 30) {
                let radius = line.points.count == 1 ? 3.5 : 2.6
                for (cx, cy) in zip(raw.xs, raw.ys) {
                    svg.circle(cx: cx, cy: cy, r: radius, fill: line.color)
                }
            }
        }
        svg.raw("</g>")
    }

    /// Points reduced to at most four per pixel column (first, minimum, maximum, last, in their
    /// original order) when there are more than two per column on average; `xs` ascending.
    static func downsample(xs: [Double], ys: [Double], columns: Int) -> (xs: [Double], ys: [Double]) {
        guard xs.count > 2 * columns else { return (xs, ys) }
        var keep: [Int] = []
        var start = 0
        while start < xs.count {
            let bucket = floor(xs[start])
            var end = start
            var lo = start
            var hi = start
            while end + 1 < xs.count, floor(xs[end + 1]) == bucket {
                end += 1
                if ys[end] < ys[lo] { lo = end }
                if ys[end] > ys[hi] { hi = end }
            }
            for i in Set([start, lo, hi, end]).sorted() { keep.append(i) }
            start = end + 1
        }
        return (keep.map { xs[$0] }, keep.map { ys[$0] })
    }

    static func pathData(_ points: (xs: [Double], ys: [Double])) -> String {
        var d = ""
        d.reserveCapacity(points.xs.count * 12)
        for (i, (x, y)) in zip(points.xs, points.ys).enumerated() {
            d += (i == 0 ? "M" : "L") + Format.trimmed(x, 1) + " " + Format.trimmed(y, 1)
        }
        return d
    }
}
