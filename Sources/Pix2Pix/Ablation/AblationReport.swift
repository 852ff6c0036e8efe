import Base
import Checkpoint
import Foundation
import Imaging
import Reports
import Tensor

/// Writes an ablation's report files into the runner's directory.
struct AblationReport {
    let results: AblationResults
    let runner: AblationRunner
    /// Validation pairs shown side by side through every variant.
    var samplePairs = 4

    var plan: AblationPlan { results.plan }
    var directory: URL { runner.directory }

    func write() throws {
        let table = summaryTable()
        let charts = try metricCharts()
        let lossCharts = try self.lossCharts()
        let samples = try sampleGrid()

        try AtomicFile.write(table.csv(), to: directory.appendingPathComponent("results.csv"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(results)), to: directory.appendingPathComponent("results.json"))
        for (name, chart) in charts { try chart.write(to: directory.appendingPathComponent("\(name).svg")) }
        for (name, chart) in lossCharts { try chart.write(to: directory.appendingPathComponent("\(name).svg")) }
        if let samples { try AtomicFile.write(samples.png, to: directory.appendingPathComponent("samples.png")) }
        try AtomicFile.write(markdown(table: table, charts: charts.map(\.0) + lossCharts.map(\.0), samples: samples != nil),
                             to: directory.appendingPathComponent("report.md"))
        try html(table: table, charts: charts, lossCharts: lossCharts, samples: samples)
            .write(to: directory.appendingPathComponent("report.html"))
    }

    var setup: [(String, String)] {
        var rows: [(String, String)] = [
            ("Data", plan.data + (plan.validationData.map { " (validation: \($0))" } ?? " (validation: its val split)")),
            ("Budget", "\(plan.steps) steps per run, batch \(plan.base.batchSize), \(plan.base.cropSize)² crops from \(plan.base.loadSize)²\(plan.base.flip ? ", flips" : "")"),
            ("Seeds", plan.seeds.map(String.init).joined(separator: ", ") + " (the same data order, crops and initial weights for every variant)"),
            ("Optimiser", "Adam lr \(plan.base.learningRate), β1 \(plan.base.beta1), λ_L1 \(plan.base.lambdaL1)"
                + (plan.base.l1Reduction == .channelSum ? " on the channel-summed L1" : "") + ", \(plan.base.ganMode.rawValue) GAN loss"
                + (plan.base.preset.map { " (--preset \($0.rawValue))" } ?? "")),
        ]
        let g = plan.base.generatorOverrides, d = plan.base.discriminatorOverrides
        if !g.isEmpty || !d.isEmpty {
            rows.append(("Overrides", "G \(g.isEmpty ? "preset" : g.description); D \(d.isEmpty ? "preset" : d.description)"))
        }
        if let b = results.baselines {
            rows.append(("Train metrics", b.trainingPairs + ", eval mode, no jitter"))
            if let colour = b.validation.colour {
                rows.append(("Baselines", "identity = the input converted to the output's channels; mean colour = a flat image of the training set's mean B (" + colour.map { String(format: "%.3f", $0) }.joined(separator: ", ") + " on [0, 1]); same pairs, same metrics"))
            }
        }
        rows.append(("Framework", "Pix2PixZoo \(results.framework), \(Threads.count) threads, \(plan.base.precision.rawValue) convolutions"))
        return rows
    }

