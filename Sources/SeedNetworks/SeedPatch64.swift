import Base
import NN
import Pix2Pix
import Tensor

// The seed project's discriminator, `DCGAN_discriminator` of MuAuan/pix2pix `models.py` (Keras):
// config, network and registry variant, outside the library's built-in tables.

/// Architecture of `seed_patch64`. Keys are snake_case (checkpoints, `--d key=value`).
///
/// The network's last layer reads every patch's verdict, so it is built for one image size:
/// `image_size` must be the training crop (`--d image_size=64` for 64² crops; the preset is the
/// seed's 128²). Bounds, checked before anything is built: `patch_size` a power of two in 4…256,
/// `image_size` a multiple of it up to 4096, `ndf` 1…256, `input_channels` 1…128 and
/// `image_channels` 1…`input_channels`.
public struct SeedPatchConfig: Codable, Sendable, Equatable {
    public static let patchRange = 4...256
    public static let imageRange = 4...4096
    public static let ndfRange = 1...256
    public static let channelRange = 1...128

    /// Side of the non-overlapping square patches each classified on its own (the seed's 64).
    public var patchSize: Int
    /// Side of the square images the network judges (the seed's 128: four patches).
    public var imageSize: Int
    /// Filters of the first convolutions (`filters_num`).
    public var ndf: Int
    /// Channels of B, the real or generated image, which the first convolution `disc_conv2d_1`
    /// reads; the channels before them (A, for a conditional D) go to `raw_disc_conv2d_1`.
    public var imageChannels: Int
    /// Derived when a model is built: A + B channels for a conditional D, B alone otherwise.
    public var inputChannels: Int

    public init(patchSize: Int = 64, imageSize: Int = 128, ndf: Int = 64, imageChannels: Int = 3, inputChannels: Int = 4) {
        self.patchSize = patchSize
        self.imageSize = imageSize
        self.ndf = ndf
        self.imageChannels = imageChannels
        self.inputChannels = inputChannels
    }

    enum CodingKeys: String, CodingKey {
        case ndf
        case patchSize = "patch_size"
        case imageSize = "image_size"
        case imageChannels = "image_channels"
        case inputChannels = "input_channels"
    }

    /// A's channels (0 for an unconditional D).
    public var conditionChannels: Int { inputChannels - imageChannels }
    /// Patches per image.
    public var patches: Int { (imageSize / patchSize) * (imageSize / patchSize) }
    /// The Keras code's `conv_num` = log₂ patch_size: its last convolution is `disc_conv2d_<conv_num>`.
    var convolutions: Int { patchSize.trailingZeroBitCount }
    /// Filters of the last convolution: `ndf · min(8, 2^(conv_num − 1))`.
    var lastWidth: Int { ndf * min(8, 1 << min(convolutions - 1, 3)) }
    /// Features the per-patch dense layer reads: two stride-2 convolutions leave (patch / 4)².
    var flatFeatures: Int { (patchSize / 4) * (patchSize / 4) * lastWidth }
}

/// The seed's discriminator (`DCGAN_discriminator`): every non-overlapping `patch_size`² patch of
/// the (A, B) pair goes through one shared DCGAN-style classifier — B through a 3×3 stride-2
/// convolution, A through its own, each with batch norm and LeakyReLU 0.2, the two concatenated,
/// a 3×3 stride-2 convolution, batch norm, LeakyReLU, flatten, a dense layer to two classes and
/// softmax — and a dense layer over all patches' probabilities gives the image's two class scores
/// (index 0 = fake, 1 = real, the seed's labels).
///
/// The Keras code builds more convolutions in its "Next Conv" loop, but each pass starts again
/// from the two first-layer outputs, so only the last one (`disc_conv2d_<log₂ patch>`, 512
/// filters for 64² patches) reaches the output; the others are not part of the seed's Keras model
/// (its printed summary lists 857,474 parameters per patch classifier) and are not built here.
///
/// Output: one logit per image, `[batch, 1, 1, 1]`, the difference of the two final scores
/// (real − fake). The seed ends in a two-way softmax trained with cross-entropy; softmax over two
/// scores is the sigmoid of their difference, so the trainer's vanilla (binary cross-entropy on
/// logits) GAN loss on this logit is exactly the seed's two-class cross-entropy.
///
/// Children are keyed after the Keras layer names: `disc_conv2d_1`, `raw_disc_conv2d_1` (absent
/// for an unconditional D), `disc_conv2d_<n>`, each with `…_bn`, then `disc_dense` and `disc_output`.
public final class SeedPatchDiscriminator: Module, DiscriminatorNetwork {
    public let config: SeedPatchConfig
    private let imageConv: KerasConv2d, imageNorm: KerasBatchNorm
    private let rawConv: KerasConv2d?, rawNorm: KerasBatchNorm?
    private let lastConv: KerasConv2d, lastNorm: KerasBatchNorm
    private let patchDense: KerasDense
    private let output: KerasDense

