/// Everything that can go wrong while building or writing a chart, table or report.
///
/// Each case names the thing at fault (the file, the chart or table by its title, the option,
/// the image) and ``hint`` says what to do about it; ``description`` joins the two.
public enum ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option of a chart, table or report is out of range. `subject` names the chart, table
    /// or report (by its title), `expected` says what is allowed.
    case invalidOption(subject: String, option: String, value: String, expected: String)
    /// Row `row` (0-based) of a table has `got` cells where the table has `expected` columns.
    case rowWidth(table: String, row: Int, expected: Int, got: Int)
    /// The bytes given for image `image` are not a PNG file.
    case notPNG(image: String, reason: String)
    /// A string given as an SVG figure is not an `<svg>` element.
    case notSVG(figure: String, reason: String)

    public var description: String {
        let what: String
        switch self {
        case let .invalidOption(subject, option, value, expected):
            what = "\(Self.quoted(subject)): option \(option) = \(value) is invalid; expected \(expected)"
        case let .rowWidth(table, row, expected, got):
            what = "table \(Self.quoted(table)): row \(row) has \(got) cell\(got == 1 ? "" : "s"), "
                + "but the table has \(expected) column\(expected == 1 ? "" : "s")"
        case let .notPNG(image, reason):
            what = "image \(Self.quoted(image)): not a PNG file (\(reason))"
        case let .notSVG(figure, reason):
            what = "figure \(Self.quoted(figure)): not an SVG document (\(reason))"
        }
        return "\(what). Hint: \(hint)"
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .invalidOption:
            return "fix the option's value; the documentation of the option lists its range"
        case .rowWidth:
            return "give every row exactly one cell per column (use .empty for a blank cell)"
        case .notPNG:
            return "pass the bytes of a PNG file (they start with 89 50 4E 47 0D 0A 1A 0A); encode other formats to PNG first"
        case .notSVG:
            return "pass the output of LineChart.svg() or BarChart.svg(), or another string that starts with <svg and ends with </svg>"
        }
    }

    private static func quoted(_ s: String) -> String { s.isEmpty ? "(untitled)" : "\"\(s)\"" }
}
