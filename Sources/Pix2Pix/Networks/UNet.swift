import NN
import Tensor

// The U-Net family and its skip-less sibling, the encoder-decoder: config, network and the two
// registry variants. Presets (`unet_256`, `encoder_decoder_64`, …) are lines of `BuiltIn.swift`.

/// Architecture of the U-Net family and of the plain encoder-decoder (the same encoder and
/// decoder without skip connections). Keys are snake_case so configs stored in checkpoints and
/// model cards survive Swift renames; they are also the keys `--g key=value` overrides.
///
/// Bounds, checked before anything is built from a config (checkpoint header, model card, flags,
/// overrides): `depth` 2…12, `ngf` 1…256, `input_channels` and `output_channels` 1…64, and at most
/// ``StateShapes/maximumElements`` parameters and buffers in all. `unet_256` at `ngf` 256 (870 M
/// parameters, 3.5 GB as F32) is the largest U-Net of the usual depths.
public struct UNetConfig: Codable, Sendable, Equatable {
    /// The depths the family accepts.
    public static let depthRange = 2...12
    /// The outermost widths the family accepts.
    public static let ngfRange = 1...256
    /// The image channels (input and output) the family accepts.
    public static let channelRange = 1...64

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

    /// Filters of the down convolution at level ℓ (0 = outermost). Saturates at `Int.max` instead of
    /// overflowing (configs outside the bounds are refused before any width is used).
    public func width(level: Int) -> Int {
        let (width, overflow) = ngf.multipliedReportingOverflow(by: 1 << min(max(level, 0), 3))
        return overflow ? .max : width
    }

    /// Input sizes must be divisible by this.
    public var sizeMultiple: Int { 1 << depth }
}

/// One level of the U-Net, the reference's `UnetSkipConnectionBlock`: a down convolution, the
/// next level inside, an up convolution, and — except at the outermost level — the skip
/// connection that concatenates this level's input with the inner output along channels.
///
/// Its child `model` is a `Sequential` laid out exactly as the reference's, so parameter keys
/// (`model.model.1.model.1.weight`, …) are PyTorch's.
final class UNetBlock: Module, UnaryLayer {
    enum Position { case outermost, middle, innermost }

    let position: Position
    let skip: Bool
    let model: Sequential

    /// - Parameters:
    ///   - outer: channels this block outputs (before the skip concatenation).
    ///   - inner: channels of the down convolution.
    ///   - input: channels this block reads (the image's channels at the outermost level).
    ///   - submodule: the next level inside (nil for the innermost).
    ///   - skip: whether inner levels concatenate their input (U-Net) or not (encoder-decoder).
    init(outer: Int, inner: Int, input: Int, submodule: UNetBlock?, position: Position,
         norm: NormKind, dropout: Bool, skip: Bool, randomSource: RandomSource) throws {
        self.position = position
        self.skip = skip
        let useBias = norm.convolutionsUseBias
        // The inner block's output has 2·inner channels when it concatenates its input (U-Net).
        let innerOutput = submodule.map { $0.skip ? inner * 2 : inner } ?? inner
        let downConv = try Conv2d(inputChannels: input, outputChannels: inner, kernelSize: 4, stride: 2,
                                  padding: 1, bias: useBias)
        var layers: [any UnaryLayer] = []
        switch position {
        case .outermost:
            let upConv = try ConvTranspose2d(inputChannels: innerOutput, outputChannels: outer, kernelSize: 4,
                                             stride: 2, padding: 1, bias: true)
            layers = [downConv, submodule!, ReLU(), upConv, Tanh()]
        case .innermost:
            let upConv = try ConvTranspose2d(inputChannels: inner, outputChannels: outer, kernelSize: 4,
                                             stride: 2, padding: 1, bias: useBias)
            layers = [LeakyReLU(0.2), downConv, ReLU(), upConv]
            if let n = try makeNorm(norm, channels: outer) { layers.append(n) }
        case .middle:
            let upConv = try ConvTranspose2d(inputChannels: innerOutput, outputChannels: outer, kernelSize: 4,
                                             stride: 2, padding: 1, bias: useBias)
            layers = [LeakyReLU(0.2), downConv]
            if let n = try makeNorm(norm, channels: inner) { layers.append(n) }
            layers += [submodule!, ReLU(), upConv]
            if let n = try makeNorm(norm, channels: outer) { layers.append(n) }
            if dropout { layers.append(try Dropout(probability: 0.5, randomSource: randomSource)) }
        }
        model = Sequential(layers)
        super.init()
        registerModule("model", model)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        let y = try model(input)
        if position == .outermost || !skip { return y }
        return try Tensor.concatChannels([input, y])
    }

    override var layerDescription: String {
        "UNetBlock(\(position)\(skip ? "" : ", no skip"))"
    }
}

/// The pix2pix generator: a U-Net (`skip: true`, the reference's `UnetGenerator`) or the plain
/// encoder-decoder without skip connections (the Lua original's `defineG_encoder_decoder`).
///
/// Input and output are NHWC images in [-1, 1]; height and width must be multiples of 2^depth.
/// Built from a loop over levels, innermost first, as the reference builds it.
public final class UNetGenerator: Module, GeneratorNetwork {
    public let config: UNetConfig
    public let skipConnections: Bool
    /// The stream dropout masks come from; the trainer saves its state for an exact resume.
    public let randomSource: RandomSource

