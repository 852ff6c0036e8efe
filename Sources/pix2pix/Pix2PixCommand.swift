import ArgumentParser
import Foundation

/// The `pix2pix` command-line tool: one root command, a subcommand per job.
@main
struct Pix2PixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pix2pix",
        abstract: "pix2pix image-to-image translation: train, publish to a model zoo, translate.",
        subcommands: [DemoCommand.self, ModelsCommand.self, DataCommand.self, TrainCommand.self, EvalCommand.self, AblateCommand.self, ExperimentCommand.self, CheckpointCommand.self, ExportCommand.self, ZooCommand.self, TranslateCommand.self, BenchCommand.self]
    )
}
