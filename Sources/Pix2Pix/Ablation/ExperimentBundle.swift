import Base
import Foundation
import Reports

/// The compact, versioned result of one experiment, committed under `Docs/Results/<experiment>/`:
/// `results.json` (this type), `results.csv`, `l1.svg` (validation L1 of every part and variant
/// beside the baselines), and per part the sample grid `samples_<part>.png` and the λ·L1 curve
/// `loss_<part>.svg`. The Experiments article's tables are generated from `results.json`
/// (``ExperimentArticle``).
public struct ExperimentBundle: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1
    public static let formatName = "pix2pixzoo-experiment-results"

    public var format: String
    public var formatVersion: Int
    public var experiment: String
    public var summary: String
    public var question: String
    /// `git rev-parse HEAD` of the tree that ran it, taken when the run started ("unknown"
    /// outside a checkout), "+dirty" when its code (Sources/, Package.swift) had uncommitted changes.
    public var commit: String
    /// ISO 8601, UTC.
    public var date: String
    public var framework: String
    public var threads: Int
    public var precision: String
    /// The `--steps-scale` of the run: 1 is the full budget; below 1 a quick look.
    public var stepsScale: Double
    /// Wall-clock seconds of the invocation that wrote the bundle (data, training, evaluation,
    /// reports; a resumed invocation counts only itself).
    public var wallSeconds: Double
    /// Optimisation seconds summed over every run (from the run logs, across resumes).
    public var trainingSeconds: Double
    public var parts: [Part]

    public var isQuickLook: Bool { stepsScale < 1 }

    public struct Part: Codable, Sendable, Equatable {
        public var name: String
        public var note: String
        /// The transform in words (`gray`, `canny(low 128, high 128, …)`).
        public var transform: String
        public var trainPairs: Int
        public var validationPairs: Int
        /// The budget: epochs actually run (after the steps scale) and the full budget.
        public var epochs: Double
        public var fullEpochs: Double
        public var stepsPerRun: Int
        public var budget: String
        public var size: Int
        public var batchSize: Int
        public var flips: Bool
        public var baselines: AblationBaselines?
        public var summaries: [AblationSummary]
        public var runs: [AblationRunResult]
        /// File names inside the bundle.
        public var samples: String?
        public var lossChart: String?

        enum CodingKeys: String, CodingKey {
            case name, note, transform, trainPairs = "train_pairs", validationPairs = "validation_pairs", epochs
            case fullEpochs = "full_epochs", stepsPerRun = "steps_per_run", budget, size, batchSize = "batch_size", flips
            case baselines, summaries, runs, samples, lossChart = "loss_chart"
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", experiment, summary, question, commit, date, framework, threads
        case precision, stepsScale = "steps_scale", wallSeconds = "wall_seconds", trainingSeconds = "training_seconds", parts
    }

    public init(experiment: Experiment, commit: String, date: Date, threads: Int, precision: String, stepsScale: Double,
                wallSeconds: Double, parts: [Part]) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        self.experiment = experiment.name
        summary = experiment.summary
        question = experiment.question
        self.commit = commit
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        self.date = formatter.string(from: date)
        framework = Pix2PixZooVersion.string
        self.threads = threads
        self.precision = precision
        self.stepsScale = stepsScale
        self.wallSeconds = wallSeconds
        trainingSeconds = parts.flatMap(\.runs).reduce(0) { $0 + $1.trainingSeconds }
        self.parts = parts
    }

    /// One part's entry from its finished ablation.
    public static func part(_ part: Experiment.Part, results: AblationResults, validationPairs: Int, trainPairs: Int,
                            stepsScale: Double) -> Part {
        Part(name: part.name, note: part.note, transform: part.transform.description, trainPairs: trainPairs,
             validationPairs: validationPairs, epochs: part.epochs * stepsScale, fullEpochs: part.epochs,
             stepsPerRun: results.plan.steps,
             budget: Experiment.budgetDescription(part, trainPairs: trainPairs, stepsScale: stepsScale),
             size: results.plan.base.cropSize, batchSize: results.plan.base.batchSize, flips: results.plan.base.flip,
             baselines: results.baselines, summaries: results.summaries, runs: results.runs,
             samples: nil, lossChart: nil)
    }

    /// Reads `results.json`; `path` names the file in errors.
    public static func read(_ url: URL) throws -> ExperimentBundle {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.io(path: url.path, message: "cannot read the experiment bundle; run `pix2pix experiment NAME` to write it")
        }
        let bundle: ExperimentBundle
        do { bundle = try JSONDecoder().decode(ExperimentBundle.self, from: data) } catch {
            throw TrainingError.io(path: url.path, message: "not an experiment bundle: \(error)")
        }
        guard bundle.format == formatName, bundle.formatVersion <= currentFormatVersion else {
            throw TrainingError.io(path: url.path, message: "format \(bundle.format) version \(bundle.formatVersion) is not one this Pix2PixZoo reads (\(formatName) ≤ \(currentFormatVersion))")
        }
        return bundle
    }

    /// Writes results.json, results.csv and l1.svg into `directory` (the PNG and loss charts are
    /// copied in by the caller, which names them in ``Part/samples`` and ``Part/lossChart``).
    public func write(to directory: URL) throws {
        try FileError.makeDirectories(directory.path, what: "experiment bundle folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(self)) + [0x0A], to: directory.appendingPathComponent("results.json"))
        try AtomicFile.write(csv(), to: directory.appendingPathComponent("results.csv"))
        try l1Chart().write(to: directory.appendingPathComponent("l1.svg"))
    }

    /// One row per part and answer (each variant, then the baselines).
    public func csv() -> String {
        var table = Table(columns: ["part", "answer", "seeds", "val_l1", "val_l1_sd", "val_psnr", "val_psnr_sd", "val_ssim",
                                    "val_ssim_sd", "train_l1", "converged_step", "converged_seconds", "seconds_per_step",
                                    "epochs", "steps_per_run"].map { Table.Column($0) })
        for part in parts {
            for s in part.summaries {
                try? table.append([.text(part.name), .text(s.label), .integer(s.seeds), .number(s.l1.mean), .number(s.l1.sd),
                                   .number(s.psnr.mean), .number(s.psnr.sd), .number(s.ssim.mean), .number(s.ssim.sd),
                                   s.trainL1.map { .number($0.mean) } ?? .empty,
                                   s.convergedSteps.map { .number($0.mean) } ?? .empty,
                                   s.convergedSeconds.map { .number($0.mean) } ?? .empty,
                                   .number(s.secondsPerStep.mean), .number(part.epochs), .integer(part.stepsPerRun)])
            }
            for (label, v, t) in part.baselines.map(AblationReport.baselineRows) ?? [] {
                try? table.append([.text(part.name), .text(label), .empty, .number(v.l1), .number(v.l1SD), .number(v.psnr),
                                   .number(v.psnrSD), .number(v.ssim), .number(v.ssimSD), t.map { .number($0.l1) } ?? .empty,
                                   .empty, .empty, .empty, .empty, .empty])
            }
        }
        return table.csv()
    }

    /// Validation L1 per part: every variant beside the two baselines.
    public func l1Chart() -> BarChart {
        let groups = parts.map { part in
            var bars = part.summaries.map { BarChart.Bar($0.label, mean: $0.l1.mean, sd: $0.seeds > 1 ? $0.l1.sd : nil) }
            if let b = part.baselines {
                bars.append(BarChart.Bar("identity", mean: b.validation.identity.l1))
                if let m = b.validation.meanColour { bars.append(BarChart.Bar("mean colour", mean: m.l1)) }
            }
            return BarChart.Group(part.name, bars: bars)
        }
        return BarChart(title: "\(experiment): validation L1 beside the baselines (lower is better)\(isQuickLook ? " — quick look" : "")",
                        valueLabel: "L1 on [0, 1]", groups: groups, higherIsBetter: false)
    }
}
