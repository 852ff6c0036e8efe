import Base
import Foundation

/// A bar chart of means with ±1 standard-deviation whiskers, rendered to a standalone SVG
/// document — one metric across the variants of an ablation, optionally in groups (for example one
/// group per dataset, one bar per variant).
///
/// ```swift
/// let chart = BarChart(title: "PSNR on facades (val)", valueLabel: "PSNR (dB)",
///                      bars: [.init("unet_256", mean: 21.3, sd: 0.4), .init("encoder_decoder_256", mean: 20.8, sd: 0.5)],
///                      higherIsBetter: true)
/// try chart.write(to: directory.appendingPathComponent("psnr.svg"))
/// ```
///
/// - Each bar carries its value label ("21.3 ± 0.4"); with ``higherIsBetter`` set, the best bar of
///   each group is marked with ★ and drawn in full colour (others lighter), or outlined when bars
///   are coloured by label.
/// - With several groups and several bar labels, bars are coloured by label (same label, same
///   colour in every group) from the colour-blind-safe ``Palette/okabeIto``.
/// - ``Orientation/automatic`` lays bars out horizontally when labels are too long to sit under
///   vertical bars, or when there are many bars.
/// - Bars start at zero. A non-finite mean draws no bar and reads "n/a"; a non-finite sd draws no
///   whisker.
public struct BarChart: Sendable, Equatable {
    /// One bar: a mean and, optionally, its standard deviation.
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var mean: Double
        /// The standard deviation (≥ 0), drawn as a whisker of ±sd; nil for none.
        public var sd: Double?

