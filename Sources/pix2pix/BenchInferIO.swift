import ArgumentParser
import Base
import Foundation
import Pix2Pix
import Tensor
import TorchImport

/// `bench infer --weights/--input/--output`: run the PyTorch reference's own weights on a given
/// input and keep the output, so that `make bench-compare` can say how far each engine's output
/// (ours, ONNX Runtime's, OpenVINO's) lies from PyTorch's on the same weights and the same input.
///
/// The files are what `benchmarks/torch_reference.py --prepare` writes: the generator's state dict
/// (`torch.save(G.state_dict())`, read through ``ReferenceImport`` like `zoo import`) and raw
/// little-endian float32 tensors in PyTorch's NCHW order (`numpy.ndarray.tofile`).
struct BenchInferIOOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Run these weights: a state dict of the PyTorch reference's UnetGenerator (torch.save(G.state_dict()), as `zoo import` reads it); ngf, channels and norm come from the file, the depth from --generator. Default: random weights.",
        valueName: "file.pth"))
    var weights: String?

    @Option(help: ArgumentHelp(
        "The input batch: raw little-endian float32 in PyTorch's NCHW order, [batch, input channels, size, size]. Default: uniform in [-1, 1] (seed 7).",
        valueName: "file.f32"))
    var input: String?

    @Option(help: ArgumentHelp(
        "Write the last timed pass's output here: raw little-endian float32, NCHW (replaced atomically if it exists).",
        valueName: "file.f32"))
    var output: String?

    /// The generator to time: the reference's weights (--weights) or the preset with random weights.
    func generator(options: BenchStepOptions) throws -> (network: any GeneratorNetwork, inputChannels: Int) {
        guard let weights else {
            let model = try Pix2PixModel(options: options.trainingOptions)
            return (model.generator, 3)
        }
        let imported = try ReferenceImport.generator(from: try PthFile(path: weights),
                                                     options: ReferenceImportOptions(generator: options.generator))
        return (imported.network, imported.config.inputChannels)
    }

    /// The input batch, NHWC: read from --input (NCHW on disk), else uniform random.
    func inputBatch(batch: Int, channels: Int, size: Int) throws -> Tensor {
        guard let input else {
            var rng = RandomGenerator(seed: 7)
            return Tensor.uniform([batch, size, size, channels], low: -1, high: 1, using: &rng)
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch {
            throw BenchInferIOError.unreadable(file: input, reason: error.localizedDescription)
        }
        let expected = batch * channels * size * size
        guard data.count == expected * 4 else {
            throw BenchInferIOError.wrongSize(file: input, bytes: data.count, expected: expected * 4,
                                              shape: [batch, channels, size, size])
        }
        let nchw: [Float] = data.withUnsafeBytes { raw in
            (0..<expected).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        guard let bad = nchw.firstIndex(where: { !$0.isFinite }) else {
            return try Tensor(shape: [batch, size, size, channels], values: Self.permute(nchw, [batch, channels, size, size], toNHWC: true))
        }
        throw BenchInferIOError.nonFinite(file: input, index: bad)
    }

    /// Writes `y` (NHWC) to --output as NCHW float32; nothing when --output is not given.
    func writeOutput(_ y: Tensor?) throws {
        guard let output, let y else { return }
        let s = y.shape  // [N, H, W, C]
        let nchw = Self.permute(y.scalars, [s[0], s[3], s[1], s[2]], toNHWC: false)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(nchw.count * 4)
        for v in nchw { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: output))
    }

    /// NCHW → NHWC (`toNHWC`) or NHWC → NCHW; `nchw` is the NCHW shape in both directions.
    static func permute(_ values: [Float], _ nchw: [Int], toNHWC: Bool) -> [Float] {
        let (n, c, h, w) = (nchw[0], nchw[1], nchw[2], nchw[3])
        var out = [Float](repeating: 0, count: values.count)
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        let i = ((b * c + ch) * h + y) * w + x, j = ((b * h + y) * w + x) * c + ch
                        if toNHWC { out[j] = values[i] } else { out[i] = values[j] }
                    }
                }
            }
        }
        return out
    }
}

/// An --input file that cannot be used.
enum BenchInferIOError: Error, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case wrongSize(file: String, bytes: Int, expected: Int, shape: [Int])
    case nonFinite(file: String, index: Int)

    var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "--input \(file): cannot read it: \(reason)"
        case let .wrongSize(file, bytes, expected, shape):
            return "--input \(file): \(bytes) bytes, but --batch, --size and the generator's input channels ask for \(expected) (float32 NCHW \(shape)). Hint: write it with numpy's tofile from a float32 array of that shape, or fix --batch / --size"
        case let .nonFinite(file, index):
            return "--input \(file): value \(index) is NaN or infinite. Hint: the input must be finite, in [-1, 1] like an image"
        }
    }
}
