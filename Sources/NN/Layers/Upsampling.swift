import Base
import Tensor

extension Tensor {
    /// Nearest-neighbour upsampling of an NHWC batch by an integer factor: each pixel becomes a
    /// `scale` × `scale` block of copies (Keras' `UpSampling2D`, PyTorch's `nn.Upsample(mode='nearest')`).
    ///
    /// - Input: `[batch, height, width, channels]`.
    /// - Output: `[batch, height·scale, width·scale, channels]`.
    ///
    /// The gradient of an input pixel is the sum of the gradients of its block.
    public func upsampledNearest(scale: Int) throws -> Tensor {
        guard rank == 4 else {
            throw NNError.badInput(layer: "UpsampleNearest2d", shape: shape,
                                   message: "expected an NHWC image batch [batch, height, width, channels] (rank 4), got rank \(rank)")
        }
        guard scale >= 1 else {
            throw NNError.invalidArgument(what: "UpsampleNearest2d", message: "scale must be ≥ 1, got \(scale)")
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let (height, overflowH) = h.multipliedReportingOverflow(by: scale)
        let (width, overflowW) = w.multipliedReportingOverflow(by: scale)
        guard !overflowH, !overflowW else {
            throw NNError.invalidArgument(what: "UpsampleNearest2d", message: "scale \(scale) overflows the size \(h)×\(w)")
        }
        if scale == 1 { return self }
        let out = Tensor.empty([n, height, width, c])
        let src = pointer, dst = out.pointer
        // One input row (w·c values) fills `scale` output rows of width·c values.
        parallelRanges(n * h, grain: max(1, (1 << 15) / max(1, w * c * scale * scale))) { start, end in
            for row in start..<end {
                let input = src + row * w * c
                let first = dst + row * scale * width * c
                for x in 0..<w {
                    let pixel = input + x * c
                    for i in 0..<scale { (first + (x * scale + i) * c).update(from: pixel, count: c) }
                }
                for r in 1..<scale { (first + r * width * c).update(from: first, count: width * c) }
            }
        }
        return Tensor.record(out, op: "upsample_nearest", inputs: [self]) { g, _ in
            let gi = Tensor.zeros([n, h, w, c])
            let gp = g.pointer, gip = gi.pointer
            parallelRanges(n * h, grain: max(1, (1 << 15) / max(1, w * c * scale * scale))) { start, end in
                for row in start..<end {
                    let target = gip + row * w * c
                    for r in 0..<scale {
                        let source = gp + (row * scale + r) * width * c
                        for x in 0..<w {
                            let acc = target + x * c
                            for i in 0..<scale {
                                let s = source + (x * scale + i) * c
                                for k in 0..<c { acc[k] += s[k] }
                            }
                        }
                    }
                }
            }
            return [gi]
        }
    }
}

/// Nearest-neighbour upsampling by an integer factor on NHWC images: Keras' `UpSampling2D`
/// (its default `interpolation='nearest'`), PyTorch's `nn.Upsample(scale_factor:, mode='nearest')`.
///
/// - Input: `[batch, height, width, channels]`.
/// - Output: `[batch, height·scale, width·scale, channels]`.
///
/// It has no parameters.
public final class UpsampleNearest2d: Module, UnaryLayer {
    public let scale: Int

    /// - Parameter scale: the factor on height and width (≥ 1; 2 doubles the size).
    public init(scale: Int = 2) throws {
        guard scale >= 1 else {
            throw NNError.invalidArgument(what: "UpsampleNearest2d", message: "scale must be ≥ 1, got \(scale)")
        }
        self.scale = scale
        super.init()
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor { try input.upsampledNearest(scale: scale) }

    public override var layerDescription: String { "UpsampleNearest2d(×\(scale))" }
}
