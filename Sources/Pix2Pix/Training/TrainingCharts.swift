import Foundation
import Reports

/// The loss chart of a run (`loss.svg`): one panel per loss the objective uses, smoothed, with the
/// raw values faint behind — λ·L1 is two orders of magnitude above the GAN terms, so they do not
/// share an axis.
enum TrainingCharts {
    static func lossChart(records: [TrainingLogRecord], objective: Objective) -> LineChart {
        var names: [(String, KeyPath<StepLosses, Float>)] = []
        if objective.usesGAN { names.append(("G_GAN", \.gGAN)) }
        if objective.usesL1 { names.append(("G_L1 (λ·L1)", \.gL1)) }
        if objective.usesGAN { names += [("D_real", \.dReal), ("D_fake", \.dFake)] }
        let series = names.map { name, key in
            LineChart.Series(name: name, xy: records.map { (Double($0.step), Double($0.losses[keyPath: key])) })
        }
        var chart = LineChart(title: "Training losses", xLabel: "step", yLabel: "loss", series: series,
                              smoothing: records.count > 50 ? 0.9 : 0)
        chart.layout = .smallMultiples(columns: 2)
        return chart
    }

    static func writeLossChart(records: [TrainingLogRecord], objective: Objective, to url: URL) throws {
        try lossChart(records: records, objective: objective).write(to: url)
    }
}
