import NN
import Tensor

// The PixelGAN family (the reference's `PixelDiscriminator`): config, network and registry variant.

/// Architecture of the 1×1 PixelGAN. Keys are snake_case (checkpoints, `--d key=value`).
///
/// Bounds, checked before anything is built from a config (checkpoint header, model card, flags,
/// overrides): `ndf` 1…256 and `input_channels` 1…128 (A + B of two 64-channel images).
public struct PixelGANConfig: Codable, Sendable, Equatable {
    /// The widths the family accepts.
    public static let ndfRange = 1...256
    /// The input channels the family accepts.
    public static let channelRange = 1...128

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
        try Self.validate(config)
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

    static func validate(_ config: PixelGANConfig) throws {
        func fail(_ message: String) -> RegistryError { .invalidConfig(name: "pixelgan", message: message) }
        guard PixelGANConfig.ndfRange.contains(config.ndf) else {
            throw fail("ndf must be in \(PixelGANConfig.ndfRange.bounds) (64 is the paper's), got \(config.ndf)")
        }
        guard PixelGANConfig.channelRange.contains(config.inputChannels) else {
            throw fail("input_channels must be in \(PixelGANConfig.channelRange.bounds) (A + B channels for a conditional D), got \(config.inputChannels)")
        }
    }

    /// The state-dict shapes of the network `init` builds (the same layer list), after ``validate(_:)``.
    static func stateShapes(_ config: PixelGANConfig) throws -> StateShapes {
        try validate(config)
        var shapes = StateShapes(network: "pixelgan")
        let useBias = config.norm.convolutionsUseBias
        // [conv, LeakyReLU, conv, norm?, LeakyReLU, conv]
        try shapes.conv2d("net.0", input: config.inputChannels, output: config.ndf, kernel: 1, bias: true)
        try shapes.conv2d("net.2", input: config.ndf, output: config.ndf * 2, kernel: 1, bias: useBias)
        let last = try shapes.norm(config.norm, "net.3", channels: config.ndf * 2) ? 5 : 4
        try shapes.conv2d("net.\(last)", input: config.ndf * 2, output: 1, kernel: 1, bias: useBias)
        return shapes
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
    public static func stateShapes(_ config: PixelGANConfig) throws -> StateShapes {
        try PixelGANDiscriminator.stateShapes(config)
    }
    public static func make(_ config: PixelGANConfig, context: BuildContext) throws -> any DiscriminatorNetwork {
        try PixelGANDiscriminator(config: config)
    }
}