        public init(_ label: String, mean: Double, sd: Double? = nil) {
            self.label = label
            self.mean = mean
            self.sd = sd
        }
    }

    /// Bars that belong together, drawn side by side under a common name.
    public struct Group: Sendable, Equatable {
        public var name: String
        public var bars: [Bar]

        public init(_ name: String, bars: [Bar]) {
            self.name = name
            self.bars = bars
        }
    }

    /// Direction of the bars.
    public enum Orientation: Sendable, Equatable {
        /// Horizontal when labels are long or bars many, vertical otherwise.
        case automatic
        case vertical
        case horizontal
    }

    /// The heading above the chart.
    public var title: String
    /// The value-axis title, with its unit ("PSNR (dB)"); "" for none.
    public var valueLabel: String
    /// The groups, in order.
    public var groups: [Group]
    /// true: the largest mean of each group is best; false: the smallest; nil: no best marked.
    public var higherIsBetter: Bool?
    /// Bar direction (default ``Orientation/automatic``).
    public var orientation: Orientation
    /// Decimals of the value labels; nil picks three significant digits of the largest mean.
    public var decimals: Int?
    /// Width of the SVG in pixels (≥ 240).
    public var width: Int
    /// Height of the SVG in pixels when vertical (≥ 160); a horizontal chart's height follows from
    /// its number of bars.
    public var height: Int

    /// A chart of groups of bars.
    public init(title: String, valueLabel: String = "", groups: [Group], higherIsBetter: Bool? = nil) {
        self.title = title
        self.valueLabel = valueLabel
        self.groups = groups
        self.higherIsBetter = higherIsBetter
        self.orientation = .automatic
        self.decimals = nil
        self.width = 760
        self.height = 400
    }

    /// A chart of one unnamed group of bars.
    public init(title: String, valueLabel: String = "", bars: [Bar], higherIsBetter: Bool? = nil) {
        self.init(title: title, valueLabel: valueLabel, groups: [Group("", bars: bars)], higherIsBetter: higherIsBetter)
    }

    /// The chart as a standalone SVG document. Throws ``ReportError/invalidOption(subject:option:value:expected:)``
    /// for an option out of range or a negative standard deviation.
    public func svg() throws -> String {
        try validate()
        let model = Model(self)
        switch resolvedOrientation(model) {
        case .horizontal: return renderHorizontal(model)
        default: return renderVertical(model)
        }
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
        guard width >= 240 else { throw fail("width", String(width), "at least 240 pixels") }
        guard height >= 160 else { throw fail("height", String(height), "at least 160 pixels") }
        if let d = decimals, !(0...10).contains(d) { throw fail("decimals", String(d), "0 to 10") }
        for (g, group) in groups.enumerated() {
            for (b, bar) in group.bars.enumerated() {
                if let sd = bar.sd, sd.isFinite, sd < 0 {
                    throw fail("groups[\(g)].bars[\(b)].sd (\(bar.label))", Format.roundTrip(sd),
                               "a standard deviation ≥ 0")
                }
            }
        }
    }

    // MARK: Model

    /// A bar ready to draw.
    struct Item {
        var group: Int
        var bar: Bar
        var rowLabel: String
        var color: String
        var isBest: Bool
        var valueText: String
        var hasValue: Bool { bar.mean.isFinite }
        var sd: Double? { bar.sd.flatMap { $0.isFinite ? $0 : nil } }
        var low: Double { bar.mean - (sd ?? 0) }
        var high: Double { bar.mean + (sd ?? 0) }
    }

    /// Bars with their colours, labels and best marks, and the notes under the chart.
    struct Model {
        var items: [[Item]] = []
        /// Colours identify bar labels (several groups, several labels): a legend is drawn.
        var coloredByLabel = false
        var legend: [(label: String, color: String)] = []
        var notes: [String] = []
        var all: [Item] { items.flatMap { $0 } }

        init(_ chart: BarChart) {
            var labels: [String] = []
            for bar in chart.groups.flatMap(\.bars) where !labels.contains(bar.label) { labels.append(bar.label) }
            coloredByLabel = chart.groups.count > 1 && labels.count > 1
            if coloredByLabel {
                legend = labels.enumerated().map { ($0.element, Palette.okabeIto[$0.offset % Palette.okabeIto.count]) }
            }
            let finite = chart.groups.flatMap(\.bars).map(\.mean).filter(\.isFinite)
            let decimals = chart.decimals ?? Format.decimals(forReference: finite.map(abs).max() ?? 0)
            for (g, group) in chart.groups.enumerated() {
                let means = group.bars.map(\.mean).filter(\.isFinite)
                let best: Double? = chart.higherIsBetter.flatMap { $0 ? means.max() : means.min() }
                items.append(group.bars.map { bar in
                    let isBest = best != nil && bar.mean == best
                    var text = bar.mean.isFinite ? Format.fixed(bar.mean, decimals) : "n/a"
                    if bar.mean.isFinite, let sd = bar.sd, sd.isFinite { text += " ± " + Format.fixed(sd, decimals) }
                    if isBest { text = "★ " + text }
                    let color = coloredByLabel ? legend[labels.firstIndex(of: bar.label)!].color : Palette.okabeIto[0]
                    let rowLabel = chart.groups.count > 1 && !coloredByLabel ? group.name : bar.label
                    return Item(group: g, bar: bar, rowLabel: rowLabel, color: color, isBest: isBest, valueText: text)
                })
            }
            if all.contains(where: { $0.sd != nil }) { notes.append("Bars: mean; whiskers: ±1 standard deviation.") }
            if let higher = chart.higherIsBetter, all.contains(where: \.isBest) {
                notes.append("★ best\(chart.groups.count > 1 ? " in each group" : "") (\(higher ? "higher" : "lower") is better).")
            }
            if all.contains(where: { !$0.hasValue }) { notes.append("n/a: no finite value.") }
        }
    }

    func resolvedOrientation(_ model: Model) -> Orientation {
        if orientation != .automatic { return orientation }
        let items = model.all
        guard !items.isEmpty else { return .vertical }
        if items.count > 14 { return .horizontal }
        let plotWidth = Double(width) - 2 * Self.pad - 70
        let groupSlot = plotWidth / Double(max(1, groups.count))
        for (g, group) in model.items.enumerated() where !group.isEmpty {
            let barSlot = verticalSlot(groupSlot: groupSlot, bars: group.count)
            for item in group where TextMetrics.width(item.valueText, fontSize: 11, bold: item.isBest) > barSlot - 4 {
                return .horizontal
            }
            if groups.count == 1 {
                if group.contains(where: { TextMetrics.width($0.bar.label, fontSize: 11) > barSlot - 4 }) { return .horizontal }
            } else if TextMetrics.width(groups[g].name, fontSize: 12, bold: true) > groupSlot - 8 {
                return .horizontal
            }
        }
        return .vertical
    }

    private static let pad = 16.0

    /// The width given to each bar (its label and value label) in a vertical chart.
    private func verticalSlot(groupSlot: Double, bars: Int) -> Double {
        bars == 0 ? 0 : min(groupSlot * (groups.count == 1 ? 0.92 : 0.82) / Double(bars), 96)
    }

    private func descriptionText(_ model: Model) -> String {
        let parts = model.all.map { item in
            (groups.count > 1 ? groups[item.group].name + " / " : "") + item.bar.label + ": " + item.valueText
        }
        return "Bar chart" + (valueLabel.isEmpty ? "" : " of \(valueLabel)") + ". " + parts.joined(separator: "; ")
    }

    /// Title and, when bars are coloured by label, the legend; returns the top of the free area.
    private func header(_ svg: inout SVGWriter, _ model: Model, legend: Bool) -> Double {
        let pad = Self.pad
        var top = pad
        if !title.isEmpty {
            svg.text(title, x: pad, y: top + 14, size: 16, bold: true)
            top += 26
        }
        if legend, model.coloredByLabel {
            let widths = model.legend.map { 18 + TextMetrics.width($0.label, fontSize: 12) }
            let placement = Flow.layout(widths: widths, gap: 18, maxWidth: Double(width) - 2 * pad)
            for (entry, place) in zip(model.legend, placement) {
                let x = pad + place.x
                let y = top + 11 + Double(place.row) * 18
                svg.rect(Rect(x0: x, y0: y - 9, x1: x + 11, y1: y + 2), fill: entry.color)
                svg.text(entry.label, x: x + 17, y: y, size: 12)
            }
            top += Double((placement.last?.row ?? 0) + 1) * 18 + 2
        }
        return top
    }

    private func noteLines(_ model: Model) -> [String] {
        Flow.wrap(model.notes.joined(separator: "  ·  "), fontSize: 11, maxWidth: Double(width) - 2 * Self.pad)
    }

    private func valueAxis(_ model: Model, length: Double) -> Axis {
        let finite = model.all.filter(\.hasValue)
        let lo = min(0, finite.map(\.low).min() ?? 0)
        let hi = max(0, finite.map(\.high).max() ?? 1)
        return Axis.niceLinear(min: lo, max: hi == lo ? lo + 1 : hi, maxTicks: max(3, Int(length / 60)))
    }

    // MARK: Vertical

    private func renderVertical(_ model: Model) -> String {
        var svg = SVGWriter()
        let pad = Self.pad
        let W = Double(width)
        let H = Double(height)
        let top = header(&svg, model, legend: true)
        let notes = noteLines(model)
        for (i, line) in notes.enumerated() {
            svg.text(line, x: pad, y: H - pad - Double(notes.count - 1 - i) * 14, size: 11, fill: Palette.mutedText)
        }
        let y0 = top + 14
        let y1 = max(y0 + 40, H - pad - (notes.isEmpty ? 0 : Double(notes.count) * 14 + 6) - 24)
        let axis = valueAxis(model, length: y1 - y0)
        let labelWidth = axis.labels.map { TextMetrics.width($0, fontSize: 11) }.max() ?? 0
        let x0 = pad + (valueLabel.isEmpty ? 0 : 20) + labelWidth + 8
        let x1 = W - pad
        func py(_ v: Double) -> Double { y1 - axis.fraction(v) * (y1 - y0) }
        func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }

        for (v, label) in zip(axis.ticks, axis.labels) {
            let yy = snap(py(v))
            svg.line(x0, yy, x1, yy, stroke: Palette.grid)
            svg.text(label, x: x0 - 7, y: yy + 3.8, size: 11, anchor: .end, fill: Palette.secondaryText)
        }
        if !valueLabel.isEmpty {
            svg.text(valueLabel, x: pad + 12, y: (y0 + y1) / 2, size: 12, anchor: .middle, fill: Palette.secondaryText,
                     rotate: true)
        }
        let groupSlot = (x1 - x0) / Double(max(1, groups.count))
        for (g, group) in model.items.enumerated() {
            let center = x0 + (Double(g) + 0.5) * groupSlot
            let slot = verticalSlot(groupSlot: groupSlot, bars: group.count)
            let barWidth = slot * (model.coloredByLabel ? 0.88 : 0.72)
            let start = center - slot * Double(group.count) / 2
            for (b, item) in group.enumerated() {
                let cx = start + (Double(b) + 0.5) * slot
                if item.hasValue {
                    drawBar(&svg, item, model: model,
                            rect: Rect(x0: cx - barWidth / 2, y0: min(py(item.bar.mean), py(0)),
                                       x1: cx + barWidth / 2, y1: max(py(item.bar.mean), py(0))))
                    if let sd = item.sd, sd > 0 {
                        let cap = min(8, barWidth * 0.3)
                        svg.line(cx, py(item.low), cx, py(item.high), stroke: Palette.text, width: 1.2)
                        svg.line(cx - cap, py(item.low), cx + cap, py(item.low), stroke: Palette.text, width: 1.2)
                        svg.line(cx - cap, py(item.high), cx + cap, py(item.high), stroke: Palette.text, width: 1.2)
                    }
                }
                let above = !item.hasValue || item.bar.mean >= 0
                let labelY = item.hasValue ? (above ? py(max(item.high, 0)) - 6 : py(min(item.low, 0)) + 15) : py(0) - 6
                svg.text(item.valueText, x: cx, y: labelY, size: 11, anchor: .middle,
                         fill: item.hasValue ? Palette.text : Palette.mutedText, bold: item.isBest)
                if groups.count == 1 {
                    svg.text(Self.truncate(item.bar.label, to: slot - 2, fontSize: 11), x: cx, y: y1 + 16, size: 11,
                             anchor: .middle, fill: Palette.secondaryText)
                }
            }
            if groups.count > 1 {
                svg.text(Self.truncate(groups[g].name, to: groupSlot - 4, fontSize: 12), x: center, y: y1 + 17,
                         size: 12, anchor: .middle, bold: true)
            }
        }
        let zero = snap(py(0))
        svg.line(x0, zero, x1, zero, stroke: Palette.axis)
        if model.all.isEmpty {
            svg.text("no data", x: (x0 + x1) / 2, y: (y0 + y1) / 2, size: 13, anchor: .middle, fill: Palette.mutedText)
        }
        return svg.document(width: W, height: H, title: title, description: descriptionText(model))
    }

    // MARK: Horizontal

    private func renderHorizontal(_ model: Model) -> String {
        var svg = SVGWriter()
        let pad = Self.pad
        let W = Double(width)
        let rowHeight = 24.0
        let headerHeight = 22.0
        let withHeaders = model.coloredByLabel
        let top = header(&svg, model, legend: false) + 4
        let indent = withHeaders ? 12.0 : 0
        let labelColumn = min(W * 0.42, (model.all.map { TextMetrics.width($0.rowLabel, fontSize: 12) }.max() ?? 0) + indent + 12)
        let valueColumn = (model.all.map { TextMetrics.width($0.valueText, fontSize: 11, bold: $0.isBest) }.max() ?? 0) + 12
        let x0 = pad + labelColumn
        let x1 = max(x0 + 60, W - pad - valueColumn)
        let axis = valueAxis(model, length: x1 - x0)
        func px(_ v: Double) -> Double { x0 + axis.fraction(v) * (x1 - x0) }
        func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }

        var rows: [(header: String?, item: Item?)] = []
        for (g, group) in model.items.enumerated() {
            if withHeaders { rows.append((groups[g].name, nil)) }
            for item in group { rows.append((nil, item)) }
        }
        var y = top
        var positions: [(y: Double, header: String?, item: Item?)] = []
        for row in rows {
            let h = row.header != nil ? headerHeight : rowHeight
            positions.append((y + h / 2, row.header, row.item))
            y += h
        }
        let rowsBottom = max(y, top + rowHeight)
        for (v, label) in zip(axis.ticks, axis.labels) {
            let xx = snap(px(v))
            svg.line(xx, top, xx, rowsBottom, stroke: Palette.grid)
            svg.line(xx, rowsBottom, xx, rowsBottom + 4, stroke: Palette.axis)
            svg.text(label, x: xx, y: rowsBottom + 16, size: 11, anchor: .middle, fill: Palette.secondaryText)
        }
        for position in positions {
            if let header = position.header {
                svg.text(Self.truncate(header, to: W - 2 * pad, fontSize: 12), x: pad, y: position.y + 5, size: 12, bold: true)
                continue
            }
            guard let item = position.item else { continue }
            let cy = position.y
            svg.text(Self.truncate(item.rowLabel, to: labelColumn - indent - 12, fontSize: 12), x: x0 - 8, y: cy + 4,
                     size: 12, anchor: .end)
            let thickness = 15.0
            if item.hasValue {
                drawBar(&svg, item, model: model,
                        rect: Rect(x0: min(px(item.bar.mean), px(0)), y0: cy - thickness / 2,
                                   x1: max(px(item.bar.mean), px(0)), y1: cy + thickness / 2))
                if let sd = item.sd, sd > 0 {
                    svg.line(px(item.low), cy, px(item.high), cy, stroke: Palette.text, width: 1.2)
                    svg.line(px(item.low), cy - 5, px(item.low), cy + 5, stroke: Palette.text, width: 1.2)
                    svg.line(px(item.high), cy - 5, px(item.high), cy + 5, stroke: Palette.text, width: 1.2)
                }
            }
            let labelX = item.hasValue ? max(px(item.high), px(item.bar.mean), px(0)) + 6 : px(0) + 6
            svg.text(item.valueText, x: labelX, y: cy + 4, size: 11, fill: item.hasValue ? Palette.text : Palette.mutedText,
                     bold: item.isBest)
        }
        let zero = snap(px(0))
        svg.line(zero, top, zero, rowsBottom, stroke: Palette.axis)
        var bottom = rowsBottom + 22
        if !valueLabel.isEmpty {
            svg.text(valueLabel, x: (x0 + x1) / 2, y: bottom + 14, size: 12, anchor: .middle, fill: Palette.secondaryText)
            bottom += 20
        }
        if model.all.isEmpty {
            svg.text("no data", x: (x0 + x1) / 2, y: top + 16, size: 13, anchor: .middle, fill: Palette.mutedText)
        }
        let notes = noteLines(model)
        if !notes.isEmpty { bottom += 8 }
        for line in notes {
            bottom += 14
            svg.text(line, x: pad, y: bottom, size: 11, fill: Palette.mutedText)
        }
        return svg.document(width: W, height: bottom + pad, title: title, description: descriptionText(model))
    }

    // MARK: Pieces

    /// One bar: full colour when best or when no best is marked, lighter otherwise (one-colour
    /// charts); outlined when best (charts coloured by label).
    private func drawBar(_ svg: inout SVGWriter, _ item: Item, model: Model, rect: Rect) {
        let label = " data-label=\"\(Markup.escape(item.bar.label))\"" + (item.isBest ? " data-best=\"true\"" : "")
        if model.coloredByLabel {
            svg.rect(rect, fill: item.color, stroke: item.isBest ? Palette.text : nil, strokeWidth: 1.6,
                     extra: " class=\"bar\"" + label)
        } else {
            let faded = higherIsBetter != nil && !item.isBest
            svg.rect(rect, fill: item.color, opacity: faded ? 0.45 : nil, extra: " class=\"bar\"" + label)
        }
    }

    /// `s` cut to fit `width` pixels, with an ellipsis when cut.
    static func truncate(_ s: String, to width: Double, fontSize: Double) -> String {
        guard TextMetrics.width(s, fontSize: fontSize) > width else { return s }
        var out = ""
        for c in s {
            if TextMetrics.width(out + String(c) + "…", fontSize: fontSize) > width { break }
            out.append(c)
        }
        return out + "…"
    }
}
