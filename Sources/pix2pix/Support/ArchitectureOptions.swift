import ArgumentParser
import Pix2Pix

/// The network flags: which registered generator and discriminator, and the overrides of their
/// presets. Shared by `train`, `ablate` (widths and norms only; it names its networks with
/// `--generators` / `--discriminators`) and `bench train|infer`.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Generator preset (see `pix2pix models`; ablate takes --generators).") var generator: String?
    @Option(help: "Discriminator preset (ablate takes --discriminators).") var discriminator: String?
    @Option(help: "Generator filters in the last conv layer.") var ngf: Int?
    @Option(help: "Discriminator filters in the first conv layer.") var ndf: Int?
    @Option(help: "Normalisation layers.") var norm: NormKind?
    @Flag(name: .customLong("no-dropout"), help: "No dropout in the generator.") var noDropout = false

    /// These flags on top of `o`; unset flags keep its values.
    func apply(to o: inout TrainingOptions) {
        if let generator { o.generator = generator }
        if let discriminator { o.discriminator = discriminator }
        if let norm { o.norm = norm }
        if let ngf { o.ngf = ngf }
        if let ndf { o.ndf = ndf }
        if noDropout { o.dropout = false }
    }
}
