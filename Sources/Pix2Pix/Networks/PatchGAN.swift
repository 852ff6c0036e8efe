import NN
import Tensor

// The PatchGAN family (the reference's `NLayerDiscriminator`): config, network and registry
// variant. `patchgan_16 … patchgan_142` and the 286×286 ImageGAN are presets of it (`BuiltIn.swift`).

/// Architecture of the PatchGAN / ImageGAN family. Keys are snake_case (checkpoints, `--d key=value`).
public struct PatchGANConfig: Codable, Sendable, Equatable {
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
/// Child `model` is a ``Sequential`` laid out as the reference's, so keys are `model.0.weight`, ….
public final class PatchGANDiscriminator: Module, DiscriminatorNetwork {
    public let config: PatchGANConfig
    let model: Sequential

    public init(config: PatchGANConfig) throws {
        guard config.layers >= 0, config.layers <= 8 else {
            throw RegistryError.invalidConfig(name: "patchgan", message: "layers must be in 0…8 (3 gives the 70×70 PatchGAN), got \(config.layers)")
        }
        guard config.ndf >= 1, config.inputChannels >= 1 else {
            throw RegistryError.invalidConfig(name: "patchgan", message: "ndf and input channels must be ≥ 1, got ndf \(config.ndf), input \(config.inputChannels)")
        }
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
    public static func make(_ config: PatchGANConfig, context: BuildContext) throws -> any DiscriminatorNetwork {
        try PatchGANDiscriminator(config: config)
    }
}
