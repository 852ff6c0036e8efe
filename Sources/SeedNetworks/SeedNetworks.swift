import Pix2Pix

/// The networks of the Keras project Pix2PixZoo grew from (MuAuan/pix2pix, 2018), as registry
/// variants from outside the library: `seed_unet_upsample` (its "upsampling" U-Net generator) and
/// `seed_patch64` (its discriminator over non-overlapping 64² patches, merged by a dense layer).
///
/// This module uses only the library's public registry API, the way a third party adds variants:
/// the `pix2pix` executable calls ``registerShared()`` at start-up, and code of yours calls it (or
/// ``register(in:)`` on a registry of its own) before naming the variants.
///
/// ```swift
/// try SeedNetworks.register(in: registry)
/// let model = try Pix2PixModel(generator: "seed_unet_upsample", discriminator: "seed_patch64",
///                              generatorOverrides: ["depth": 6], discriminatorOverrides: ["image_size": 64],
///                              registry: registry)
/// ```
public enum SeedNetworks {
    /// The generator entry: the seed's 128² network (depth 7); `--g depth=6` for 64² crops.
    public static let generator = GeneratorEntry(
        "seed_unet_upsample", SeedUNetUpsampleVariant.self, preset: SeedUNetUpsampleConfig(),
        summary: "the seed's Keras U-Net: 3×3 stride-2 convs down, nearest ×2 + 3×3 conv up; depth 7 for 128² (--g depth=6 for 64²)")

    /// The discriminator entry: 64² patches of the seed's 128² images; `--d image_size=64` for 64² crops.
    public static let discriminator = DiscriminatorEntry(
        "seed_patch64", SeedPatchVariant.self, preset: SeedPatchConfig(),
        summary: "the seed's Keras D: a DCGAN classifier per 64² patch, merged by a dense layer; image_size 128 (--d image_size=64 for 64²)")

    /// Registers both entries in `registry`. Throws `RegistryError.duplicateName` when a name is taken.
    public static func register(in registry: Registry) throws {
        try registry.register(generator)
        try registry.register(discriminator)
    }

    /// Registers both entries in `Registry.shared` once per process (later calls do nothing), so
    /// that the trainer, checkpoint loader and zoo, which look names up there, know them.
    public static func registerShared() throws {
        try sharedRegistration.get()
    }

    private static let sharedRegistration: Result<Void, any Error> = Result { try register(in: .shared) }
}
