import Base
import Foundation
import Imaging

/// One translated pair of a dataset file.
public struct TranslatedPair {
    public var split: String
    /// Index of the pair in its split.
    public var index: Int
    /// A and B as stored (A is what was translated).
    public var input: Image
    public var target: Image
    public var output: Image

    /// input | output | target in one image (gray images shown as RGB when any is RGB).
    public func grid() throws -> Image {
        try Image.grid([input, output, target], columns: 3)
    }
}

extension Translator {
    /// The pairs an HDF5 file holds in `splits` (all splits when nil), for progress bars.
    public static func pairCount(inHDF5 path: String, splits: [String]? = nil, budget: PixelBudget = .default) throws -> Int {
        let description = try HDF5PairedDataset.describe(path: path, budget: budget)
        return description.splits.filter { splits?.contains($0.name) ?? true }.reduce(0) { $0 + $1.count }
    }

    /// Translates every A of an HDF5 pair file (ours or either seed layout), reading `batchSize`
    /// pairs at a time (fewer when a tile's worth of pixels is reached), and hands each result to
    /// `body` in file order. Declared shapes are checked against `budget` and the file's size
    /// before anything is read; memory stays bounded whatever the number of pairs.
    public func translatePairs(inHDF5 path: String, splits: [String]? = nil, batchSize: Int = 4, budget: PixelBudget = .default,
                               _ body: (TranslatedPair) throws -> Void) throws {
        let description = try HDF5PairedDataset.describe(path: path, budget: budget)
        for name in splits ?? [] where description.split(named: name) == nil {
            throw ImagingError.missingSplit(path: path, split: name, available: description.splits.map(\.name))
        }
        for split in description.splits where splits?.contains(split.name) ?? true {
            let dataset = try HDF5PairedDataset(path: path, split: split.name, budget: budget)
            let pixels = max(1, split.a.width * split.a.height)
            let perBatch = max(1, min(batchSize, tiling.tileSize * tiling.tileSize / pixels))
            var start = 0
            while start < dataset.count {
                let end = min(dataset.count, start + perBatch)
                let pairs = try dataset.pairs(in: start..<end)
                let outputs = try translate(pairs.map(\.a), batchSize: batchSize)
                for (k, (pair, output)) in zip(pairs, outputs).enumerated() {
                    try body(TranslatedPair(split: split.name, index: start + k, input: pair.a, target: pair.b, output: output))
                }
                start = end
            }
        }
    }

    /// Writes a copy of the HDF5 file at `path` to `output` in the same layout with a prediction
    /// array per split (see `HDF5PredictionWriter`); `body`, when given, also sees every pair (to
    /// write grids in the same pass). The output appears only when every pair is done.
    public func translateHDF5(from path: String, to output: String, splits: [String]? = nil, batchSize: Int = 4,
                              overwrite: Bool = false, budget: PixelBudget = .default,
                              body: ((TranslatedPair) throws -> Void)? = nil) throws {
        // Never replace the file being read, whatever the spelling of the two paths.
        if RealPath.of(output) == RealPath.of(path) {
            throw FileError(path: output, operation: "write the translation", message: "it is the input file itself",
                            suggestion: "write the copy with predictions to another path")
        }
        let writer = try HDF5PredictionWriter(
            sourcePath: path, path: output, splits: splits, outputChannels: outputChannels,
            attributes: ["prediction_model": .string(name), "prediction_mode": .string(mode.rawValue),
                         "prediction_architecture": .string(architecture.generator.name)],
            overwrite: overwrite, budget: budget)
        do {
            try translatePairs(inHDF5: path, splits: splits, batchSize: batchSize, budget: budget) { pair in
                try writer.append(prediction: pair.output, split: pair.split)
                try body?(pair)
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}
