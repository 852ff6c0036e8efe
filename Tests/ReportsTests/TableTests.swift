import Foundation
@testable import Reports
import Testing

@Suite struct TableTests {
    static func ablation() throws -> Table {
        var table = Table(columns: [.init("variant"), .init("L1", higherIsBetter: false),
                                    .init("PSNR (dB)", higherIsBetter: true), .init("params")],
                          caption: "Validation metrics")
        try table.append([.text("unet_256"), .meanSD(0.158, 0.004), .number(21.34, decimals: 2), .integer(54_414_531)])
        try table.append([.text("resnet_9blocks"), .meanSD(0.166, 0.006), .number(20.72, decimals: 2), .integer(11_383_427)])
        try table.append([.text("a|b <i>x</i>"), .meanSD(0.2, 0.01), .number(.nan, decimals: 2), .empty])
        return table
    }

    @Test func markdownShape() throws {
        let md = try Self.ablation().markdown()
        let lines = md.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + 3)
        #expect(Set(lines.map(\.count)).count == 1, "columns line up:\n\(md)")
        for line in lines {
            let bars = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(bars == 5, "\(line)")
        }
        #expect(lines[0].hasPrefix("| variant "))
        let alignment = lines[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(!alignment[0].hasSuffix(":") && alignment[1].hasSuffix(":") && alignment[3].hasSuffix(":"))
        #expect(lines[2].contains("**0.158 ± 0.004**") && lines[2].contains("**21.34**") && lines[2].contains("54,414,531"))
        #expect(lines[4].contains("a\\|b &lt;i>x&lt;/i>"))
        #expect(md.hasSuffix("|\n"))
    }

    @Test func csvQuotingFollowsRFC4180() throws {
        let table = try Table(columns: ["name", "note", "value"], rows: [
            [.text("plain"), .text("a,b"), .number(0.1)],
            [.text("say \"hi\""), .text("line1\nline2"), .number(1.0 / 3.0)],
            [.text(" spaces "), .text("cr\rx"), .integer(-5)],
        ])
        let csv = table.csv()
        #expect(csv == "name,note,value\r\n"
            + "plain,\"a,b\",0.1\r\n"
            + "\"say \"\"hi\"\"\",\"line1\nline2\",0.3333333333333333\r\n"
            + " spaces ,\"cr\rx\",-5\r\n")
    }

    @Test func csvSplitsMeanAndSD() throws {
        let csv = try Self.ablation().csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "variant,L1,L1 sd,PSNR (dB),params")
        #expect(lines[1] == "unet_256,0.158,0.004,21.34,54414531")
        #expect(lines[3] == "a|b <i>x</i>,0.2,0.01,NaN,")
    }

    @Test func htmlEscapesAndMarksBest() throws {
        let html = try Self.ablation().html()
        #expect(html.contains("<caption>Validation metrics</caption>"))
        #expect(html.contains("<td>a|b &lt;i&gt;x&lt;/i&gt;</td>"))
        #expect(!html.contains("<i>"))
        #expect(html.contains("<td class=\"num\"><strong>21.34</strong></td>"))
        #expect(html.contains("<th class=\"num\">L1</th>"))
    }

    @Test func rowOfTheWrongWidthIsRejected() throws {
        var table = try Table(columns: ["a", "b"], caption: "results")
        #expect(throws: ReportError.rowWidth(table: "results", row: 0, expected: 2, got: 3)) {
            try table.append(["x", "y", "z"])
        }
        let error = ReportError.rowWidth(table: "results", row: 0, expected: 2, got: 3)
        #expect(error.description == "table \"results\": row 0 has 3 cells, but the table has 2 columns. "
            + "Hint: give every row exactly one cell per column (use .empty for a blank cell)")
    }

    @Test func cellFormatting() {
        #expect(Table.Cell.number(0.1 + 0.2, decimals: 2).display == "0.30")
        #expect(Table.Cell.number(0.693147).display == "0.6931")
        #expect(Table.Cell.meanSD(23.456, 0.31).display == "23.5 ± 0.3")
        let literal: Table.Cell = 2.5
        #expect(literal == .number(2.5))
        let text: Table.Cell = "x"
        #expect(text == .text("x"))
    }

    @Test func tiesAreAllMarked() throws {
        var table = Table(columns: [.init("v"), .init("score", higherIsBetter: true)])
        try table.append(["a", 0.5])
        try table.append(["b", 0.5])
        try table.append(["c", 0.4])
        #expect(table.html().components(separatedBy: "<strong>").count - 1 == 2)
    }
}
