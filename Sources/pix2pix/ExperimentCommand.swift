import ArgumentParser
import Base
import Foundation
import Imaging
import Pix2Pix

/// `pix2pix experiment NAME`: the seed project's experiments, one command each;
/// `pix2pix experiment report [--check]`: the Experiments article's tables from the result bundles.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run one of the seed project's experiments (data, training, report, result bundle) in one command.",
        discussion: "Experiments:\n" + Experiment.catalog.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
            + """


            Each builds its data from the default photo set, runs an ablation per part under OUT/NAME/PART/ \
            (report.html there) and writes its result bundle (results.json, results.csv, charts, sample grids) \
            to RESULTS/NAME/. Rerunning resumes. Budgets are in epochs; --steps-scale shortens them for a quick \
            look (the bundle says so).

            `pix2pix experiment list` prints the catalog with each budget; `pix2pix experiment report` rewrites \
            the tables of the Experiments article from the bundles, and `report --check` exits 1 when the \
            article's numbers differ from them.
            """
    )

    @Argument(help: "Experiment name (see below), `list` or `report`.") var name: String
    @Option(help: ArgumentHelp("Output root for the runs.", valueName: "dir")) var out: String = "runs/experiments"
    @Option(name: .customLong("steps-scale"), help: Bounds.stepsScale.help("Multiply every budget (e.g. 0.1 for a quick look).")) var stepsScale: Double = 1
    @Option(help: "Only this part (e.g. gray); no result bundle is written.") var part: String?
    @Option(help: ArgumentHelp("Result bundles: RESULTS/NAME/ (committed under Docs/Results).", valueName: "dir"))
    var results: String = "Docs/Results"
    @Option(help: ArgumentHelp("report: the article whose tables are generated.", valueName: "file"))
    var article: String = "Docs/Pix2PixZoo.docc/Experiments.md"
    @Flag(help: "report: change nothing; exit 1 when the article's tables differ from the bundles.") var check = false
    @OptionGroup(title: "Execution") var precision: PrecisionOption
    @OptionGroup(title: "Execution") var threads: ThreadsOption
    @OptionGroup(title: "Execution") var progress: ProgressOption

    /// Largest bundle the repository takes per experiment.
    static let bundleLimit = 2 * 1024 * 1024

    func validate() throws {
        try Bounds.stepsScale.check(stepsScale, "--steps-scale")
        if check && name != "report" { throw ValidationError("--check belongs to `pix2pix experiment report`") }
    }

    func run() throws {
        threads.apply()
        LoggingSetup.bootstrap(quiet: true)
        switch name {
        case "list": list()
        case "report": try report()
        default: try runExperiment()
        }
    }

    func list() {
        for e in Experiment.catalog {
            print("\(e.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e.summary)")
            print(String(repeating: " ", count: 17) + e.question)
            for p in e.parts {
                let runs = p.generators.count * p.discriminators.count * p.objectives.count * p.seeds.count
                print(String(repeating: " ", count: 19) + "\(p.name): \(Experiment.budgetDescription(p, trainPairs: p.trainPairs, stepsScale: 1)) × \(runs) run\(runs == 1 ? "" : "s")")
            }
            print(String(repeating: " ", count: 17) + "total \(e.estimatedSteps()) steps")
        }
    }

    /// Text the article uses for a bundle's location (fixed, so that the check does not depend on --results).
    static func location(_ name: String) -> String { "Docs/Results/\(name)/results.json" }

    func report() throws {
        let root = URL(fileURLWithPath: results)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("results.json").path) }
        let bundles = try names.map { try ExperimentBundle.read(root.appendingPathComponent($0).appendingPathComponent("results.json")) }
        guard let data = FileManager.default.contents(atPath: article) else {
            throw ValidationError("--article \(article): cannot read it; run from the repository root or pass --article FILE")
        }
        let text = String(decoding: data, as: UTF8.self)
        if check {
            let problems = ExperimentArticle.check(text, bundles: bundles, location: Self.location)
            if problems.isEmpty {
                print("\(article) agrees with \(bundles.count) bundle(s) in \(results)")
                return
            }
            for p in problems { print(p) }
            print("run `pix2pix experiment report` to regenerate the tables")
            throw ExitCode.failure
        }
        let updated = try ExperimentArticle.update(text, bundles: bundles, location: Self.location)
        if updated != text { try AtomicFile.write(updated, to: URL(fileURLWithPath: article)) }
        print("\(article): \(updated == text ? "already up to date" : "tables regenerated") from \(bundles.count) bundle(s): \(names.joined(separator: ", "))")
    }

    func runExperiment() throws {
        guard let experiment = Experiment.named(name) else {
            throw ValidationError("unknown experiment \"\(name)\"; known: \(Experiment.catalog.map(\.name).joined(separator: ", ")) (or list, report)")
        }
        let parts = experiment.parts.filter { part == nil || $0.name == part }
        guard !parts.isEmpty else {
            throw ValidationError("experiment \(name) has no part \"\(part!)\"; parts: \(experiment.parts.map(\.name).joined(separator: ", "))")
        }
        let started = Date()
        // Taken before training: the code that runs is the code of this moment.
        let commit = Self.commit()
        let bundleDirectory = URL(fileURLWithPath: results).appendingPathComponent(experiment.name)
        var reports: [String] = []
        var bundleParts: [ExperimentBundle.Part] = []
        var files: [(from: URL, name: String)] = []
        for p in parts {
            let root = URL(fileURLWithPath: out).appendingPathComponent(experiment.name).appendingPathComponent(p.name)
            let dataPath = root.appendingPathComponent("data.h5").path
            print("\(experiment.name) / \(p.name): building data (\(p.transform.name), \(p.size)²) → \(dataPath)")
            fflush(nil)
            try Experiment.buildData(for: p, at: dataPath)
            var plan = try experiment.plan(for: p, data: dataPath, stepsScale: stepsScale)
            plan.base.precision = (try precision.resolved)
            let trainPairs = try openPairedDataset(path: dataPath, split: "train").count
            let valPairs = try openPairedDataset(path: dataPath, split: "val").count
            print("  budget: \(Experiment.budgetDescription(p, trainPairs: trainPairs, stepsScale: stepsScale))")
            let runner = try AblationRunner(plan: plan, directory: root)
            let outcome = try AblationCLI.run(runner, plain: progress.plain)
            if runner.interrupted { throw ExitCode(InterruptFlag.install().exitCode) }
            reports.append(root.appendingPathComponent("report.html").path)
            var entry = ExperimentBundle.part(p, results: outcome, validationPairs: valPairs, trainPairs: trainPairs, stepsScale: stepsScale)
            let samples = root.appendingPathComponent("samples.png"), loss = root.appendingPathComponent("loss_l1.svg")
            if FileManager.default.fileExists(atPath: samples.path) {
                entry.samples = "samples_\(p.name).png"
                files.append((samples, entry.samples!))
            }
            if FileManager.default.fileExists(atPath: loss.path) {
                entry.lossChart = "loss_\(p.name).svg"
                files.append((loss, entry.lossChart!))
            }
            bundleParts.append(entry)
        }
        print("reports:\n" + reports.map { "  \($0)" }.joined(separator: "\n"))
        guard part == nil else {
            print("no result bundle written (--part ran only part of the experiment)")
            return
        }
        let bundle = ExperimentBundle(experiment: experiment, commit: commit, date: Date(), threads: Threads.count,
                                      precision: (try precision.resolved).rawValue, stepsScale: stepsScale,
                                      wallSeconds: Date().timeIntervalSince(started), parts: bundleParts)
        try bundle.write(to: bundleDirectory)
        for (from, fileName) in files {
            try AtomicFile.write(try Data(contentsOf: from), to: bundleDirectory.appendingPathComponent(fileName))
        }
        let size = try Self.directorySize(bundleDirectory)
        print("result bundle: \(bundleDirectory.path) (\(size / 1024) KiB\(bundle.isQuickLook ? ", quick look: --steps-scale \(stepsScale)" : ""))")
        if size > Self.bundleLimit {
            FileHandle.standardError.write(Data("warning: the bundle is \(size / 1024) KiB, above the \(Self.bundleLimit / 1024) KiB a committed bundle may take\n".utf8))
        }
    }

    static func directorySize(_ url: URL) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: url.path).reduce(0) { total, name in
            total + ((try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// `git rev-parse HEAD` (+dirty with uncommitted changes to the code: Sources/ or
    /// Package.swift; result bundles and docs being edited do not change what runs), or "unknown".
    static func commit() -> String {
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            guard (try? process.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        guard let head = git(["rev-parse", "HEAD"]), !head.isEmpty else { return "unknown" }
        let dirty = !(git(["status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift"]) ?? "").isEmpty
        return head + (dirty ? "+dirty" : "")
    }
}
