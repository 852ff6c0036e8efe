import ArgumentParser
import Foundation
import SeedNetworks

/// The `pix2pix` command-line tool: one root command, a subcommand per job.
@main
struct Pix2PixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pix2pix",
        abstract: "pix2pix image-to-image translation: train, publish to a model zoo, translate.",
        subcommands: [DemoCommand.self, ModelsCommand.self, DataCommand.self, TrainCommand.self, EvalCommand.self, AblateCommand.self, ExperimentCommand.self, CheckpointCommand.self, ExportCommand.self, ZooCommand.self, TranslateCommand.self, ServeCommand.self, BenchCommand.self]
    )

    /// Start-up: plug-in variants join the shared registry before any command looks a name up. The
    /// seed project's networks (`seed_unet_upsample`, `seed_patch64`) come from their own module
    /// through the registry's public API, as a third party's would; then the command line runs.
    static func main() {
        do {
            try SeedNetworks.registerShared()
        } catch {
            FileHandle.standardError.write(Data("pix2pix: cannot register the seed networks: \(error)\n".utf8))
            Foundation.exit(1)
        }
        if let refusal = DistributedLaunch.unsupportedUnderMPI(CommandLine.arguments) {
            FileHandle.standardError.write(Data("pix2pix: \(refusal)\n".utf8))
            Foundation.exit(2)
        }
        main(nil)
    }
}
