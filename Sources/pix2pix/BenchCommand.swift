import ArgumentParser
import Base
import Foundation
import Tensor

/// `pix2pix bench …`: speed measurements. A container, so that later jobs add `train` / `infer`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the engine.",
        subcommands: [BenchOpsCommand.self, BenchTrainCommand.self, BenchInferCommand.self, BenchCheckpointCommand.self, BenchAllReduceCommand.self]
    )
}

/// `pix2pix bench ops`: every convolution and transposed convolution of the U-Net generator
/// (PyTorch reference `UnetGenerator`, k4 s2 p1), forward, backward-data and backward-weights, fp32.
struct BenchOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "ms and GF/s of the unet_256 conv / deconv layer shapes (forward, backward-data, backward-weights).",
        discussion: """
            The layers are those of the reference U-Net at --size (256 → unet_256: 8 levels down to 1×1), \
            batch --batch, width --ngf, 3 input and output channels. Each pass runs once to create its \
            oneDNN primitives, then --iterations times; the median is printed. Threads: PIX2PIX_THREADS \
            (default: all cores).
            """
    )

    @Option(help: Bounds.iterations.help("Timed runs per pass; the median is reported."))
    var iterations = 5

    @Option(help: Bounds.side.help("Image size; a power of two ≥ 32 (256 gives the unet_256 layers)."))
    var size = 256

    @Option(help: Bounds.batch.help("Batch size."))
    var batch = 1

    @Option(help: Bounds.width.help("Generator width (the reference's ngf)."))
    var ngf = 64

    func validate() throws {
        try Bounds.iterations.check(iterations, "--iterations")
        try Bounds.side.check(size, "--size")
        guard size >= 32, size & (size - 1) == 0 else {
            throw ValidationError("--size must be a power of two ≥ 32 (e.g. 64, 128, 256), got \(size)")
        }
        try Bounds.batch.check(batch, "--batch")
        try Bounds.width.check(ngf, "--ngf")
    }

    func run() throws {
        let layers = UNetLayerShapes.layers(size: size, ngf: ngf, inputChannels: 3, outputChannels: 3)
        print("pix2pix bench ops: unet_\(size) conv / deconv layers, batch \(batch), fp32, \(OneDNNInfo.summary), "
              + "median of \(iterations)")
        print(pad("layer", 34) + [("GFLOP", 9), ("fwd ms", 10), ("GF/s", 8), ("bwd-d ms", 10), ("GF/s", 8),
                                  ("bwd-w ms", 10), ("GF/s", 8)].map { pad($0.0, $0.1, right: true) }.joined())
        fflush(nil)  // all streams: piped stdout is fully buffered
        var totals = [0.0, 0.0, 0.0]
        var totalFlops = 0.0
        for layer in layers {
            let times = try measure(layer)
            let flops = layer.flops(batch: batch)
            totalFlops += flops
            for k in 0..<3 { totals[k] += times[k] }
            print(row(layer.name, flops: flops, times: times))
            fflush(nil)  // all streams: piped stdout is fully buffered
        }
        print(row("total (\(layers.count) layers)", flops: totalFlops, times: totals))
        let step = totals.reduce(0, +)
        print(String(format: "all three passes: %.1f ms, %.1f GF/s", step * 1e3, 3 * totalFlops / step / 1e9))
        fflush(nil)  // all streams: piped stdout is fully buffered
    }

    private func row(_ name: String, flops: Double, times: [Double]) -> String {
        var text = pad(name, 34) + String(format: " %8.3f", flops / 1e9)
        for t in times { text += String(format: " %9.3f %7.1f", t * 1e3, flops / t / 1e9) }
        return text
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    /// Median seconds of forward, backward-data and backward-weights for one layer.
    private func measure(_ layer: UNetLayerShapes.Layer) throws -> [Double] {
        var rng = RandomGenerator(seed: 1)
        let input = Tensor.normal([batch, layer.inputSize, layer.inputSize, layer.inputChannels], using: &rng)
        let weightShape = layer.transposed
            ? [layer.inputChannels, layer.outputChannels, 4, 4]
            : [layer.outputChannels, layer.inputChannels, 4, 4]
        let weight = Tensor.normal(weightShape, std: 0.02, using: &rng)
        let bias = layer.bias ? Tensor.zeros([layer.outputChannels]) : nil
        let outputShape = [batch, layer.outputSize, layer.outputSize, layer.outputChannels]
        let gradOutput = Tensor.normal(outputShape, using: &rng)

        let forward: () throws -> Void = {
            _ = try withNoGrad {
                layer.transposed
                    ? try Tensor.convTranspose2d(input, weight: weight, bias: bias, stride: 2, padding: 1)
                    : try Tensor.conv2d(input, weight: weight, bias: bias, stride: 2, padding: 1)
            }
        }
        let backwardData: () throws -> Void = {
            _ = layer.transposed
                ? try Tensor.convTranspose2dBackwardData(gradOutput, weight: weight, inputShape: input.shape, stride: 2, padding: 1)
                : try Tensor.conv2dBackwardData(gradOutput, weight: weight, inputShape: input.shape, stride: 2, padding: 1)
        }
        let backwardWeights: () throws -> Void = {
            _ = layer.transposed
                ? try Tensor.convTranspose2dBackwardWeights(input, gradOutput: gradOutput, weightShape: weightShape,
                                                            bias: layer.bias, stride: 2, padding: 1)
                : try Tensor.conv2dBackwardWeights(input, gradOutput: gradOutput, weightShape: weightShape,
                                                   bias: layer.bias, stride: 2, padding: 1)
        }
        return try [forward, backwardData, backwardWeights].map { try median(of: $0) }
    }

    private func median(of body: () throws -> Void) throws -> Double {
        try body()  // creates the primitives
        var samples: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        samples.sort()
        let mid = samples.count / 2
        return samples.count % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2
    }
}