    func summaryTable() -> Table {
        let showTrain = results.summaries.contains { $0.trainL1 != nil }
        let showConvergence = results.summaries.contains { $0.convergedSteps != nil }
        var columns: [Table.Column] = [Table.Column("Variant"), Table.Column("G params", alignment: .right),
                                       Table.Column("D params", alignment: .right)]
        columns += [Table.Column("L1 ↓", higherIsBetter: false), Table.Column("PSNR (dB) ↑", higherIsBetter: true),
                    Table.Column("SSIM ↑", higherIsBetter: true)]
        if showTrain { columns.append(Table.Column("train L1", higherIsBetter: false)) }
        if showConvergence { columns.append(Table.Column("steps to L1 < \(Format.roundTrip(plan.convergenceL1))", alignment: .right)) }
        columns += [Table.Column("s/step", alignment: .right), Table.Column("seeds", alignment: .right)]
        var table = Table(columns: columns, caption: "Validation metrics, eval mode: mean ± sd over seeds; baselines on the same pairs.")
        for s in results.summaries {
            var row: [Table.Cell] = [.text(s.label), .integer(s.generatorParameters), .integer(s.discriminatorParameters),
                                     .meanSD(s.l1.mean, s.l1.sd, decimals: 4), .meanSD(s.psnr.mean, s.psnr.sd, decimals: 2),
                                     .meanSD(s.ssim.mean, s.ssim.sd, decimals: 4)]
            if showTrain { row.append(s.trainL1.map { .meanSD($0.mean, $0.sd, decimals: 4) } ?? .empty) }
            if showConvergence {
                row.append(.text(s.convergedSteps.map { "\(Int($0.mean.rounded())) (\(s.convergedSeeds)/\(s.seeds) seeds)" } ?? "not reached"))
            }
            row += [.number(s.secondsPerStep.mean, decimals: 3), .integer(s.seeds)]
            try? table.append(row)
        }
        // Baseline rows as text, so that they never take a column's bold "best" mark.
        if let b = results.baselines {
            for (label, validation, training) in Self.baselineRows(b) {
                var row: [Table.Cell] = [.text(label), .empty, .empty, .text(Self.fixed(validation.l1, 4)),
                                         .text(Self.fixed(validation.psnr, 2)), .text(Self.fixed(validation.ssim, 4))]
                if showTrain { row.append(training.map { .text(Self.fixed($0.l1, 4)) } ?? .empty) }
                if showConvergence { row.append(.empty) }
                row += [.empty, .empty]
                try? table.append(row)
            }
        }
        return table
    }

    /// (label, validation, training) for each baseline present.
    static func baselineRows(_ b: AblationBaselines) -> [(String, BaselineResult, BaselineResult?)] {
        var rows: [(String, BaselineResult, BaselineResult?)] = [("baseline: identity (input as output)", b.validation.identity, b.training?.identity)]
        if let m = b.validation.meanColour { rows.append(("baseline: mean colour (training mean B)", m, b.training?.meanColour)) }
        return rows
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        value.isFinite ? String(format: "%.\(decimals)f", value) : "\(value)"
    }

    func metricCharts() throws -> [(String, BarChart)] {
        let s = results.summaries
        func chart(_ title: String, _ unit: String, _ better: Bool, _ value: (AblationSummary) -> AblationSummary.MeanSD) -> BarChart {
            BarChart(title: title, valueLabel: unit, bars: s.map { BarChart.Bar($0.label, mean: value($0).mean, sd: plan.seeds.count > 1 ? value($0).sd : nil) },
                     higherIsBetter: better)
        }
        return [
            ("metric_l1", chart("Validation L1 (lower is better)", "L1 on [0, 1]", false, \.l1)),
            ("metric_psnr", chart("Validation PSNR (higher is better)", "dB", true, \.psnr)),
            ("metric_ssim", chart("Validation SSIM (higher is better)", "SSIM", true, \.ssim)),
        ]
    }

    /// λ·L1 and GAN curves per variant (first seed), smoothed.
    func lossCharts() throws -> [(String, LineChart)] {
        var l1Series: [LineChart.Series] = [], ganSeries: [LineChart.Series] = []
        for variant in plan.variants {
            let log = try runner.runDirectory(variant, seed: plan.seeds[0]).readLog()
            guard !log.isEmpty else { continue }
            let label = variant.label(in: plan)
            if variant.objective.usesL1 {
                l1Series.append(.init(name: label, xy: log.map { (Double($0.step), Double($0.losses.gL1)) }))
            }
            if variant.objective.usesGAN {
                ganSeries.append(.init(name: label, xy: log.map { (Double($0.step), Double($0.losses.gGAN)) }))
            }
        }
        var charts: [(String, LineChart)] = []
        let smoothing = plan.steps > 50 ? 0.95 : 0
        if !l1Series.isEmpty {
            charts.append(("loss_l1", LineChart(title: "Generator λ·L1 during training (seed \(plan.seeds[0]))", yLabel: "λ·L1",
                                                series: l1Series, smoothing: smoothing)))
        }
        if !ganSeries.isEmpty {
            charts.append(("loss_gan", LineChart(title: "Generator GAN loss during training (seed \(plan.seeds[0]))", yLabel: "G_GAN",
                                                 series: ganSeries, smoothing: smoothing)))
        }
        return charts
    }

