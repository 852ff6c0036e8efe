import ArgumentParser
import Pix2Pix

/// The network flags: which registered generator and discriminator, and the overrides of their
/// presets. Shared by `train`, `ablate` (widths and norms only; it names its networks with
/// `--generators` / `--discriminators`) and `bench train|infer`.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Generator preset (see `pix2pix models`; ablate takes --generators).") var generator: String?
    @Option(help: "Discriminator preset (ablate takes --discriminators).") var discriminator: String?
    @Option(help: Bounds.width.help("Generator filters in the last conv layer.")) var ngf: Int?
    @Option(help: Bounds.width.help("Discriminator filters in the first conv layer.")) var ndf: Int?
    @Option(help: "Normalisation layers.") var norm: NormKind?
    @Flag(name: .customLong("no-dropout"), help: "No dropout in the generator.") var noDropout = false
    @Option(name: .customLong("g"), help: ArgumentHelp("Set a key of the generator's config (repeatable; keys: `pix2pix models`).", valueName: "key=value"))
    var generatorOverrides: [ConfigAssignment] = []
    @Option(name: .customLong("d"), help: ArgumentHelp("Set a key of the discriminator's config (repeatable).", valueName: "key=value"))
    var discriminatorOverrides: [ConfigAssignment] = []

    func validate() throws {
        try Bounds.width.check(ngf, "--ngf", hint: "the reference uses 64; memory grows with its square")
        try Bounds.width.check(ndf, "--ndf", hint: "the reference uses 64; memory grows with its square")
    }

    /// These flags on top of `o`; unset flags keep its values. The named flags are overrides
    /// (the library's `applyArchitectureFlags`); `--g` / `--d` come after them and win.
    func apply(to o: inout TrainingOptions) {
        if let generator { o.generator = generator }
        if let discriminator { o.discriminator = discriminator }
        o.applyArchitectureFlags(ngf: ngf, ndf: ndf, norm: norm, dropout: noDropout ? false : nil)
        o.generatorOverrides.apply(generatorOverrides)
        o.discriminatorOverrides.apply(discriminatorOverrides)
    }
}