/// The convolution shapes of the reference `UnetGenerator` (junyanz/pytorch-CycleGAN-and-pix2pix,
/// models/networks.py, `UnetSkipConnectionBlock`): every level halves the image with a 4×4 stride-2
/// convolution on the way down and doubles it with a 4×4 stride-2 transposed convolution on the way
/// up; except at the innermost level the up-convolution reads the skip concatenation (twice the
/// channels). Only the outermost up-convolution has a bias (batch norm follows all others).
enum UNetLayerShapes {
    struct Layer {
        let name: String
        let transposed: Bool
        let inputChannels: Int
        let outputChannels: Int
        let inputSize: Int
        let bias: Bool
        var outputSize: Int { transposed ? inputSize * 2 : inputSize / 2 }

        func flops(batch: Int) -> Double {
            let positions = Double(batch * (transposed ? inputSize * inputSize : outputSize * outputSize))
            return 2 * positions * Double(inputChannels * outputChannels * 16)
        }
    }

    /// Levels = log2(size), so the innermost level reaches 1×1 (unet_256: 8, unet_128: 7).
    static func layers(size: Int, ngf: Int, inputChannels: Int, outputChannels: Int) -> [Layer] {
        let levels = size.trailingZeroBitCount
        // Channels entering / leaving level i's down-convolution: 3 → ngf → 2ngf → 4ngf → 8ngf → 8ngf …
        func downIn(_ i: Int) -> Int { i == 0 ? inputChannels : ngf * min(1 << (i - 1), 8) }
        func downOut(_ i: Int) -> Int { ngf * min(1 << i, 8) }
        var layers: [Layer] = []
        for i in 0..<levels {
            let s = size >> i
            layers.append(Layer(name: "down\(i + 1) conv \(downIn(i))→\(downOut(i)) \(s)→\(s / 2)", transposed: false,
                                inputChannels: downIn(i), outputChannels: downOut(i), inputSize: s, bias: false))
        }
        for i in stride(from: levels - 1, through: 0, by: -1) {
            let s = size >> (i + 1)
            let cin = i == levels - 1 ? downOut(i) : 2 * downOut(i)
            let cout = i == 0 ? outputChannels : downIn(i)
            layers.append(Layer(name: "up\(i + 1) deconv \(cin)→\(cout) \(s)→\(s * 2)", transposed: true,
                                inputChannels: cin, outputChannels: cout, inputSize: s, bias: i == 0))
        }
        return layers
    }
}
