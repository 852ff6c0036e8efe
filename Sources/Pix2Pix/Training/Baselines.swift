import Base
import Foundation
import Imaging

/// L1 / PSNR / SSIM (mean and sample standard deviation over images) of a trivial answer.
public struct BaselineResult: Codable, Sendable, Equatable {
    /// Number of image pairs.
    public var count: Int
    public var l1: Double
    public var l1SD: Double
    public var psnr: Double
    public var psnrSD: Double
    public var ssim: Double
    public var ssimSD: Double

    public init(count: Int, l1: Double, l1SD: Double, psnr: Double, psnrSD: Double, ssim: Double, ssimSD: Double) {
        self.count = count
        self.l1 = l1
        self.l1SD = l1SD
        self.psnr = psnr
        self.psnrSD = psnrSD
        self.ssim = ssim
        self.ssimSD = ssimSD
    }

    init(_ accumulator: MetricAccumulator) {
        guard let s = accumulator.summary else {
            self.init(count: 0, l1: .nan, l1SD: .nan, psnr: .nan, psnrSD: .nan, ssim: .nan, ssimSD: .nan)
            return
        }
        self.init(count: s.count, l1: s.mean.l1, l1SD: s.standardDeviation.l1, psnr: s.mean.psnr,
                  psnrSD: s.standardDeviation.psnr, ssim: s.mean.ssim, ssimSD: s.standardDeviation.ssim)
    }

    public var summary: String {
        String(format: "L1 %.4f ± %.4f  PSNR %.2f ± %.2f dB  SSIM %.4f ± %.4f", l1, l1SD, psnr, psnrSD, ssim, ssimSD)
    }

    enum CodingKeys: String, CodingKey {
        case count, l1, l1SD = "l1_sd", psnr, psnrSD = "psnr_sd", ssim, ssimSD = "ssim_sd"
    }
}

/// The two answers every model has to beat, scored on the same pairs with the same metrics as the
/// model (``Evaluator``: pairs resized to one side without jitter, metrics on [0, 1]):
///
/// - **identity**: the input itself, converted to the output's channels (gray or edges replicated
///   to RGB). Colourisation metrics reward gray answers, so this one is often hard to beat on PSNR
///   and SSIM.
/// - **mean colour**: a flat image of the *training* set's mean B per channel: what a model that
///   ignored its input would best answer on L1-like metrics.
public struct Baselines: Codable, Sendable, Equatable {
    public var identity: BaselineResult
    /// Nil when no training data was available to take the mean from.
    public var meanColour: BaselineResult?
    /// The mean colour, one value per output channel on [0, 1].
    public var colour: [Double]?

    public init(identity: BaselineResult, meanColour: BaselineResult?, colour: [Double]?) {
        self.identity = identity
        self.meanColour = meanColour
        self.colour = colour
    }

    enum CodingKeys: String, CodingKey {
        case identity, meanColour = "mean_colour", colour
    }

    /// Both baselines on every pair of `dataset` at `size`², with the mean colour of `training`'s B
    /// (every training pair, loaded the same way); `training` nil leaves the mean colour out.
    public static func measure(on dataset: any PairedDataset, training: (any PairedDataset)?, size: Int,
                               channels: Int) throws -> Baselines {
        let identity = try self.identity(on: dataset, size: size, channels: channels)
        guard let training, training.count > 0 else { return Baselines(identity: identity, meanColour: nil, colour: nil) }
        let colour = try meanColour(of: training, size: size, channels: channels)
        return Baselines(identity: identity, meanColour: try meanColour(colour, on: dataset, size: size, channels: channels),
                         colour: colour)
    }

    static func loader(_ dataset: any PairedDataset, size: Int, channels: Int) throws -> PairLoader {
        var options = PairLoaderOptions.evaluation(size: size, batchSize: 1)
        options.channelsA = channels
        options.channelsB = channels
        return try PairLoader(dataset: dataset, options: options)
    }

