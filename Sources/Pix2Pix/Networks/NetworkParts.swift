import NN
import Tensor

// Small pieces every architecture family shares: the norm choice, channel counts, convolution
// geometry. Each family (config, network, variant) lives in its own file next to this one.

/// Normalisation layer used inside a network (the reference's `--norm`).
public enum NormKind: String, Codable, Sendable, CaseIterable {
    case batch, instance, none

    /// The reference gives convolutions a bias exactly when the following norm is not batch norm
    /// (batch norm's shift makes a bias redundant).
    public var convolutionsUseBias: Bool { self != .batch }
}

/// The norm layer the reference's `get_norm_layer` returns: BatchNorm2d(affine) for `batch`,
/// InstanceNorm2d(affine: false, no running stats) for `instance`, nothing for `none`.
func makeNorm(_ kind: NormKind, channels: Int) throws -> (any UnaryLayer)? {
    switch kind {
    case .batch: return try BatchNorm2d(channels: channels)
    case .instance: return try InstanceNorm2d(channels: channels)
    case .none: return nil
    }
}

/// Channels a network reads and writes.
public struct ChannelSpec: Codable, Sendable, Equatable {
    public var inputChannels: Int
    public var outputChannels: Int
    public init(inputChannels: Int = 3, outputChannels: Int = 3) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
    }

    /// Channels a discriminator reads next to a generator with these channels: A and B
    /// concatenated when conditional (pix2pix), B alone otherwise. The one place this rule lives.
    public func discriminatorChannels(conditional: Bool) -> Int {
        conditional ? inputChannels + outputChannels : outputChannels
    }
}

/// One convolution's geometry, for receptive-field arithmetic.
public struct ConvGeometry: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public init(kernel: Int, stride: Int, padding: Int) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }
}

/// Receptive field of a stack of convolutions, computed backwards from one output pixel:
/// r ← (r − 1)·stride + kernel.
public func receptiveField(of layers: [ConvGeometry]) -> Int {
    layers.reversed().reduce(1) { r, l in (r - 1) * l.stride + l.kernel }
}

/// Output extent of a stack of convolutions on an input of `size`.
public func outputSize(of layers: [ConvGeometry], input size: Int) -> Int {
    layers.reduce(size) { s, l in (s + 2 * l.padding - l.kernel) / l.stride + 1 }
}