    public init(config: SeedPatchConfig) throws {
        try Self.validate(config)
        self.config = config
        let ndf = config.ndf
        imageConv = try KerasConv2d(inputChannels: config.imageChannels, outputChannels: ndf, stride: 2)
        imageNorm = try KerasBatchNorm(channels: ndf)
        if config.conditionChannels > 0 {
            rawConv = try KerasConv2d(inputChannels: config.conditionChannels, outputChannels: ndf, stride: 2)
            rawNorm = try KerasBatchNorm(channels: ndf)
        } else {
            rawConv = nil
            rawNorm = nil
        }
        let joined = config.conditionChannels > 0 ? 2 * ndf : ndf
        lastConv = try KerasConv2d(inputChannels: joined, outputChannels: config.lastWidth, stride: 2)
        lastNorm = try KerasBatchNorm(channels: config.lastWidth)
        patchDense = try KerasDense(inputFeatures: config.flatFeatures, units: 2)
        output = try KerasDense(inputFeatures: 2 * config.patches, units: 2)
        super.init()
        registerModule("disc_conv2d_1", imageConv)
        registerModule("disc_conv2d_1_bn", imageNorm)
        if let rawConv, let rawNorm {
            registerModule("raw_disc_conv2d_1", rawConv)
            registerModule("raw_disc_conv2d_1_bn", rawNorm)
        }
        registerModule("disc_conv2d_\(config.convolutions)", lastConv)
        registerModule("disc_conv2d_\(config.convolutions)_bn", lastNorm)
        registerModule("disc_dense", patchDense)
        registerModule("disc_output", output)
    }

    static func validate(_ config: SeedPatchConfig) throws {
        func fail(_ message: String) -> RegistryError { .invalidConfig(name: SeedPatchVariant.family, message: message) }
        func range(_ r: ClosedRange<Int>) -> String { "\(r.lowerBound)…\(r.upperBound)" }
        guard SeedPatchConfig.patchRange.contains(config.patchSize), config.patchSize.nonzeroBitCount == 1 else {
            throw fail("patch_size must be a power of two in \(range(SeedPatchConfig.patchRange)) (64 is the seed's), got \(config.patchSize)")
        }
        guard SeedPatchConfig.imageRange.contains(config.imageSize), config.imageSize % config.patchSize == 0 else {
            throw fail("image_size must be a multiple of patch_size (\(config.patchSize)) in \(range(SeedPatchConfig.imageRange)): the training crop size, e.g. --d image_size=64 for 64² crops; got \(config.imageSize)")
        }
        guard SeedPatchConfig.ndfRange.contains(config.ndf) else {
            throw fail("ndf must be in \(range(SeedPatchConfig.ndfRange)) (64 is the seed's), got \(config.ndf)")
        }
        guard SeedPatchConfig.channelRange.contains(config.inputChannels) else {
            throw fail("input_channels must be in \(range(SeedPatchConfig.channelRange)) (A + B channels for a conditional D), got \(config.inputChannels)")
        }
        guard (1...config.inputChannels).contains(config.imageChannels) else {
            throw fail("image_channels (B's channels: 3 for RGB, 1 for gray) must be in 1…input_channels (\(config.inputChannels)), got \(config.imageChannels)")
        }
    }

