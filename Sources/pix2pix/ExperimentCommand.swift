import ArgumentParser
import Foundation
import Pix2Pix

/// `pix2pix experiment NAME`: the seed project's experiments, one command each.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run one of the seed project's experiments (data, training, report) in one command.",
        discussion: "Experiments:\n" + Experiment.catalog.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
            + "\n\nEach builds its data from the default photo set, runs an ablation per part under OUT/NAME/PART/ and writes report.html there. Rerunning resumes."
    )

    @Argument(help: "Experiment name (see below), or `list`.") var name: String
    @Option(help: ArgumentHelp("Output root.", valueName: "dir")) var out: String = "runs/experiments"
    @Option(name: .customLong("steps-scale"), help: Bounds.stepsScale.help("Multiply every step budget (e.g. 0.1 for a quick look).")) var stepsScale: Double = 1
    @Option(help: "Only this part (e.g. gray).") var part: String?
    @OptionGroup(title: "Execution") var precision: PrecisionOption
    @OptionGroup(title: "Execution") var threads: ThreadsOption
    @OptionGroup(title: "Execution") var progress: ProgressOption

    func validate() throws {
        try Bounds.stepsScale.check(stepsScale, "--steps-scale")
    }

    func run() throws {
        threads.apply()
        LoggingSetup.bootstrap(quiet: true)
        if name == "list" {
            for e in Experiment.catalog {
                print("\(e.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e.summary)")
                print(String(repeating: " ", count: 17) + e.question)
            }
            return
        }
        guard let experiment = Experiment.named(name) else {
            throw ValidationError("unknown experiment \"\(name)\"; known: \(Experiment.catalog.map(\.name).joined(separator: ", "))")
        }
        let parts = experiment.parts.filter { part == nil || $0.name == part }
        guard !parts.isEmpty else {
            throw ValidationError("experiment \(name) has no part \"\(part!)\"; parts: \(experiment.parts.map(\.name).joined(separator: ", "))")
        }
        var reports: [String] = []
        for p in parts {
            let root = URL(fileURLWithPath: out).appendingPathComponent(experiment.name).appendingPathComponent(p.name)
            let dataPath = root.appendingPathComponent("data.h5").path
            print("\(experiment.name) / \(p.name): building data (\(p.transform.name), \(p.size)²) → \(dataPath)")
            fflush(nil)
            try Experiment.buildData(for: p, at: dataPath)
            var plan = experiment.plan(for: p, data: dataPath, stepsScale: stepsScale)
            plan.base.precision = precision.resolved
            let runner = try AblationRunner(plan: plan, directory: root)
            try AblationCLI.run(runner, plain: progress.plain)
            if runner.interrupted { throw ExitCode(InterruptFlag.install().exitCode) }
            reports.append(root.appendingPathComponent("report.html").path)
        }
        print("reports:\n" + reports.map { "  \($0)" }.joined(separator: "\n"))
    }
}
