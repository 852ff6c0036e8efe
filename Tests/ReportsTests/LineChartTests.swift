import Foundation
@testable import Reports
import Testing

@Suite struct LineChartTests {
    static func losses(points: Int = 200) -> [LineChart.Series] {
        let names = ["G_GAN", "G_L1", "D_real", "D_fake"]
        return names.indices.map { (k: Int) -> LineChart.Series in
            var series = LineChart.Series(name: names[k])
            for i in 0..<points {
                let wave: Double = sin(Double(i) * 0.1 + Double(k)) * 0.2
                series.append(x: Double(i * 10), y: 0.5 + Double(k) + wave)
            }
            return series
        }
    }

    @Test func isWellFormedXMLWithOnePathPerSeries() throws {
        let chart = LineChart(title: "Losses", xLabel: "step", yLabel: "loss", series: Self.losses())
        let svg = try chart.svg()
        let xml = try parseXML(svg)
        #expect(xml.elements.first?.name == "svg")
        #expect(xml.elements.first?.attributes["viewBox"] == "0 0 760 420")
        let paths = xml.all("path", class: "series")
        #expect(paths.map { $0.attributes["data-series"] } == ["G_GAN", "G_L1", "D_real", "D_fake"])
        #expect(xml.all("path", class: "series-raw").isEmpty)
        #expect(Set(paths.compactMap { $0.attributes["stroke"] }).count == 4, "four distinct colours")
        for path in paths { #expect(pathPoints(path.attributes["d"] ?? "").count == 200) }
        #expect(xml.allText.contains("Losses") && xml.allText.contains("step") && xml.allText.contains("loss"))
    }

    @Test func smoothingAddsAFaintRawPath() throws {
        let chart = LineChart(title: "Losses", series: Self.losses(), smoothing: 0.9)
        let xml = try parseXML(chart.svg())
        #expect(xml.all("path", class: "series").count == 4)
        let raw = xml.all("path", class: "series-raw")
        #expect(raw.count == 4)
        #expect(raw.allSatisfy { $0.attributes["stroke-opacity"] == "0.28" })
        #expect(xml.allText.contains("exponential moving average (weight 0.9)"))
    }

    @Test func emaIsBiasCorrected() {
        #expect(LineChart.ema([1, 1, 1], weight: 0.9).allSatisfy { abs($0 - 1) < 1e-12 })
        let e = LineChart.ema([0, 10], weight: 0.5)
        #expect(e[0] == 0)
        #expect(abs(e[1] - 10 * 0.5 / 0.75) < 1e-12)
    }

    @Test func logAxisSpacesDecadesEvenly() throws {
        var chart = LineChart(title: "log", series: [LineChart.Series(name: "s", xy: [(0, 1), (1, 10), (2, 100), (3, 1000)])])
        chart.yScale = .log
        let xml = try parseXML(chart.svg())
        let points = pathPoints(try #require(xml.all("path", class: "series").first?.attributes["d"]))
        #expect(points.count == 4)
        let rises = zip(points, points.dropFirst()).map { previous, next in previous.1 - next.1 }
        #expect(rises.allSatisfy { abs($0 - rises[0]) <= 0.15 }, "\(rises)")
        #expect(rises[0] > 50, "each decade is the same distance higher up (SVG y points down)")
        let labels = xml.all("text").map(\.text)
        for label in ["1", "10", "100", "1000"] { #expect(labels.contains(label), "\(labels)") }
    }

    @Test func logAxisLeavesOutNonPositiveValues() throws {
        var chart = LineChart(title: "log", series: [LineChart.Series(name: "loss", values: [0.5, 0, -1, 0.25, 0.125])])
        chart.yScale = .log
        let xml = try parseXML(chart.svg())
        #expect(pathPoints(xml.all("path", class: "series")[0].attributes["d"]!).count == 3)
        #expect(xml.allText.contains("loss: 2 non-finite or non-positive values not drawn."))
    }

    @Test func nonFiniteValuesAreSkippedAndCounted() throws {
        let series = LineChart.Series(name: "G_GAN", xy: [(0, 1), (1, .nan), (2, 2), (3, .infinity), (.nan, 3), (5, 1.5)])
        let svg = try LineChart(title: "nan", series: [series]).svg()
        let xml = try parseXML(svg)
        let d = try #require(xml.all("path", class: "series").first?.attributes["d"])
        #expect(pathPoints(d).count == 3)
        #expect(!svg.lowercased().contains("nan\"") && !svg.contains("inf\""))
        #expect(xml.allText.contains("G_GAN: 3 non-finite values not drawn."))
        #expect(xml.all("circle").count == 3, "few points get markers")
    }

    @Test func emptySeriesAndEmptyChart() throws {
        let chart = LineChart(title: "t", series: [LineChart.Series(name: "empty"), LineChart.Series(name: "one", values: [2])])
        let xml = try parseXML(chart.svg())
        #expect(xml.all("path", class: "series").map { $0.attributes["data-series"] } == ["one"])
        #expect(xml.allText.contains("no data"))
        #expect(xml.all("circle").count == 1, "a single point is drawn as a dot")

        let nothing = try parseXML(LineChart(title: "nothing").svg())
        #expect(nothing.all("path").isEmpty)
        #expect(nothing.all("text").contains { $0.text == "no data" })
        let allNaN = try parseXML(LineChart(title: "nan", series: [.init(name: "x", values: [.nan, .nan])]).svg())
        #expect(allNaN.all("path").isEmpty)
    }

    @Test func thousandsOfPointsAreReducedButKeepExtremes() throws {
        var values = (0..<100_000).map { 1 + sin(Double($0) * 0.01) * 0.1 }
        values[71_234] = 5  // one spike must survive the reduction
        values[12_345] = -3
        let chart = LineChart(title: "big", series: [LineChart.Series(name: "loss", values: values)])
        let svg = try chart.svg()
        let xml = try parseXML(svg)
        let points = pathPoints(xml.all("path", class: "series")[0].attributes["d"]!)
        #expect(points.count < 4 * 760, "\(points.count) points drawn")
        #expect(points.count > 700)
        let ys = points.map(\.1)
        // Without the spike and the dip the line would span about 6 pixels.
        let top = try #require(ys.min())
        let bottom = try #require(ys.max())
        #expect(bottom - top > 150, "the spike and the dip are both drawn")
        #expect(svg.utf8.count < 200_000)
    }

    @Test func hostileLabelsAreEscaped() throws {
        let chart = LineChart(title: hostileLabel, xLabel: hostileLabel, yLabel: "&amp;",
                              series: [LineChart.Series(name: hostileLabel, values: [1, 2, 3])])
        let svg = try chart.svg()
        let xml = try parseXML(svg)
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("<b>"))
        #expect(xml.all("script").isEmpty)
        #expect(xml.all("title").first?.text == hostileLabel.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")
            .replacingOccurrences(of: "\u{7}", with: "\u{FFFD}"))
        #expect(xml.allText.contains("&amp;"), "an entity in a label is text, not markup")
        #expect(xml.all("path", class: "series").first?.attributes["data-series"]?.hasPrefix("</text><script>") == true)
    }

    @Test func sameInputSameBytes() throws {
        var chart = LineChart(title: "det", series: Self.losses(points: 3000), smoothing: 0.6)
        chart.yScale = .log
        let a = try chart.svg()
        let b = try chart.svg()
        #expect(a == b)
        var other = chart
        other.title = "other"
        let clipA = try #require(parseXML(a).all("clipPath").first?.attributes["id"])
        let clipB = try #require(parseXML(other.svg()).all("clipPath").first?.attributes["id"])
        #expect(clipA != clipB, "clip ids differ between charts, so several can share an HTML page")
    }

    @Test func pointsAreSortedByX() throws {
        let forward = LineChart.Series(name: "s", xy: [(0, 1), (1, 3), (2, 2)])
        let backward = LineChart.Series(name: "s", xy: [(2, 2), (0, 1), (1, 3)])
        #expect(try LineChart(title: "t", series: [forward]).svg() == LineChart(title: "t", series: [backward]).svg())
    }

    @Test func legendShowsTheLastValue() throws {
        let xml = try parseXML(LineChart(title: "t", series: [.init(name: "G_L1", values: [30, 20, 12.3456])]).svg())
        #expect(xml.all("text").contains { $0.text == "G_L112.35" }, "\(xml.all("text").map(\.text))")
    }

    @Test func fixedRangeCutsOffAndSaysSo() throws {
        var chart = LineChart(title: "t", series: [.init(name: "s", values: [50, 2, 1.5, 1.2, 1.1])])
        chart.yRange = 0...2
        let xml = try parseXML(chart.svg())
        #expect(xml.allText.contains("1 value outside the y range 0–2 cut off."))
        #expect(xml.all("clipPath").count == 1)
    }

    @Test func smallMultiplesHaveOnePanelPerSeries() throws {
        var chart = LineChart(title: "Losses", series: Self.losses(), smoothing: 0.8)
        chart.layout = .smallMultiples(columns: 2)
        let svg = try chart.svg()
        let xml = try parseXML(svg)
        #expect(xml.all("clipPath").count == 4)
        #expect(xml.all("path", class: "series").count == 4)
        let height = try #require(Double(xml.elements[0].attributes["height"] ?? ""))
        #expect(height > 2 * 220, "two rows of 220-pixel panels")
        #expect(try svg == chart.svg())
    }

    @Test func manySeriesRepeatColoursWithDashes() throws {
        let series = (0..<10).map { LineChart.Series(name: "s\($0)", values: [Double($0), Double($0) + 1]) }
        let paths = try parseXML(LineChart(title: "t", series: series).svg()).all("path", class: "series")
        #expect(paths.count == 10)
        #expect(paths[0].attributes["stroke-dasharray"] == nil)
        #expect(paths[8].attributes["stroke"] == paths[0].attributes["stroke"])
        #expect(paths[8].attributes["stroke-dasharray"] != nil)
    }

    @Test func invalidOptionsAreNamed() {
        func error(_ body: (inout LineChart) -> Void) -> ReportError? {
            var chart = LineChart(title: "loss.svg chart", series: [.init(name: "s", values: [1, 2])])
            body(&chart)
            do { _ = try chart.svg(); return nil } catch { return error as? ReportError }
        }
        let smoothing = error { $0.smoothing = 1 }
        guard case let .invalidOption(subject, option, _, _)? = smoothing else {
            Issue.record("expected invalidOption, got \(String(describing: smoothing))")
            return
        }
        #expect(subject == "loss.svg chart" && option == "smoothing")
        #expect(smoothing!.description.contains("Hint:"))
        #expect(error { $0.smoothing = .nan } != nil)
        #expect(error { $0.width = 100 } != nil)
        #expect(error { $0.yRange = 0...1; $0.yScale = .log } != nil)
        #expect(error { $0.layout = .smallMultiples(columns: 0) } != nil)
        #expect(error { $0.smoothing = 0.99 } == nil)
    }
}