    /// The state-dict shapes `init` builds (the same layer list), after ``validate(_:)``.
    static func stateShapes(_ config: SeedPatchConfig) throws -> StateShapes {
        try validate(config)
        var shapes = StateShapes(network: SeedPatchVariant.family)
        try shapes.conv2d("disc_conv2d_1", input: config.imageChannels, output: config.ndf, kernel: 3, bias: true)
        try shapes.norm(.batch, "disc_conv2d_1_bn", channels: config.ndf)
        if config.conditionChannels > 0 {
            try shapes.conv2d("raw_disc_conv2d_1", input: config.conditionChannels, output: config.ndf, kernel: 3, bias: true)
            try shapes.norm(.batch, "raw_disc_conv2d_1_bn", channels: config.ndf)
        }
        let joined = config.conditionChannels > 0 ? 2 * config.ndf : config.ndf
        try shapes.conv2d("disc_conv2d_\(config.convolutions)", input: joined, output: config.lastWidth, kernel: 3, bias: true)
        try shapes.norm(.batch, "disc_conv2d_\(config.convolutions)_bn", channels: config.lastWidth)
        try shapes.parameter("disc_dense.weight", [2, config.flatFeatures])
        try shapes.parameter("disc_dense.bias", [2])
        try shapes.parameter("disc_output.weight", [2, 2 * config.patches])
        try shapes.parameter("disc_output.bias", [2])
        return shapes
    }

    public var inputChannels: Int { config.inputChannels }

    /// Each image is one verdict over all its patches.
    public var receptiveField: Int { config.imageSize }
    public func outputGrid(forInput size: Int) -> Int { 1 }

    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4, shape[3] == inputChannels else {
            throw RegistryError.badInput(network: layerDescription, shape: shape,
                                         message: "expected NHWC with \(inputChannels) channels (a conditional D sees A and B concatenated)")
        }
        guard shape[1] == config.imageSize, shape[2] == config.imageSize else {
            throw RegistryError.badInput(
                network: layerDescription, shape: shape,
                message: "it was built for \(config.imageSize)×\(config.imageSize) images (its last layer reads \(config.patches) patch verdicts); set --d image_size=\(shape[1]) for \(shape[1])×\(shape[2]) crops (a multiple of \(config.patchSize), square)")
        }
    }

    /// The shared classifier on one batch of patches: `[batch, p, p, input]` → class probabilities `[batch, 2]`.
    private func classify(_ patch: Tensor) throws -> Tensor {
        let c = config.conditionChannels
        let image = c > 0 ? try patch.slice(channels: c..<config.inputChannels) : patch
        var x = try imageNorm(imageConv(image)).leakyReLU(0.2)
        if let rawConv, let rawNorm {
            let raw = try rawNorm(rawConv(patch.slice(channels: 0..<c))).leakyReLU(0.2)
            x = try Tensor.concatChannels([x, raw])
        }
        x = try lastNorm(lastConv(x)).leakyReLU(0.2)
        return try patchDense(x.reshaped([x.shape[0], -1])).softmax()
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkInput(shape: input.shape)
        let p = config.patchSize, side = config.imageSize / p
        // Row by row, then column by column, as the seed's DCGAN() lists them; each patch is its
        // own call of the classifier (batch-norm statistics per patch, as Keras computes them).
        var verdicts: [Tensor] = []
        for row in 0..<side {
            let band = side == 1 ? input : try input.slice(axis: 1, row * p..<(row + 1) * p)
            for column in 0..<side {
                let patch = side == 1 ? band : try band.slice(axis: 2, column * p..<(column + 1) * p)
                verdicts.append(try classify(patch))
            }
        }
        let merged = verdicts.count == 1 ? verdicts[0] : try Tensor.concat(verdicts, axis: 1)
        let scores = try output(merged)
        let logit = try scores.slice(axis: 1, 1..<2) - scores.slice(axis: 1, 0..<1)
        return try logit.reshaped([input.shape[0], 1, 1, 1])
    }

    public override var layerDescription: String {
        "SeedPatchDiscriminator(\(config.patchSize)² patches of \(config.imageSize)², ndf \(config.ndf))"
    }
}

/// The seed's discriminator family (`seed_patch64`).
public enum SeedPatchVariant: DiscriminatorVariant {
    public static let family = "seed_patch"
    public static func stateShapes(_ config: SeedPatchConfig) throws -> StateShapes {
        try SeedPatchDiscriminator.stateShapes(config)
    }
    public static func make(_ config: SeedPatchConfig, context: BuildContext) throws -> any DiscriminatorNetwork {
        try SeedPatchDiscriminator(config: config)
    }
}
