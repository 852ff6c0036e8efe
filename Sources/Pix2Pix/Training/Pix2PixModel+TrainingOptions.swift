extension Pix2PixModel {
    /// The generator and discriminator `options` describe (presets, overrides, conditioning from the
    /// objective, channels when the options fix them, else 3 → 3), initialised from `options.seed`.
    public convenience init(options: TrainingOptions, registry: Registry = .shared) throws {
        try self.init(generator: options.generator, discriminator: options.discriminator, options: options.modelOptions,
                      seed: options.seed, registry: registry)
    }
}
