extension Pix2PixModel {
    /// The generator and discriminator `options` describe (presets, overrides, conditioning from the
    /// objective, channels when the overrides fix them, else 3 → 3), initialised from `options.seed`.
    public convenience init(options: TrainingOptions, registry: Registry = .shared) throws {
        try self.init(generator: options.generator, discriminator: options.discriminator,
                      generatorOverrides: options.generatorOverrides, discriminatorOverrides: options.discriminatorOverrides,
                      conditional: options.objective.conditional, seed: options.seed, registry: registry)
    }
}
