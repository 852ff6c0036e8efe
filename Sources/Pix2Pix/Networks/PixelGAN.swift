import NN
import Tensor

// The PixelGAN family (the reference's `PixelDiscriminator`): config, network and registry variant.

/// Architecture of the 1×1 PixelGAN. Keys are snake_case (checkpoints, `--d key=value`).
public struct PixelGANConfig: Codable, Sendable, Equatable {
    public var ndf: Int
    public var norm: NormKind
    /// Derived when a model is built: A + B channels for a conditional D, B alone otherwise.
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

/// The 1×1 PixelGAN, the reference's `PixelDiscriminator`: 1×1 convolutions ndf → 2·ndf → 1,
/// judging each pixel on its own (receptive field 1). Child `net` as the reference's.
public final class PixelGANDiscriminator: Module, DiscriminatorNetwork {
    public let config: PixelGANConfig
    let net: Sequential

    public init(config: PixelGANConfig) throws {
        guard config.ndf >= 1, config.inputChannels >= 1 else {
            throw RegistryError.invalidConfig(name: "pixelgan", message: "ndf and input channels must be ≥ 1, got ndf \(config.ndf), input \(config.inputChannels)")
        }
        self.config = config
        let useBias = config.norm.convolutionsUseBias
        var layers: [any UnaryLayer] = [
            try Conv2d(inputChannels: config.inputChannels, outputChannels: config.ndf, kernelSize: 1, stride: 1, padding: 0, bias: true),
            LeakyReLU(0.2),
            try Conv2d(inputChannels: config.ndf, outputChannels: config.ndf * 2, kernelSize: 1, stride: 1, padding: 0, bias: useBias),
        ]
        if let norm = try makeNorm(config.norm, channels: config.ndf * 2) { layers.append(norm) }
        layers.append(LeakyReLU(0.2))
        layers.append(try Conv2d(inputChannels: config.ndf * 2, outputChannels: 1, kernelSize: 1, stride: 1, padding: 0, bias: useBias))
        net = Sequential(layers)
        super.init()
        registerModule("net", net)
    }

    public var inputChannels: Int { config.inputChannels }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        return try net(input)
    }

    public override var layerDescription: String {
        "PixelGANDiscriminator(ndf \(config.ndf), \(config.norm.rawValue) norm)"
    }
}

/// The PixelGAN family (`pixelgan`).
public enum PixelGANVariant: DiscriminatorVariant {
    public static let family = "pixelgan"
    public static func make(_ config: PixelGANConfig, context: BuildContext) throws -> any DiscriminatorNetwork {
        try PixelGANDiscriminator(config: config)
    }
}
