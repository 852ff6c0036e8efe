import Foundation
import Imaging
import NN
import Tensor

/// How a generator runs at test time.
public enum InferenceMode: String, Codable, Sendable, CaseIterable {
    /// Dropout off, batch norm with running statistics (the usual PyTorch `eval()`).
    case eval
    /// As the paper ran its tests: dropout on and batch statistics ("train mode"). It updates the
    /// generator's running statistics, as PyTorch does.
    case train
}

/// Mean (and standard deviation over images) of L1, PSNR and SSIM on a validation set.
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var mode: InferenceMode
    /// Number of image pairs.
    public var count: Int
    /// Mean absolute error on [0, 1].
    public var l1: Double
    public var l1SD: Double
    /// PSNR in dB (data range 1); identical pairs count as 100 dB.
    public var psnr: Double
    public var psnrSD: Double
    /// SSIM (Wang et al. 2004; Gaussian window 11, σ 1.5).
    public var ssim: Double
    public var ssimSD: Double

    public var summary: String {
        String(format: "L1 %.4f ± %.4f  PSNR %.2f ± %.2f dB  SSIM %.4f ± %.4f", l1, l1SD, psnr, psnrSD, ssim, ssimSD)
    }

    enum CodingKeys: String, CodingKey {
        case mode, count, l1, l1SD = "l1_sd", psnr, psnrSD = "psnr_sd", ssim, ssimSD = "ssim_sd"
    }
}

/// Running generators on data: translation of a batch, and metrics over a dataset.
public enum Evaluator {
    /// G(A) for a loader batch, without recording gradients; leaves the generator in `mode`.
    public static func translate(_ generator: any GeneratorNetwork, batch: PairBatch, mode: InferenceMode) throws -> Tensor {
        let a = try Tensor(shape: batch.shapeA, values: batch.a)
        return try translate(generator, input: a, mode: mode)
    }

    /// G(input) for an NHWC batch in [-1, 1], without recording gradients.
    public static func translate(_ generator: any GeneratorNetwork, input: Tensor, mode: InferenceMode) throws -> Tensor {
        generator.train(mode == .train)
        try generator.checkInput(shape: input.shape)
        return try withNoGrad { try generator(input) }
    }

    /// Sample `index` of an NHWC output in [-1, 1] as an image.
    public static func image(_ output: Tensor, index: Int) throws -> Image {
        let h = output.shape[1], w = output.shape[2], c = output.shape[3]
        let per = h * w * c
        return try Image(unitFloats: UnsafeBufferPointer(start: output.pointer + index * per, count: per),
                         width: w, height: h, channels: c)
    }

    /// L1 / PSNR / SSIM of G on every pair of `dataset`, resized to `size` (no crop jitter, no flip),
    /// with G's convolutions in `precision` (by default the caller's).
    public static func evaluate(generator: any GeneratorNetwork, dataset: any PairedDataset, size: Int,
                                channelsA: Int, channelsB: Int, mode: InferenceMode, batchSize: Int = 1,
                                precision: Precision = Precision.current) throws -> EvaluationResult {
        try Precision.with(precision) {
            try measure(generator: generator, dataset: dataset, size: size, channelsA: channelsA, channelsB: channelsB,
                        mode: mode, batchSize: batchSize)
        }
    }

    private static func measure(generator: any GeneratorNetwork, dataset: any PairedDataset, size: Int,
                                channelsA: Int, channelsB: Int, mode: InferenceMode, batchSize: Int) throws -> EvaluationResult {
        var options = PairLoaderOptions.evaluation(size: size, batchSize: batchSize)
        options.channelsA = channelsA
        options.channelsB = channelsB
        let loader = try PairLoader(dataset: dataset, options: options)
        var accumulator = MetricAccumulator()  // identical pairs count as 100 dB; sample sd
        while let batch = try loader.nextBatch() {
            let output = try translate(generator, batch: batch, mode: mode)
            let qualities = try batch.b.withUnsafeBufferPointer { real in
                try ImageMetrics.quality(nhwc: UnsafeBufferPointer(start: output.pointer, count: output.count), real,
                                         shape: batch.shapeB, range: .signed)
            }
            accumulator.add(contentsOf: qualities)
        }
        guard let s = accumulator.summary else {
            return EvaluationResult(mode: mode, count: 0, l1: .nan, l1SD: .nan, psnr: .nan, psnrSD: .nan, ssim: .nan, ssimSD: .nan)
        }
        return EvaluationResult(mode: mode, count: s.count, l1: s.mean.l1, l1SD: s.standardDeviation.l1,
                                psnr: s.mean.psnr, psnrSD: s.standardDeviation.psnr, ssim: s.mean.ssim, ssimSD: s.standardDeviation.ssim)
    }
}
