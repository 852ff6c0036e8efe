import ArgumentParser
import Checkpoint
import Foundation
import Imaging
import Pix2Pix

/// `pix2pix eval`: L1 / PSNR / SSIM of a checkpoint's generator on a dataset split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint's generator (L1, PSNR, SSIM) on a dataset, in eval and in train mode.",
        discussion: """
        Eval mode is PyTorch's eval(): dropout off, batch norm with running statistics. Train mode is how \
        the paper ran its tests: dropout on and batch statistics. Pairs are resized to --size (default: the \
        size the model was trained at, else 256) without jitter. Metrics are computed on [0, 1]; SSIM uses \
        a Gaussian window of 11 with σ 1.5 (Wang et al. 2004), as scikit-image.
        """
    )

    enum ModeChoice: String, ExpressibleByArgument, CaseIterable { case eval, train, both }

    @Option(help: ArgumentHelp("An inference or training checkpoint (.pzck).", valueName: "file")) var checkpoint: String
    @Option(help: ArgumentHelp("An HDF5 file or aligned folder.", valueName: "path")) var data: String
    @Option(help: "The split to evaluate.") var split: String = "val"
    @Option(help: Bounds.side.help("Side the pairs are resized to (a multiple of the generator's).")) var size: Int?
    @Option(help: "eval, train or both.") var mode: ModeChoice = .both
    @Option(help: "Which side is the input.") var direction: PairDirection = .aToB
    @Option(help: "Seed of the dropout stream in train mode.") var seed: UInt64 = 0
    @OptionGroup var precision: PrecisionOption
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try Bounds.side.check(size, "--size", hint: "pairs are resized to it; the model's training size is the default")
    }

    func run() throws {
        let loaded = try ModelCheckpoint.loadGenerator(from: URL(fileURLWithPath: checkpoint), seed: seed)
        let dataset = try openPairedDataset(path: data, split: split, direction: direction)
        guard dataset.count > 0 else {
            throw ValidationError("\(data) has no pairs in split \"\(split)\"; check it with `pix2pix data inspect \(data)`")
        }
        let trainedSize = loaded.metadata["crop_size"]?.intValue
        let side = size ?? trainedSize ?? 256
        let modes: [InferenceMode] = mode == .both ? [.eval, .train] : [mode == .eval ? .eval : .train]
        let io = loaded.network.channels
        var results: [EvaluationResult] = []
        for m in modes {
            results.append(try Evaluator.evaluate(generator: loaded.network, dataset: dataset, size: side,
                                                  channelsA: io.inputChannels, channelsB: io.outputChannels, mode: m,
                                                  precision: precision.resolved))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = EvaluationResultsJSON(checkpoint: checkpoint, data: data, split: split, size: side,
                                               generator: loaded.architecture.generator.name,
                                               precision: precision.resolved.rawValue, results: results)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("\(loaded.architecture.generator.name) on \(data) [\(split)], \(dataset.count) pairs at \(side)², \(precision.resolved.rawValue)")
            for r in results { print("  \(r.mode.rawValue) mode: \(r.summary)") }
        }
    }
}

struct EvaluationResultsJSON: Encodable {
    var checkpoint: String
    var data: String
    var split: String
    var size: Int
    var generator: String
    var precision: String
    var results: [EvaluationResult]
}
