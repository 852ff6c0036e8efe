/// Normalisation layer used inside a network (the reference's `--norm`).
public enum NormKind: String, Codable, Sendable, CaseIterable {
    case batch, instance, none

    /// The reference gives convolutions a bias exactly when the following norm is not batch norm
    /// (batch norm's shift makes a bias redundant).
    public var convolutionsUseBias: Bool { self != .batch }
}

/// Channels a network reads and writes.
public struct ChannelSpec: Codable, Sendable, Equatable {
    public var inputChannels: Int
    public var outputChannels: Int
    public init(inputChannels: Int = 3, outputChannels: Int = 3) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
    }
}

/// Architecture of the U-Net family and of the plain encoder-decoder (the same encoder and
/// decoder without skip connections). Keys are snake_case so configs stored in checkpoints and
/// model cards survive Swift renames.
public struct UNetConfig: Codable, Sendable, Equatable {
    /// Number of stride-2 downsamplings (the reference's `num_downs`): 8 for 256², 7 for 128², 6 for 64².
    public var depth: Int
    /// Filters in the outermost layer; level ℓ has ngf·min(2^ℓ, 8).
    public var ngf: Int
    public var norm: NormKind
    /// Dropout 0.5 in the middle decoder blocks (levels 4 … depth−2), as the reference.
    public var dropout: Bool
    public var inputChannels: Int
    public var outputChannels: Int

    public init(depth: Int, ngf: Int = 64, norm: NormKind = .batch, dropout: Bool = true,
                inputChannels: Int = 3, outputChannels: Int = 3) {
        self.depth = depth
        self.ngf = ngf
        self.norm = norm
        self.dropout = dropout
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
    }

    enum CodingKeys: String, CodingKey {
        case depth, ngf, norm, dropout
        case inputChannels = "input_channels"
        case outputChannels = "output_channels"
    }

    /// Filters of the down convolution at level ℓ (0 = outermost).
    public func width(level: Int) -> Int { ngf * min(1 << min(level, 3), 8) }

    /// Input sizes must be divisible by this.
    public var sizeMultiple: Int { 1 << depth }
}

/// Architecture of the PatchGAN / ImageGAN family (the reference's `NLayerDiscriminator`).
public struct PatchGANConfig: Codable, Sendable, Equatable {
    /// Stride-2 convolutions after the first one (`n_layers`): 1 → 16², 2 → 34², 3 → 70², 4 → 142², 5 → 286².
    public var layers: Int
    public var ndf: Int
    public var norm: NormKind
    public var inputChannels: Int

    public init(layers: Int, ndf: Int = 64, norm: NormKind = .batch, inputChannels: Int = 6) {
        self.layers = layers
        self.ndf = ndf
        self.norm = norm
        self.inputChannels = inputChannels
    }

    enum CodingKeys: String, CodingKey {
        case layers, ndf, norm
        case inputChannels = "input_channels"
    }
}

/// Architecture of the 1×1 PixelGAN (the reference's `PixelDiscriminator`).
public struct PixelGANConfig: Codable, Sendable, Equatable {
    public var ndf: Int
    public var norm: NormKind
    public var inputChannels: Int

    public init(ndf: Int = 64, norm: NormKind = .batch, inputChannels: Int = 6) {
        self.ndf = ndf
        self.norm = norm
        self.inputChannels = inputChannels
    }

    enum CodingKeys: String, CodingKey {
        case ndf, norm
        case inputChannels = "input_channels"
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
