import NN
import Pix2Pix
import Tensor

// The seed project's generator, `generator_unet_upsampling` of MuAuan/pix2pix `models.py` (Keras):
// config, network and registry variant, outside the library's built-in tables.

/// Architecture of `seed_unet_upsample`. Keys are snake_case (checkpoints, `--g key=value`).
///
/// Bounds, checked before anything is built: `depth` 2…10, `ngf` 1…256, `input_channels` and
/// `output_channels` 1…64, and at most `StateShapes.maximumElements` parameters and buffers.
public struct SeedUNetUpsampleConfig: Codable, Sendable, Equatable {
    public static let depthRange = 2...10
    public static let ngfRange = 1...256
    public static let channelRange = 1...64

    /// Stride-2 convolutions (the Keras code's `conv_num` = ⌊log₂ size⌋): 7 for the seed's 128²
    /// images, 6 for 64², 8 for 256². Inputs must be multiples of 2^depth.
    public var depth: Int
    /// Filters of the first convolution (`filters_num`); level ℓ has ngf·min(2^ℓ, 8).
    public var ngf: Int
    /// Dropout 0.5 in the first three decoder blocks, as the seed.
    public var dropout: Bool
    public var inputChannels: Int
    public var outputChannels: Int

    public init(depth: Int = 7, ngf: Int = 64, dropout: Bool = true, inputChannels: Int = 1, outputChannels: Int = 3) {
        self.depth = depth
        self.ngf = ngf
        self.dropout = dropout
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
    }

    enum CodingKeys: String, CodingKey {
        case depth, ngf, dropout
        case inputChannels = "input_channels"
        case outputChannels = "output_channels"
    }

    /// Filters of encoder convolution ℓ (0-based; `list_filters_num`).
    func encoderWidth(_ level: Int) -> Int { ngf * min(8, 1 << min(level, 3)) }

    /// Filters of the decoder convolutions, first to last: the encoder's widths without the two
    /// innermost, reversed, then `ngf` (the Keras code's `list_filters_num[:-2][::-1] + [filters_num]`).
    var decoderWidths: [Int] {
        (0..<max(0, depth - 2)).reversed().map(encoderWidth) + [ngf]
    }

    /// Input channels of decoder convolution j (0-based): the innermost encoder output for the
    /// first, else the previous decoder output concatenated with its skip.
    func decoderInput(_ j: Int) -> Int {
        j == 0 ? encoderWidth(depth - 1) : decoderWidths[j - 1] + encoderWidth(depth - 1 - j)
    }

    /// Whether decoder block j drops out (the first three, as `i < 2` after the first does).
    func decoderDropout(_ j: Int) -> Bool { dropout && j < 3 }
}

/// The seed's "upsampling" U-Net (`generator_unet_upsampling`): 3×3 stride-2 convolutions down
/// (LeakyReLU 0.2 before, batch norm after each but the first), then per level ReLU, nearest
/// ×2 upsampling, a 3×3 convolution, batch norm, dropout 0.5 in the first three decoder blocks,
/// and concatenation with the encoder output of the same size (decoder first, skip second);
/// finally ReLU, upsampling, a 3×3 convolution to the output channels and tanh. Every
/// convolution has a bias (Keras' default), and the innermost encoder output is batch-normalised
/// too (at 1×1, so training needs a batch of more than one: the seed trained with batch 5).
///
/// NHWC in, NHWC out, values in [−1, 1]; height and width multiples of 2^depth. Children are
/// keyed after the Keras layer names: `unet_conv2d_1` … `unet_conv2d_<depth>` (each but the first
/// followed by `unet_conv2d_<n>_bn`), `unet_upconv2d_1` … `unet_upconv2d_<depth − 1>` (each with
/// `…_bn`), and `last_conv`.
public final class SeedUNetUpsampleGenerator: Module, GeneratorNetwork {
    public let config: SeedUNetUpsampleConfig
    /// The stream dropout masks come from; the trainer saves its state for an exact resume.
    public let randomSource: RandomSource
    private let encoder: [KerasConv2d]
    private let encoderNorms: [KerasBatchNorm]  // after encoder convolutions 2 … depth
    private let decoder: [KerasConv2d]
    private let decoderNorms: [KerasBatchNorm]
    private let lastConv: KerasConv2d

