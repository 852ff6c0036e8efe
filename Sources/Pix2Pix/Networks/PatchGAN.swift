import NN
import Tensor

// The PatchGAN family (the reference's `NLayerDiscriminator`): config, network and registry
// variant. `patchgan_16 … patchgan_142` and the 286×286 ImageGAN are presets of it (`BuiltIn.swift`).

/// Architecture of the PatchGAN / ImageGAN family. Keys are snake_case (checkpoints, `--d key=value`).
///
/// Bounds, checked before anything is built from a config (checkpoint header, model card, flags,
/// overrides): `layers` 0…8, `ndf` 1…256, `input_channels` 1…128 (A + B of two 64-channel images),
/// and at most ``StateShapes/maximumElements`` parameters and buffers in all.
public struct PatchGANConfig: Codable, Sendable, Equatable {
    /// The layer counts the family accepts.
    public static let layersRange = 0...8
    /// The widths the family accepts.
    public static let ndfRange = 1...256
    /// The input channels the family accepts.
    public static let channelRange = 1...128

    /// Stride-2 convolutions after the first one (`n_layers`): 1 → 16², 2 → 34², 3 → 70², 4 → 142², 5 → 286².
    public var layers: Int
    public var ndf: Int
    public var norm: NormKind
    /// Derived when a model is built: A + B channels for a conditional D, B alone otherwise.
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

/// The PatchGAN / ImageGAN discriminator, the reference's `NLayerDiscriminator`: a 4×4 stride-2
/// convolution, `layers − 1` more stride-2 convolutions with norm, then two stride-1
/// convolutions; the channel multiplier is capped at 8, the first convolution has no norm, and
/// the output is a grid of logits (no sigmoid), one per receptive field.
///
/// Child `model` is a `Sequential` laid out as the reference's, so keys are `model.0.weight`, ….
public final class PatchGANDiscriminator: Module, DiscriminatorNetwork {
    public let config: PatchGANConfig
    let model: Sequential

    public init(config: PatchGANConfig) throws {
        try Self.validate(config)
        self.config = config
        let useBias = config.norm.convolutionsUseBias
        let ndf = config.ndf
        var layers: [any UnaryLayer] = [
            try Conv2d(inputChannels: config.inputChannels, outputChannels: ndf, kernelSize: 4, stride: 2, padding: 1, bias: true),
            LeakyReLU(0.2),
        ]
        var multiplier = 1
        for n in stride(from: 1, to: config.layers + 1, by: 1) {
            let previous = multiplier
            multiplier = min(1 << n, 8)
            // The last of the n_layers convolutions has stride 1 (the reference's second-to-last conv).
            let isLast = n == config.layers
            layers.append(try Conv2d(inputChannels: ndf * previous, outputChannels: ndf * multiplier, kernelSize: 4,
                                     stride: isLast ? 1 : 2, padding: 1, bias: useBias))
            if let norm = try makeNorm(config.norm, channels: ndf * multiplier) { layers.append(norm) }
            layers.append(LeakyReLU(0.2))
        }
        layers.append(try Conv2d(inputChannels: ndf * multiplier, outputChannels: 1, kernelSize: 4, stride: 1, padding: 1, bias: true))
        model = Sequential(layers)
        super.init()
        registerModule("model", model)
    }

    static func validate(_ config: PatchGANConfig) throws {
        func fail(_ message: String) -> RegistryError { .invalidConfig(name: "patchgan", message: message) }
        guard PatchGANConfig.layersRange.contains(config.layers) else {
            throw fail("layers must be in \(PatchGANConfig.layersRange.bounds) (3 gives the 70×70 PatchGAN), got \(config.layers)")
        }
        guard PatchGANConfig.ndfRange.contains(config.ndf) else {
            throw fail("ndf must be in \(PatchGANConfig.ndfRange.bounds) (64 is the paper's), got \(config.ndf)")
        }
        guard PatchGANConfig.channelRange.contains(config.inputChannels) else {
            throw fail("input_channels must be in \(PatchGANConfig.channelRange.bounds) (A + B channels for a conditional D), got \(config.inputChannels)")
        }
    }

    /// The state-dict shapes of the network `init` builds (the same layer list), after ``validate(_:)``.
    static func stateShapes(_ config: PatchGANConfig) throws -> StateShapes {
        try validate(config)
        var shapes = StateShapes(network: "patchgan")
        let useBias = config.norm.convolutionsUseBias
        // [conv, LeakyReLU, (conv, norm?, LeakyReLU) × layers, conv]
        try shapes.conv2d("model.0", input: config.inputChannels, output: config.ndf, kernel: 4, bias: true)
        var index = 2
        var multiplier = 1
        for n in stride(from: 1, to: config.layers + 1, by: 1) {
            let previous = multiplier
            multiplier = min(1 << n, 8)
            try shapes.conv2d("model.\(index)", input: config.ndf * previous, output: config.ndf * multiplier, kernel: 4, bias: useBias)
            index += try shapes.norm(config.norm, "model.\(index + 1)", channels: config.ndf * multiplier) ? 3 : 2
        }
        try shapes.conv2d("model.\(index)", input: config.ndf * multiplier, output: 1, kernel: 4, bias: true)
        return shapes
    }

    public var inputChannels: Int { config.inputChannels }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        return try model(input)
    }

    public override var layerDescription: String {
        "PatchGANDiscriminator(layers \(config.layers), ndf \(config.ndf), \(config.norm.rawValue) norm)"
    }
}

/// The PatchGAN family (`patchgan_*`, `imagegan_286`).
public enum PatchGANVariant: DiscriminatorVariant {
    public static let family = "patchgan"
    public static func stateShapes(_ config: PatchGANConfig) throws -> StateShapes {
        try PatchGANDiscriminator.stateShapes(config)
    }
    public static func make(_ config: PatchGANConfig, context: BuildContext) throws -> any DiscriminatorNetwork {
        try PatchGANDiscriminator(config: config)
    }
}
