import NN
import Tensor

/// The U-Net family (`unet_*`).
public enum UNetVariant: GeneratorVariant {
    public static let family = "unet"
    public static func configure(_ preset: UNetConfig, with options: ModelOptions) -> UNetConfig {
        var c = preset
        c.ngf = options.ngf ?? c.ngf
        c.norm = options.norm ?? c.norm
        c.dropout = options.dropout ?? c.dropout
        c.inputChannels = options.inputChannels ?? c.inputChannels
        c.outputChannels = options.outputChannels ?? c.outputChannels
        return c
    }
    public static func make(_ config: UNetConfig, randomSource: RandomSource) throws -> any GeneratorNetwork {
        try UNetGenerator(config: config, skipConnections: true, randomSource: randomSource)
    }
}

/// The encoder-decoder family (`encoder_decoder_*`): the U-Net without skip connections.
public enum EncoderDecoderVariant: GeneratorVariant {
    public static let family = "encoder_decoder"
    public static func configure(_ preset: UNetConfig, with options: ModelOptions) -> UNetConfig {
        UNetVariant.configure(preset, with: options)
    }
    public static func make(_ config: UNetConfig, randomSource: RandomSource) throws -> any GeneratorNetwork {
        try UNetGenerator(config: config, skipConnections: false, randomSource: randomSource)
    }
}

/// The PatchGAN family (`patchgan_*`, `imagegan_286`).
public enum PatchGANVariant: DiscriminatorVariant {
    public static let family = "patchgan"
    public static func configure(_ preset: PatchGANConfig, with options: ModelOptions, inputChannels: Int) -> PatchGANConfig {
        var c = preset
        c.ndf = options.ndf ?? c.ndf
        c.norm = options.norm ?? c.norm
        c.inputChannels = inputChannels
        return c
    }
    public static func make(_ config: PatchGANConfig) throws -> any DiscriminatorNetwork {
        try PatchGANDiscriminator(config: config)
    }
}

/// The PixelGAN family (`pixelgan`).
public enum PixelGANVariant: DiscriminatorVariant {
    public static let family = "pixelgan"
    public static func configure(_ preset: PixelGANConfig, with options: ModelOptions, inputChannels: Int) -> PixelGANConfig {
        var c = preset
        c.ndf = options.ndf ?? c.ndf
        c.norm = options.norm ?? c.norm
        c.inputChannels = inputChannels
        return c
    }
    public static func make(_ config: PixelGANConfig) throws -> any DiscriminatorNetwork {
        try PixelGANDiscriminator(config: config)
    }
}

extension Registry {
    /// The built-in generators: one literal table.
    public static let builtInGenerators: [GeneratorEntry] = [
        GeneratorEntry("unet_64", UNetVariant.self, preset: UNetConfig(depth: 6), summary: "U-Net, 6 levels, for 64² inputs"),
        GeneratorEntry("unet_128", UNetVariant.self, preset: UNetConfig(depth: 7), summary: "U-Net, 7 levels, for 128² inputs"),
        GeneratorEntry("unet_256", UNetVariant.self, preset: UNetConfig(depth: 8), summary: "U-Net, 8 levels, for 256² inputs (the paper's G)"),
        GeneratorEntry("encoder_decoder_64", EncoderDecoderVariant.self, preset: UNetConfig(depth: 6), summary: "encoder-decoder without skips, 6 levels"),
        GeneratorEntry("encoder_decoder_128", EncoderDecoderVariant.self, preset: UNetConfig(depth: 7), summary: "encoder-decoder without skips, 7 levels"),
        GeneratorEntry("encoder_decoder_256", EncoderDecoderVariant.self, preset: UNetConfig(depth: 8), summary: "encoder-decoder without skips, 8 levels"),
    ]

    /// The built-in discriminators: one literal table.
    public static let builtInDiscriminators: [DiscriminatorEntry] = [
        DiscriminatorEntry("pixelgan", PixelGANVariant.self, preset: PixelGANConfig(), summary: "1×1 PixelGAN: judges each pixel's colour"),
        DiscriminatorEntry("patchgan_16", PatchGANVariant.self, preset: PatchGANConfig(layers: 1), summary: "16×16 PatchGAN"),
        DiscriminatorEntry("patchgan_34", PatchGANVariant.self, preset: PatchGANConfig(layers: 2), summary: "34×34 PatchGAN"),
        DiscriminatorEntry("patchgan_70", PatchGANVariant.self, preset: PatchGANConfig(layers: 3), summary: "70×70 PatchGAN (the paper's D)"),
        DiscriminatorEntry("patchgan_142", PatchGANVariant.self, preset: PatchGANConfig(layers: 4), summary: "142×142 PatchGAN"),
        DiscriminatorEntry("imagegan_286", PatchGANVariant.self, preset: PatchGANConfig(layers: 5), summary: "286×286 ImageGAN: sees the whole 256² image"),
    ]
}