    /// A (converted to `channels`) scored against B on every pair.
    public static func identity(on dataset: any PairedDataset, size: Int, channels: Int) throws -> BaselineResult {
        let loader = try loader(dataset, size: size, channels: channels)
        var accumulator = MetricAccumulator()
        while let batch = try loader.nextBatch() {
            let q = try batch.a.withUnsafeBufferPointer { a in
                try batch.b.withUnsafeBufferPointer { b in
                    try ImageMetrics.quality(nhwc: a, b, shape: batch.shapeB, range: .signed)
                }
            }
            accumulator.add(contentsOf: q)
        }
        return BaselineResult(accumulator)
    }

    /// The mean of B per channel on [0, 1] over every pair of `training` at `size`².
    public static func meanColour(of training: any PairedDataset, size: Int, channels: Int) throws -> [Double] {
        let loader = try loader(training, size: size, channels: channels)
        var sums = [Double](repeating: 0, count: channels)
        var pixels = 0
        while let batch = try loader.nextBatch() {
            batch.b.withUnsafeBufferPointer { b in
                for i in 0..<b.count { sums[i % channels] += Double(b[i]) }
            }
            pixels += batch.b.count / channels
        }
        guard pixels > 0 else {
            throw TrainingError.emptyDataset(path: training.name, split: "train")
        }
        return sums.map { min(1, max(0, ($0 / Double(pixels) + 1) / 2)) }
    }

    /// A flat image of `colour` (per channel, on [0, 1]) scored against B on every pair.
    public static func meanColour(_ colour: [Double], on dataset: any PairedDataset, size: Int, channels: Int) throws -> BaselineResult {
        precondition(colour.count == channels, "one mean per channel")
        let loader = try loader(dataset, size: size, channels: channels)
        var accumulator = MetricAccumulator()
        var flat: [Float] = []
        while let batch = try loader.nextBatch() {
            if flat.count != batch.b.count {
                flat = (0..<batch.b.count).map { Float(colour[$0 % channels] * 2 - 1) }
            }
            let q = try flat.withUnsafeBufferPointer { a in
                try batch.b.withUnsafeBufferPointer { b in
                    try ImageMetrics.quality(nhwc: a, b, shape: batch.shapeB, range: .signed)
                }
            }
            accumulator.add(contentsOf: q)
        }
        return BaselineResult(accumulator)
    }
}

/// Which training pairs the train metrics use: all of them when there are at most `limit`, else a
/// seeded stratified random sample of `limit` pairs — one pair drawn at random from each of
/// `limit` equal slices of the set. Builders store pairs photo by photo, so the sample spans every
/// source photo (never just the first ones).
public struct TrainingSample: Sendable, Equatable {
    public var limit: Int
    public var seed: UInt64

    public init(limit: Int, seed: UInt64 = 0x7472_6169_6E) {
        self.limit = limit
        self.seed = seed
    }

    /// The dataset indices used out of `count`, ascending.
    public func indices(count: Int) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        guard limit > 0 else { return [] }
        var rng = RandomGenerator(seed: seed, stream: [0x7361_6D70, UInt64(count)])
        return (0..<limit).map { k in
            let start = k * count / limit, end = (k + 1) * count / limit
            return start + rng.nextInt(below: max(1, end - start))
        }
    }

    /// How the sample was taken, for reports.
    public func describe(count: Int) -> String {
        count <= limit ? "all \(count) training pairs"
            : "a seeded random sample of \(limit) of the \(count) training pairs (one from each of \(limit) equal slices, spanning every source photo)"
    }

    /// The subset of `dataset` this sample selects.
    public func subset(of dataset: any PairedDataset) -> any PairedDataset {
        let picked = indices(count: dataset.count)
        return picked.count == dataset.count ? dataset : SubsetDataset(base: dataset, indices: picked)
    }
}

/// Some pairs of a dataset, by index.
final class SubsetDataset: PairedDataset, @unchecked Sendable {
    let base: any PairedDataset
    let indices: [Int]
    init(base: any PairedDataset, indices: [Int]) {
        self.base = base
        self.indices = indices
    }
    var name: String { "\(base.name) (\(indices.count) sampled pairs)" }
    var count: Int { indices.count }
    var width: Int { base.width }
    var height: Int { base.height }
    var channelsA: Int { base.channelsA }
    var channelsB: Int { base.channelsB }
    func pair(at index: Int) throws -> (a: Image, b: Image) { try base.pair(at: indices[index]) }
}
