// The built-in presets: one literal table each, nothing else. A family's config, network and
// variant live together in `Networks/<Family>.swift`; a preset is a name, a family and a config.

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
