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

        Two baselines are scored on the same pairs with the same metrics: identity (the input converted \
        to the output's channels) and mean colour (a flat image of the mean B of --train-split, the \
        training pairs of the same data; left out when that split is missing or empty).
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
    @Option(name: .customLong("train-split"), help: "The split whose mean B is the mean-colour baseline.") var trainSplit: String = "train"
    @OptionGroup var precision: PrecisionOption
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try Bounds.side.check(size, "--size", hint: "pairs are resized to it; the model's training size is the default")
    }

    func run() throws {
        let report = try measure()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("\(report.generator) on \(data) [\(split)], \(report.count) pairs at \(report.size)², \(report.precision)")
            for r in report.results { print("  \(r.mode.rawValue) mode: \(r.summary)") }
            let baselines = report.baselines
            print("  baseline, identity (input as output): \(baselines.identity.summary)")
            if let m = baselines.meanColour, let c = baselines.colour {
                print("  baseline, mean colour of [\(trainSplit)] (\(c.map { String(format: "%.3f", $0) }.joined(separator: ", "))): \(m.summary)")
            } else {
                print("  baseline, mean colour: not measured (no non-empty split \"\(trainSplit)\" other than the evaluated one in \(data))")
            }
        }
    }

    /// The model's metrics in each mode and both baselines, on the same pairs.
    func measure() throws -> EvaluationResultsJSON {
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
                                                  precision: (try precision.resolved)))
        }
        let training = trainSplit == split ? nil : (try? openPairedDataset(path: data, split: trainSplit, direction: direction)).flatMap { $0.count > 0 ? $0 : nil }
        let baselines = try Baselines.measure(on: dataset, training: training, size: side, channels: io.outputChannels)
        return EvaluationResultsJSON(checkpoint: checkpoint, data: data, split: split, size: side, count: dataset.count,
                                     generator: loaded.architecture.generator.name,
                                     precision: (try precision.resolved).rawValue, results: results, baselines: baselines,
                                     meanColourSplit: baselines.meanColour == nil ? nil : trainSplit)
    }
}

struct EvaluationResultsJSON: Encodable {
    var checkpoint: String
    var data: String
    var split: String
    var size: Int
    var count: Int
    var generator: String
    var precision: String
    var results: [EvaluationResult]
    /// Identity and mean-colour baselines on the same pairs.
    var baselines: Baselines
    /// The split the mean colour was taken from (nil: not measured).
    var meanColourSplit: String?

    enum CodingKeys: String, CodingKey {
        case checkpoint, data, split, size, count, generator, precision, results, baselines, meanColourSplit = "mean_colour_split"
    }
}
