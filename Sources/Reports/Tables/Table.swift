import Base
import Foundation

/// A table of text and numbers, written as Markdown (aligned columns, for logs and README files),
/// CSV (RFC 4180, for pandas and spreadsheets) or HTML (for ``HTMLReport``).
///
/// ```swift
/// var table = Table(columns: [.init("variant"), .init("L1", higherIsBetter: false), .init("PSNR (dB)", higherIsBetter: true)])
/// try table.append([.text("unet_256"), .meanSD(0.112, 0.004), .number(21.3, decimals: 1)])
/// print(table.markdown())
/// ```
///
/// Numbers are formatted without regard to locale; in columns with ``Column/higherIsBetter`` the
/// best value is bold in Markdown and HTML. CSV carries full precision, and a column of
/// mean ± sd cells becomes two CSV columns (`NAME` and `NAME sd`).
public struct Table: Sendable, Equatable {
    /// Horizontal alignment of a column.
    public enum Alignment: Sendable, Equatable {
        case left, center, right
    }

    /// One cell.
    public enum Cell: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
        ExpressibleByFloatLiteral
    {
        case text(String)
        /// An integer, shown with comma thousands separators from 10,000 up ("54,414,531").
        case integer(Int)
        /// A number shown with `decimals` digits after the point (nil: four significant digits).
        case number(Double, decimals: Int? = nil)
        /// A mean and standard deviation, shown as "mean ± sd" with `decimals` digits (nil: three
        /// significant digits of the mean).
        case meanSD(Double, Double, decimals: Int? = nil)
        case empty

        public init(stringLiteral value: String) { self = .text(value) }
        public init(integerLiteral value: Int) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .number(value) }

        /// The value compared when a column marks its best cell (the mean for mean ± sd).
        var numericValue: Double? {
            switch self {
            case let .integer(v): return Double(v)
            case let .number(v, _): return v.isFinite ? v : nil
            case let .meanSD(m, _, _): return m.isFinite ? m : nil
            case .text, .empty: return nil
            }
        }

