import Foundation
@testable import Reports
import Testing

@Suite struct BarChartTests {
    static let variants: [BarChart.Bar] = [
        .init("unet_256", mean: 21.34, sd: 0.41), .init("unet_128", mean: 20.91, sd: 0.38),
        .init("resnet_9", mean: 20.72, sd: 0.52),
    ]

    @Test func barsValueLabelsAndBest() throws {
        let chart = BarChart(title: "PSNR", valueLabel: "PSNR (dB)", bars: Self.variants, higherIsBetter: true)
        let xml = try parseXML(chart.svg())
        let bars = xml.all("rect", class: "bar")
        #expect(bars.map { $0.attributes["data-label"] } == ["unet_256", "unet_128", "resnet_9"])
        #expect(bars.filter { $0.attributes["data-best"] == "true" }.map { $0.attributes["data-label"] } == ["unet_256"])
        #expect(bars[1].attributes["fill-opacity"] == "0.45" && bars[0].attributes["fill-opacity"] == nil)
        let texts = xml.all("text").map(\.text)
        #expect(texts.contains("★ 21.3 ± 0.4"))
        #expect(texts.contains("20.9 ± 0.4"))
        #expect(texts.contains("0"), "bars start at zero")
        #expect(xml.allText.contains("★ best (higher is better)."))
    }

    @Test func lowerIsBetterMarksTheSmallest() throws {
        let chart = BarChart(title: "L1", bars: Self.variants, higherIsBetter: false)
        let best = try parseXML(chart.svg()).all("rect", class: "bar").filter { $0.attributes["data-best"] == "true" }
        #expect(best.map { $0.attributes["data-label"] } == ["resnet_9"])
        let none = try parseXML(BarChart(title: "L1", bars: Self.variants).svg()).all("rect", class: "bar")
        #expect(none.allSatisfy { $0.attributes["data-best"] == nil && $0.attributes["fill-opacity"] == nil })
    }

    @Test func barHeightsAreProportional() throws {
        var chart = BarChart(title: "t", bars: [.init("a", mean: 1), .init("b", mean: 2), .init("c", mean: 4)])
        chart.orientation = .vertical
        let bars = try parseXML(chart.svg()).all("rect", class: "bar")
        let heights = bars.compactMap { Double($0.attributes["height"] ?? "") }
        #expect(heights.count == 3)
        #expect(abs(heights[1] / heights[0] - 2) < 0.02 && abs(heights[2] / heights[0] - 4) < 0.02, "\(heights)")
        let bottoms = bars.map { Double($0.attributes["y"]!)! + Double($0.attributes["height"]!)! }
        #expect(bottoms.allSatisfy { abs($0 - bottoms[0]) < 0.11 }, "all bars stand on the zero line")
    }

    @Test func groupsAreColouredByLabelWithALegend() throws {
        let chart = BarChart(title: "L1 by D", valueLabel: "L1", groups: [
            .init("facades", bars: [.init("PixelGAN", mean: 0.17, sd: 0.01), .init("PatchGAN", mean: 0.15, sd: 0.01)]),
            .init("maps", bars: [.init("PixelGAN", mean: 0.12), .init("PatchGAN", mean: 0.13)]),
        ], higherIsBetter: false)
        let xml = try parseXML(chart.svg())
        let bars = xml.all("rect", class: "bar")
        #expect(bars.count == 4)
        #expect(bars[0].attributes["fill"] == bars[2].attributes["fill"])
        #expect(bars[0].attributes["fill"] != bars[1].attributes["fill"])
        let best = bars.filter { $0.attributes["data-best"] == "true" }
        #expect(best.count == 2, "one best per group")
        #expect(best.allSatisfy { $0.attributes["stroke"] != nil }, "best bars are outlined")
    }

    @Test func longLabelsOrManyBarsGoHorizontal() {
        let short = BarChart(title: "t", bars: Self.variants)
        #expect(short.resolvedOrientation(.init(short)) == .vertical)
        let long = BarChart(title: "t", bars: Self.variants.map {
            BarChart.Bar("unet_256 + PatchGAN 70×70 (λ = 100), \($0.label)", mean: $0.mean, sd: $0.sd)
        })
        #expect(long.resolvedOrientation(.init(long)) == .horizontal)
        let many = BarChart(title: "t", bars: (0..<20).map { BarChart.Bar("v\($0)", mean: Double($0)) })
        #expect(many.resolvedOrientation(.init(many)) == .horizontal)
        var forced = long
        forced.orientation = .vertical
        #expect(forced.resolvedOrientation(.init(forced)) == .vertical)
    }

    @Test func horizontalBarsStartAtTheSameX() throws {
        var chart = BarChart(title: "t", valueLabel: "SSIM", bars: Self.variants, higherIsBetter: true)
        chart.orientation = .horizontal
        let xml = try parseXML(chart.svg())
        let bars = xml.all("rect", class: "bar")
        #expect(bars.count == 3)
        #expect(Set(bars.map { $0.attributes["x"] }).count == 1)
        let widths = bars.compactMap { Double($0.attributes["width"] ?? "") }
        #expect(widths[0] > widths[1] && widths[1] > widths[2])
        let height = Double(xml.elements[0].attributes["height"]!)!
        #expect(height < 400, "a horizontal chart is as tall as its bars need")
    }

    @Test func nonFiniteMeansAndNegativeValues() throws {
        let chart = BarChart(title: "t", bars: [.init("a", mean: .nan, sd: 1), .init("b", mean: -2, sd: .nan), .init("c", mean: 3)])
        let xml = try parseXML(chart.svg())
        #expect(xml.all("rect", class: "bar").map { $0.attributes["data-label"] } == ["b", "c"])
        #expect(xml.all("text").contains { $0.text == "n/a" })
        #expect(xml.all("text").contains { $0.text == "-2.00" })
        #expect(xml.allText.contains("n/a: no finite value."))
    }

    @Test func negativeStandardDeviationIsRejected() {
        let chart = BarChart(title: "PSNR", bars: [.init("unet", mean: 20, sd: -1)])
        #expect(throws: ReportError.self) { try chart.svg() }
        do {
            _ = try chart.svg()
        } catch let error as ReportError {
            #expect(error.description.contains("groups[0].bars[0].sd (unet)") && error.description.contains("Hint:"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func hostileLabelsAreEscapedAndOutputIsDeterministic() throws {
        let chart = BarChart(title: hostileLabel, valueLabel: hostileLabel, groups: [
            .init(hostileLabel, bars: [.init(hostileLabel, mean: 1, sd: 0.1), .init("x", mean: 2)]),
            .init("g2", bars: [.init(hostileLabel, mean: 1.5)]),
        ], higherIsBetter: true)
        let svg = try chart.svg()
        #expect(!svg.contains("<script") && !svg.contains("<b>"))
        let xml = try parseXML(svg)
        #expect(xml.all("script").isEmpty)
        #expect(xml.all("rect", class: "bar").first?.attributes["data-label"]?.hasPrefix("</text><script>") == true)
        #expect(try svg == chart.svg())
    }

    @Test func emptyChartSaysNoData() throws {
        let xml = try parseXML(BarChart(title: "t", groups: []).svg())
        #expect(xml.all("text").contains { $0.text == "no data" })
    }
}