    /// input | variant 1 | variant 2 | … | target for the first validation pairs (first seed, eval mode).
    func sampleGrid() throws -> (png: [UInt8], columns: [String])? {
        let first = plan.seeds[0]
        var columns: [[Image]] = []
        var titles = ["input"]
        var inputs: [Image] = [], targets: [Image] = []
        for variant in plan.variants {
            let run = runner.runDirectory(variant, seed: first)
            guard FileManager.default.fileExists(atPath: run.latest.path) else { continue }
            let loaded = try ModelCheckpoint.loadGenerator(from: run.latest)
            let config = try run.readConfig()
            guard let path = config.validationData,
                  let set = try? openPairedDataset(path: path, split: config.validationSplit ?? "val", direction: config.options.direction),
                  set.count > 0 else { continue }
            let io = loaded.network.channels
            var options = PairLoaderOptions.evaluation(size: config.options.cropSize, batchSize: min(samplePairs, set.count))
            options.channelsA = io.inputChannels
            options.channelsB = io.outputChannels
            guard let batch = try PairLoader(dataset: set, options: options).nextBatch() else { continue }
            let output = try Precision.with(config.options.precision) {
                try Evaluator.translate(loaded.network, batch: batch, mode: .eval)
            }
            if inputs.isEmpty {
                inputs = try (0..<batch.count).map { try batch.imageA($0).converted(toChannels: 3) }
                targets = try (0..<batch.count).map { try batch.imageB($0).converted(toChannels: 3) }
            }
            columns.append(try (0..<min(batch.count, inputs.count)).map { try Evaluator.image(output, index: $0).converted(toChannels: 3) })
            titles.append(variant.label(in: plan))
        }
        guard !columns.isEmpty else { return nil }
        titles.append("target")
        var cells: [Image] = []
        for row in 0..<inputs.count {
            cells.append(inputs[row])
            for column in columns { cells.append(column[row]) }
            cells.append(targets[row])
        }
        let grid = try Image.grid(cells, columns: columns.count + 2)
        return (try grid.pngData(), titles)
    }

    func markdown(table: Table, charts: [String], samples: Bool) -> String {
        var text = "# \(plan.title)\n\n"
        for (key, value) in setup { text += "- **\(key)**: \(value)\n" }
        text += "\n" + table.markdown() + "\n"
        if let best = results.summaries.min(by: { $0.l1.mean < $1.l1.mean }) {
            text += "Lowest validation L1: **\(best.label)** (\(String(format: "%.4f", best.l1.mean))).\n\n"
        }
        for name in charts { text += "![\(name)](\(name).svg)\n\n" }
        if samples { text += "Validation inputs through every variant (input | variants… | target):\n\n![samples](samples.png)\n\n" }
        text += "Per-run results: `results.csv`, `results.json`; run directories under `runs/`.\n"
        return text
    }

    func html(table: Table, charts: [(String, BarChart)], lossCharts: [(String, LineChart)],
              samples: (png: [UInt8], columns: [String])?) throws -> HTMLReport {
        var page = HTMLReport(title: plan.title, subtitle: "\(plan.variants.count) variants × \(plan.seeds.count) seed(s), \(plan.steps) steps each")
        page.section("Setup")
        page.keyValues(setup)
        page.section("Results")
        page.table(table)
        if let best = results.summaries.min(by: { $0.l1.mean < $1.l1.mean }),
           let bestSSIM = results.summaries.max(by: { $0.ssim.mean < $1.ssim.mean }) {
            page.paragraph("Lowest validation L1: \(best.label) (\(String(format: "%.4f", best.l1.mean))); highest SSIM: \(bestSSIM.label) (\(String(format: "%.4f", bestSSIM.ssim.mean))).")
        }
        for (_, chart) in charts { try page.figure(chart) }
        if let samples {
            page.section("Samples")
            try page.image(png: samples.png, label: "samples",
                           caption: "Columns: " + samples.columns.joined(separator: " | ") + " — the first validation pairs, eval mode, seed \(plan.seeds[0]).",
                           pixelated: plan.base.cropSize <= 128)
        }
        if !lossCharts.isEmpty {
            page.section("Training curves")
            for (_, chart) in lossCharts { try page.figure(chart) }
        }
        page.section("Runs")
        var runs = try Table(columns: ["Variant", "seed", "steps", "L1", "PSNR", "SSIM", "train L1", "training s", "run"])
        for r in results.runs {
            try runs.append([.text(r.variant.label(in: plan)), .integer(Int(r.seed)), .integer(r.steps),
                             .number(r.validation.l1, decimals: 4), .number(r.validation.psnr, decimals: 2),
                             .number(r.validation.ssim, decimals: 4), r.training.map { .number($0.l1, decimals: 4) } ?? .empty,
                             .number(r.trainingSeconds, decimals: 1), .text("runs/\(r.variant.id)__seed\(r.seed)")])
        }
        page.table(runs)
        return page
    }
}
