import Foundation
@testable import Reports
import Testing

@Suite struct HTMLReportTests {
    static func report() throws -> (HTMLReport, [UInt8]) {
        let png = makePNG(width: 5, height: 3)
        var report = HTMLReport(title: "Ablation <1>", subtitle: "3 seeds & 200 epochs")
        report.section("Summary")
        report.paragraph("First paragraph.\n\nSecond <b>paragraph</b>.")
        report.keyValues([("dataset", "facades"), ("command", "pix2pix train --lambda 100 <x>")])
        report.table(try TableTests.ablation())
        try report.figure(BarChart(title: "PSNR", bars: BarChartTests.variants, higherIsBetter: true), caption: "PSNR ± sd")
        report.section("Samples")
        try report.images([("input", png), ("output <G>", png)], columns: 2, caption: "Validation image 1", pixelated: true)
        report.section("Summary")
        try report.figure(LineChart(title: "Losses", series: LineChartTests.losses()), caption: "Losses")
        report.code("{\n  \"lambda\": 100\n}")
        return (report, png)
    }

    @Test func embedsPNGsAsDataURIs() throws {
        let (report, png) = try Self.report()
        let html = report.html()
        let prefix = "src=\"data:image/png;base64,"
        let start = try #require(html.range(of: prefix))
        let end = try #require(html[start.upperBound...].firstIndex(of: "\""))
        let decoded = try #require(Data(base64Encoded: String(html[start.upperBound..<end])))
        #expect([UInt8](decoded) == png)
        #expect(html.components(separatedBy: prefix).count - 1 == 2)
        #expect(html.contains("width=\"5\" height=\"3\" alt=\"output &lt;G&gt;\" class=\"pixelated\""))
    }

    @Test func isSelfContained() throws {
        let html = try Self.report().0.html()
        var rest = html
        rest = rest.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!rest.contains("http://") && !rest.contains("https://"), "no network references")
        #expect(!html.contains("<link") && !html.contains("<script"))
        #expect(html.contains("<style>") && html.hasPrefix("<!DOCTYPE html>"))
    }

    @Test func inlineSVGsAreWellFormedAndCaptioned() throws {
        let html = try Self.report().0.html()
        var svgs: [String] = []
        var search = html[...]
        while let open = search.range(of: "<svg "), let close = search.range(of: "</svg>", range: open.upperBound..<search.endIndex) {
            svgs.append(String(search[open.lowerBound..<close.upperBound]))
            search = search[close.upperBound...]
        }
        #expect(svgs.count == 2)
        for svg in svgs { _ = try parseXML(svg) }
        #expect(html.contains("<figcaption><span class=\"fig\">Figure 1.</span> PSNR ± sd</figcaption>"))
        #expect(html.contains("<span class=\"fig\">Figure 3.</span> Losses"))
    }

    @Test func textIsEscaped() throws {
        let html = try Self.report().0.html()
        #expect(html.contains("<title>Ablation &lt;1&gt;</title>"))
        #expect(html.contains("<h1>Ablation &lt;1&gt;</h1>"))
        #expect(html.contains("<p class=\"subtitle\">3 seeds &amp; 200 epochs</p>"))
        #expect(html.contains("<p>First paragraph.</p>\n<p>Second &lt;b&gt;paragraph&lt;/b&gt;.</p>"))
        #expect(html.contains("<dd>pix2pix train --lambda 100 &lt;x&gt;</dd>"))
        #expect(html.contains("<pre><code>{\n  &quot;lambda&quot;: 100\n}</code></pre>"))

        var hostile = HTMLReport(title: hostileLabel)
        hostile.section(hostileLabel)
        hostile.paragraph(hostileLabel)
        try hostile.images([(hostileLabel, makePNG(width: 1, height: 1))])
        let page = hostile.html()
        #expect(!page.contains("<script") && !page.contains("<b>"))
    }

    @Test func sectionsGetUniqueAnchorsAndAContentsList() throws {
        let html = try Self.report().0.html()
        #expect(html.contains("<section id=\"summary\">") && html.contains("<section id=\"summary-2\">"))
        #expect(html.contains("<li><a href=\"#samples\">Samples</a></li>"))
        #expect(html.components(separatedBy: "<section").count == html.components(separatedBy: "</section>").count)
        var single = HTMLReport(title: "t")
        single.section("only")
        #expect(!single.html().contains("<nav"))
    }

    @Test func deterministic() throws {
        let (a, _) = try Self.report()
        let (b, _) = try Self.report()
        #expect(a.html() == b.html())
    }

    @Test func rejectsWhatIsNotPNGOrSVG() throws {
        var report = HTMLReport(title: "t")
        #expect(throws: ReportError.notPNG(image: "sample.jpg", reason: "it starts with FF D8 FF E0 00 10 4A 46")) {
            try report.images([("sample.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46])])
        }
        #expect(throws: ReportError.notPNG(image: "image 0", reason: "no bytes")) { try report.images([("", [])]) }
        var truncated = makePNG(width: 2, height: 2)
        truncated.removeLast(truncated.count - 20)
        #expect(throws: ReportError.self) { try report.image(png: truncated, label: "cut") }
        #expect(throws: ReportError.notSVG(figure: "Loss", reason: "it does not start with <svg")) {
            try report.figure(svg: "<div>hi</div>", caption: "Loss")
        }
        try report.figure(svg: "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n")
        #expect(!report.html().contains("<?xml"))
        #expect(throws: ReportError.self) { try report.images([], columns: 0) }
    }
}

@Suite struct ReportWritingTests {
    @Test func chartsAndReportsWriteThemselves() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chart = LineChart(title: "Losses", series: LineChartTests.losses())
        try chart.write(to: dir.appendingPathComponent("loss.svg"))
        #expect(try String(contentsOf: dir.appendingPathComponent("loss.svg"), encoding: .utf8) == chart.svg())
        let report = try HTMLReportTests.report().0
        try report.write(to: dir.appendingPathComponent("report.html"))
        #expect(try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8) == report.html())
    }
}