    public init(config: SeedUNetUpsampleConfig, randomSource: RandomSource) throws {
        try Self.validate(config)
        self.config = config
        self.randomSource = randomSource
        var encoder: [KerasConv2d] = [], encoderNorms: [KerasBatchNorm] = []
        var channels = config.inputChannels
        for level in 0..<config.depth {
            encoder.append(try KerasConv2d(inputChannels: channels, outputChannels: config.encoderWidth(level), stride: 2))
            if level > 0 { encoderNorms.append(try KerasBatchNorm(channels: config.encoderWidth(level))) }
            channels = config.encoderWidth(level)
        }
        var decoder: [KerasConv2d] = [], decoderNorms: [KerasBatchNorm] = []
        for (j, width) in config.decoderWidths.enumerated() {
            decoder.append(try KerasConv2d(inputChannels: config.decoderInput(j), outputChannels: width))
            decoderNorms.append(try KerasBatchNorm(channels: width))
        }
        let lastInput = config.decoderWidths.last! + config.encoderWidth(0)
        lastConv = try KerasConv2d(inputChannels: lastInput, outputChannels: config.outputChannels)
        self.encoder = encoder
        self.encoderNorms = encoderNorms
        self.decoder = decoder
        self.decoderNorms = decoderNorms
        super.init()
        for (i, conv) in encoder.enumerated() {
            registerModule("unet_conv2d_\(i + 1)", conv)
            if i > 0 { registerModule("unet_conv2d_\(i + 1)_bn", encoderNorms[i - 1]) }
        }
        for (j, conv) in decoder.enumerated() {
            registerModule("unet_upconv2d_\(j + 1)", conv)
            registerModule("unet_upconv2d_\(j + 1)_bn", decoderNorms[j])
        }
        registerModule("last_conv", lastConv)
    }

    static func validate(_ config: SeedUNetUpsampleConfig) throws {
        func fail(_ message: String) -> RegistryError { .invalidConfig(name: SeedUNetUpsampleVariant.family, message: message) }
        guard SeedUNetUpsampleConfig.depthRange.contains(config.depth) else {
            throw fail("depth must be in \(SeedUNetUpsampleConfig.depthRange.lowerBound)…\(SeedUNetUpsampleConfig.depthRange.upperBound) (7 for the seed's 128², 6 for 64², 8 for 256²), got \(config.depth)")
        }
        guard SeedUNetUpsampleConfig.ngfRange.contains(config.ngf) else {
            throw fail("ngf must be in \(SeedUNetUpsampleConfig.ngfRange.lowerBound)…\(SeedUNetUpsampleConfig.ngfRange.upperBound) (64 is the seed's), got \(config.ngf)")
        }
        let channels = SeedUNetUpsampleConfig.channelRange
        guard channels.contains(config.inputChannels), channels.contains(config.outputChannels) else {
            throw fail("input_channels and output_channels must be in \(channels.lowerBound)…\(channels.upperBound), got input \(config.inputChannels), output \(config.outputChannels)")
        }
    }

    /// The state-dict shapes `init` builds (the same layer list), after ``validate(_:)``.
    static func stateShapes(_ config: SeedUNetUpsampleConfig) throws -> StateShapes {
        try validate(config)
        var shapes = StateShapes(network: SeedUNetUpsampleVariant.family)
        var channels = config.inputChannels
        for level in 0..<config.depth {
            let width = config.encoderWidth(level)
            try shapes.conv2d("unet_conv2d_\(level + 1)", input: channels, output: width, kernel: 3, bias: true)
            if level > 0 { try shapes.norm(.batch, "unet_conv2d_\(level + 1)_bn", channels: width) }
            channels = width
        }
        for (j, width) in config.decoderWidths.enumerated() {
            try shapes.conv2d("unet_upconv2d_\(j + 1)", input: config.decoderInput(j), output: width, kernel: 3, bias: true)
            try shapes.norm(.batch, "unet_upconv2d_\(j + 1)_bn", channels: width)
        }
        try shapes.conv2d("last_conv", input: config.decoderWidths.last! + config.encoderWidth(0),
                          output: config.outputChannels, kernel: 3, bias: true)
        return shapes
    }

    public var channels: ChannelSpec {
        ChannelSpec(inputChannels: config.inputChannels, outputChannels: config.outputChannels)
    }
    public var sizeMultiple: Int { 1 << config.depth }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        // Encoder: the first convolution alone, then LeakyReLU → convolution → batch norm.
        var skips = [try encoder[0](input)]
        for level in 1..<config.depth {
            skips.append(try encoderNorms[level - 1](encoder[level](skips[level - 1].leakyReLU(0.2))))
        }
        // Decoder: ReLU → ×2 → convolution → batch norm → dropout? → concatenate with the skip.
        var x = skips[config.depth - 1]
        for j in 0..<decoder.count {
            var y = try decoderNorms[j](decoder[j](x.relu().upsampledNearest(scale: 2)))
            if isTraining && config.decoderDropout(j) { y = try y.dropout(p: 0.5, using: &randomSource.generator) }
            x = try Tensor.concatChannels([y, skips[config.depth - 2 - j]])
        }
        return try lastConv(x.relu().upsampledNearest(scale: 2)).tanh()
    }

    public override var layerDescription: String {
        "SeedUNetUpsampleGenerator(depth \(config.depth), ngf \(config.ngf), dropout \(config.dropout))"
    }
}

/// The seed's generator family (`seed_unet_upsample`).
public enum SeedUNetUpsampleVariant: GeneratorVariant {
    public static let family = "seed_unet_upsample"
    public static func stateShapes(_ config: SeedUNetUpsampleConfig) throws -> StateShapes {
        try SeedUNetUpsampleGenerator.stateShapes(config)
    }
    public static func make(_ config: SeedUNetUpsampleConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try SeedUNetUpsampleGenerator(config: config, randomSource: context.randomSource)
    }
}