    public init(config: UNetConfig, skipConnections: Bool, randomSource: RandomSource) throws {
        try Self.validate(config)
        self.config = config
        self.skipConnections = skipConnections
        self.randomSource = randomSource
        var block: UNetBlock? = nil
        // Levels depth−1 (innermost) … 0 (outermost); level ℓ's down conv maps width(ℓ−1) → width(ℓ).
        for level in stride(from: config.depth - 1, through: 0, by: -1) {
            let inner = config.width(level: level)
            let position: UNetBlock.Position = level == 0 ? .outermost : (level == config.depth - 1 ? .innermost : .middle)
            let outer = level == 0 ? config.outputChannels : config.width(level: level - 1)
            let input = level == 0 ? config.inputChannels : outer
            // The reference puts dropout in the blocks between the ngf·8 transition and the innermost.
            let dropoutHere = config.dropout && position == .middle && level >= 4
            block = try UNetBlock(outer: outer, inner: inner, input: input, submodule: block, position: position,
                                  norm: config.norm, dropout: dropoutHere, skip: skipConnections,
                                  randomSource: randomSource)
        }
        super.init()
        registerModule("model", block!)
    }

    static func validate(_ config: UNetConfig) throws {
        func fail(_ message: String) -> RegistryError { .invalidConfig(name: "unet", message: message) }
        guard UNetConfig.depthRange.contains(config.depth) else {
            throw fail("depth must be in \(UNetConfig.depthRange.bounds) (8 for 256², 7 for 128², 6 for 64²), got \(config.depth)")
        }
        guard UNetConfig.ngfRange.contains(config.ngf) else {
            throw fail("ngf must be in \(UNetConfig.ngfRange.bounds) (64 is the paper's), got \(config.ngf)")
        }
        guard UNetConfig.channelRange.contains(config.inputChannels), UNetConfig.channelRange.contains(config.outputChannels) else {
            throw fail("input_channels and output_channels must be in \(UNetConfig.channelRange.bounds) (3 for RGB, 1 for grayscale), got input \(config.inputChannels), output \(config.outputChannels)")
        }
    }

    /// The state-dict shapes of the network `init` builds, derived level by level from the outermost
    /// block (the same layer lists as ``UNetBlock``), after ``validate(_:)``.
    static func stateShapes(_ config: UNetConfig, skipConnections: Bool) throws -> StateShapes {
        try validate(config)
        var shapes = StateShapes(network: skipConnections ? "unet" : "encoder_decoder")
        let useBias = config.norm.convolutionsUseBias
        var prefix = "model.model"  // the block's Sequential
        for level in 0..<config.depth {
            let inner = config.width(level: level)
            let outer = level == 0 ? config.outputChannels : config.width(level: level - 1)
            let input = level == 0 ? config.inputChannels : outer
            let innerOutput = skipConnections ? inner * 2 : inner
            if level == 0 {
                // [downConv, submodule, ReLU, upConv, Tanh]
                try shapes.conv2d(prefix + ".0", input: input, output: inner, kernel: 4, bias: useBias)
                try shapes.convTranspose2d(prefix + ".3", input: innerOutput, output: outer, kernel: 4, bias: true)
                prefix += ".1.model"
            } else if level == config.depth - 1 {
                // [LeakyReLU, downConv, ReLU, upConv, norm?]
                try shapes.conv2d(prefix + ".1", input: input, output: inner, kernel: 4, bias: useBias)
                try shapes.convTranspose2d(prefix + ".3", input: inner, output: outer, kernel: 4, bias: useBias)
                try shapes.norm(config.norm, prefix + ".4", channels: outer)
            } else {
                // [LeakyReLU, downConv, norm?, submodule, ReLU, upConv, norm?, Dropout?]
                try shapes.conv2d(prefix + ".1", input: input, output: inner, kernel: 4, bias: useBias)
                let submodule = try shapes.norm(config.norm, prefix + ".2", channels: inner) ? 3 : 2
                try shapes.convTranspose2d(prefix + ".\(submodule + 2)", input: innerOutput, output: outer, kernel: 4, bias: useBias)
                try shapes.norm(config.norm, prefix + ".\(submodule + 3)", channels: outer)
                prefix += ".\(submodule).model"
            }
        }
        return shapes
    }

    public var channels: ChannelSpec {
        ChannelSpec(inputChannels: config.inputChannels, outputChannels: config.outputChannels)
    }
    public var sizeMultiple: Int { config.sizeMultiple }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        return try children[0].module.forwardUnary(input)
    }

    public override var layerDescription: String {
        "\(skipConnections ? "UNetGenerator" : "EncoderDecoderGenerator")(depth \(config.depth), ngf \(config.ngf), \(config.norm.rawValue) norm, dropout \(config.dropout))"
    }
}

/// The U-Net family (`unet_*`).
public enum UNetVariant: GeneratorVariant {
    public static let family = "unet"
    public static func stateShapes(_ config: UNetConfig) throws -> StateShapes {
        try UNetGenerator.stateShapes(config, skipConnections: true)
    }
    public static func make(_ config: UNetConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try UNetGenerator(config: config, skipConnections: true, randomSource: context.randomSource)
    }
}

/// The encoder-decoder family (`encoder_decoder_*`): the U-Net without skip connections.
public enum EncoderDecoderVariant: GeneratorVariant {
    public static let family = "encoder_decoder"
    public static func stateShapes(_ config: UNetConfig) throws -> StateShapes {
        try UNetGenerator.stateShapes(config, skipConnections: false)
    }
    public static func make(_ config: UNetConfig, context: BuildContext) throws -> any GeneratorNetwork {
        try UNetGenerator(config: config, skipConnections: false, randomSource: context.randomSource)
    }
}

extension Module {
    /// Calls a child known to be a ``UnaryLayer``.
    func forwardUnary(_ x: Tensor) throws -> Tensor {
        guard let layer = self as? any UnaryLayer else {
            preconditionFailure("\(type(of: self)) is not a UnaryLayer")
        }
        return try layer(x)
    }
}
