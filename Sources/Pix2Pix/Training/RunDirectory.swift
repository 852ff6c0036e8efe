import Base
import Foundation

/// The files of a run directory.
public struct RunDirectory: Sendable {
    /// The names of what a run writes into its directory, declared once for the trainer, the zoo,
    /// the command line and the tests.
    public enum FileName {
        /// The run's ``TrainingRunConfig``.
        public static let config = "config.json"
        /// The newest training checkpoint (what `--resume` continues from).
        public static let latest = "latest.pzck"
        /// One ``TrainingLogRecord`` per step, as JSON lines.
        public static let log = "log.jsonl"
        /// The folder of sample grids.
        public static let samples = "samples"
        public static let lossChart = "loss.svg"
        /// The validation ``EvaluationResult`` at the end of a run.
        public static let metrics = "metrics.json"

        /// The kept checkpoint of an epoch end (`epoch_0003.pzck`).
        public static func snapshot(epoch: Int) -> String { String(format: "epoch_%04d.pzck", epoch) }
        /// A sample grid in ``samples`` (`step_0000500.png`).
        public static func sample(step: Int) -> String { String(format: "step_%07d.png", step) }

        /// Whether `name` is one of the files (or folders) a run writes.
        public static func isRunFile(_ name: String) -> Bool {
            [config, latest, log, samples, lossChart, metrics].contains(name) || (name.hasPrefix("epoch_") && name.hasSuffix(".pzck"))
        }
    }

    public let url: URL
    public init(_ url: URL) { self.url = url }
    public init(path: String) { url = URL(fileURLWithPath: path) }

    public var config: URL { url.appendingPathComponent(FileName.config) }
    public var latest: URL { url.appendingPathComponent(FileName.latest) }
    public var log: URL { url.appendingPathComponent(FileName.log) }
    public var samples: URL { url.appendingPathComponent(FileName.samples) }
    public var lossChart: URL { url.appendingPathComponent(FileName.lossChart) }
    public var metrics: URL { url.appendingPathComponent(FileName.metrics) }
    public func snapshot(epoch: Int) -> URL { url.appendingPathComponent(FileName.snapshot(epoch: epoch)) }
    public func sample(step: Int) -> URL { samples.appendingPathComponent(FileName.sample(step: step)) }

    /// Whether a run was started here (a config or a checkpoint exists).
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: config.path) || FileManager.default.fileExists(atPath: latest.path)
    }

    /// Removes the files a run writes (and nothing else) — for `--overwrite`.
    func removeRunFiles() throws {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names where FileName.isRunFile(name) {
            try fm.removeItem(at: url.appendingPathComponent(name))
        }
    }

    public func readConfig() throws -> TrainingRunConfig {
        guard let kind = FileKind.of(url.path) else {
            throw TrainingError.notResumable(path: url.path, reason: "no such run directory (check the path, or start a run there without --resume)")
        }
        guard kind == .directory else {
            throw TrainingError.notResumable(path: url.path, reason: "it is \(kind), not a run directory (give the folder that holds \(FileName.config) and \(FileName.latest))")
        }
        // stat before reading: a FIFO in place of the config would block the read forever.
        switch FileKind.of(config.path) {
        case nil: throw TrainingError.notResumable(path: url.path, reason: "\(FileName.config) is missing (start a run there without --resume)")
        case .regularFile?: break
        case let kind?: throw TrainingError.notResumable(path: url.path, reason: "\(FileName.config) is \(kind), not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: config.path) else {
            throw TrainingError.notResumable(path: url.path, reason: "\(FileName.config) cannot be read (check its permissions)")
        }
        do { return try JSONDecoder().decode(TrainingRunConfig.self, from: data) } catch {
            throw TrainingError.notResumable(path: url.path, reason: "\(FileName.config) is damaged: \(TrainingError.describe(error)); restore it, or start a new run")
        }
    }

    /// The per-step log records.
    public func readLog() throws -> [TrainingLogRecord] {
        guard FileKind.of(log.path) == .regularFile, let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(TrainingLogRecord.self, from: Data($0.utf8)) }
    }
}
