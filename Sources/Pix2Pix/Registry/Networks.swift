import NN
import Tensor

/// A generator network: NHWC image in, NHWC image out (values in [-1, 1]).
public protocol GeneratorNetwork: UnaryLayer {
    var channels: ChannelSpec { get }
    /// Height and width must be multiples of this.
    var sizeMultiple: Int { get }
}

/// A discriminator network: NHWC image (or (A, B) pair concatenated on channels) in, a grid of logits out.
///
/// The size rules default to a stack of convolutions (read from the built `Conv2d` layers); a
/// network of another shape (a classifier with a dense head) states its own.
public protocol DiscriminatorNetwork: UnaryLayer {
    var inputChannels: Int { get }
    /// Throws ``RegistryError/badInput(network:shape:message:)`` unless `shape` is a batch this
    /// discriminator can judge (the trainer asks before the first step).
    func checkInput(shape: [Int]) throws
    /// Side of the square of input pixels that one output logit sees.
    var receptiveField: Int { get }
    /// Side of the logit grid for a square input of `size`.
    func outputGrid(forInput size: Int) -> Int
}

extension GeneratorNetwork {
    /// Throws unless `shape` is an NHWC batch this generator can take.
    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4 else {
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "expected an NHWC batch [n, height, width, \(channels.inputChannels)]")
        }
        guard shape[3] == channels.inputChannels else {
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "the generator takes \(channels.inputChannels) channel(s), the input has \(shape[3])")
        }
        let m = sizeMultiple
        guard shape[1] > 0, shape[2] > 0, shape[1] % m == 0, shape[2] % m == 0 else {
            let h = max(m, (shape[1] + m - 1) / m * m), w = max(m, (shape[2] + m - 1) / m * m)
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "height and width must be multiples of \(m) (2^depth); e.g. pad or crop to \(h)×\(w), or pick a generator of another depth")
        }
    }
}

extension DiscriminatorNetwork {
    /// Throws unless `shape` is an NHWC batch with this discriminator's channels.
    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4, shape[3] == inputChannels else {
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "expected NHWC with \(inputChannels) channels (a conditional D sees A and B concatenated)")
        }
        let geometry = convolutionGeometry
        guard outputSize(of: geometry, input: shape[1]) >= 1, outputSize(of: geometry, input: shape[2]) >= 1 else {
            let minimum = (1...4096).first { outputSize(of: geometry, input: $0) >= 1 } ?? 4096
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "the input is too small for this discriminator: height and width must be ≥ \(minimum)")
        }
    }

    /// The geometry of every convolution, in order, read from the built layers.
    public var convolutionGeometry: [ConvGeometry] {
        namedModules().compactMap { entry in
            guard let conv = entry.module as? Conv2d else { return nil }
            return ConvGeometry(kernel: conv.kernelSize, stride: conv.stride, padding: conv.padding)
        }
    }

    /// Side of the square of input pixels that one output logit sees.
    public var receptiveField: Int { Pix2Pix.receptiveField(of: convolutionGeometry) }

    /// Side of the logit grid for a square input of `size`.
    public func outputGrid(forInput size: Int) -> Int { outputSize(of: convolutionGeometry, input: size) }
}