        /// The cell as people read it.
        var display: String {
            switch self {
            case let .text(s): return s
            case let .integer(v): return Format.grouped(v, minimumDigits: 5)
            case let .number(v, decimals):
                return decimals.map { Format.fixed(v, $0) } ?? Format.significant(v, digits: 4)
            case let .meanSD(m, sd, decimals):
                let d = decimals ?? Format.decimals(forReference: m)
                return Format.fixed(m, d) + " ± " + Format.fixed(sd, d)
            case .empty: return ""
            }
        }
    }

    /// A column: its title, alignment and whether it marks a best value.
    public struct Column: Sendable, Equatable {
        public var title: String
        /// nil: right-aligned when every non-empty cell is a number, left-aligned otherwise.
        public var alignment: Alignment?
        /// true / false: the largest / smallest number in the column is shown bold; nil: none.
        public var higherIsBetter: Bool?

        public init(_ title: String, alignment: Alignment? = nil, higherIsBetter: Bool? = nil) {
            self.title = title
            self.alignment = alignment
            self.higherIsBetter = higherIsBetter
        }
    }

    /// The columns, left to right.
    public private(set) var columns: [Column]
    /// The rows, each with one cell per column.
    public private(set) var rows: [[Cell]]
    /// A caption: the table's name in errors, a `<caption>` in HTML; not written to Markdown or CSV.
    public var caption: String

    /// An empty table with the given columns.
    public init(columns: [Column], caption: String = "") {
        self.columns = columns
        self.rows = []
        self.caption = caption
    }

    /// A table with the given column titles and rows. Throws ``ReportError/rowWidth(table:row:expected:got:)``
    /// when a row's length differs from the number of columns.
    public init(columns: [String], rows: [[Cell]] = [], caption: String = "") throws {
        self.init(columns: columns.map { Column($0) }, caption: caption)
        for row in rows { try append(row) }
    }

    /// Adds a row. Throws ``ReportError/rowWidth(table:row:expected:got:)`` when it does not have
    /// one cell per column.
    public mutating func append(_ row: [Cell]) throws {
        guard row.count == columns.count else {
            throw ReportError.rowWidth(table: caption, row: rows.count, expected: columns.count, got: row.count)
        }
        rows.append(row)
    }

    // MARK: Output

    /// GitHub-flavoured Markdown: a header row, an alignment row, and cells padded so the columns
    /// line up in plain text. `|` is escaped, `<` is written as `&lt;` (no HTML gets through),
    /// line breaks become `<br>`. Best values are `**bold**`.
    public func markdown() -> String {
        let best = bestRows()
        let header = columns.map { Self.markdownEscape($0.title) }
        let body = rows.enumerated().map { r, row in
            row.enumerated().map { c, cell in
                let text = Self.markdownEscape(cell.display)
                return best[c].contains(r) && !text.isEmpty ? "**\(text)**" : text
            }
        }
        let alignments = columns.indices.map(alignment)
        let widths = columns.indices.map { c in
            max(3, ([header[c]] + body.map { $0[c] }).map(\.count).max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { c, s in Self.pad(s, to: widths[c], alignment: alignments[c]) }
                .joined(separator: " | ") + " |"
        }
        var out = line(header) + "\n"
        out += "|" + alignments.enumerated().map { c, a in
            let w = widths[c]
            switch a {
            case .left: return " " + String(repeating: "-", count: w) + " "
            case .right: return " " + String(repeating: "-", count: w - 1) + ": "
            case .center: return " :" + String(repeating: "-", count: w - 2) + ": "
            }
        }.joined(separator: "|") + "|\n"
        for row in body { out += line(row) + "\n" }
        return out
    }

    /// CSV after RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted, quotes
    /// doubled. Numbers carry full precision ("0.1", "1e-05"); non-finite ones are `NaN`, `inf`,
    /// `-inf`. A column holding mean ± sd cells is written as two columns, `TITLE` and `TITLE sd`.
    public func csv() -> String {
        let split = columns.indices.map { c in rows.contains { if case .meanSD = $0[c] { return true }; return false } }
        var header: [String] = []
        for (c, column) in columns.enumerated() {
            header.append(column.title)
            if split[c] { header.append(column.title + " sd") }
        }
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        for row in rows {
            var fields: [String] = []
            for (c, cell) in row.enumerated() {
                switch cell {
                case let .text(s): fields.append(s)
                case let .integer(v): fields.append(String(v))
                case let .number(v, _): fields.append(Format.roundTrip(v))
                case let .meanSD(m, sd, _):
                    fields.append(Format.roundTrip(m))
                    fields.append(Format.roundTrip(sd))
                    continue
                case .empty: fields.append("")
                }
                if split[c] { fields.append("") }
            }
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An HTML `<table>` (with `<caption>`, `<thead>`, `<tbody>`); all text escaped, best values in
    /// `<strong>`, numeric columns classed `num` for tabular figures.
    public func html() -> String {
        let best = bestRows()
        let alignments = columns.indices.map(alignment)
        func attributes(_ c: Int) -> String {
            switch alignments[c] {
            case .left: return ""
            case .right: return " class=\"num\""
            case .center: return " class=\"center\""
            }
        }
        var out = "<table>\n"
        if !caption.isEmpty { out += "<caption>\(Markup.escape(caption))</caption>\n" }
        out += "<thead><tr>" + columns.enumerated().map { c, column in
            "<th\(attributes(c))>\(Markup.escape(column.title))</th>"
        }.joined() + "</tr></thead>\n<tbody>\n"
        for (r, row) in rows.enumerated() {
            out += "<tr>" + row.enumerated().map { c, cell in
                let text = Markup.escape(cell.display)
                return "<td\(attributes(c))>" + (best[c].contains(r) ? "<strong>\(text)</strong>" : text) + "</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    // MARK: Helpers

    private func alignment(_ c: Int) -> Alignment {
        if let a = columns[c].alignment { return a }
        let cells = rows.map { $0[c] }.filter { $0 != .empty }
        let numeric = !cells.isEmpty && cells.allSatisfy {
            switch $0 { case .integer, .number, .meanSD: return true; default: return false }
        }
        return numeric ? .right : .left
    }

    /// For each column, the rows holding its best value (all of them on a tie).
    private func bestRows() -> [Set<Int>] {
        columns.enumerated().map { c, column in
            guard let higher = column.higherIsBetter else { return [] }
            let values = rows.enumerated().compactMap { r, row in row[c].numericValue.map { (r, $0) } }
            guard let target = higher ? values.map(\.1).max() : values.map(\.1).min() else { return [] }
            return Set(values.filter { $0.1 == target }.map(\.0))
        }
    }

    static func markdownEscape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case "\r\n", "\n", "\r": out += "<br>"
            default: out.append(c)
            }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func pad(_ s: String, to width: Int, alignment: Alignment) -> String {
        let room = max(0, width - s.count)
        switch alignment {
        case .left: return s + String(repeating: " ", count: room)
        case .right: return String(repeating: " ", count: room) + s
        case .center:
            let left = room / 2
            return String(repeating: " ", count: left) + s + String(repeating: " ", count: room - left)
        }
    }
}
