import Checkpoint
import Foundation
import Pix2Pix

/// Architecture configs as files carry them. The first byte picks the path:
/// - below the number of registry presets: that preset (generators, then discriminators) gets the
///   rest of the input as its config JSON, built through `entry.make(config:context:)` as a
///   checkpoint header's or a card's config is;
/// - otherwise the rest is a header's whole `model` object: `ModelArchitecture(json:)`, the family
///   check, and both networks built by `Pix2PixModel(architecture:)`.
///
/// Configs are untrusted: a huge `ngf`, `depth` or channel count must be refused before anything is
/// allocated, so run this target with -rss_limit_mb / -malloc_limit_mb (scripts/fuzz.sh does).
enum ArchitectureFuzz {
    static let registry = Registry.shared
    static let generators = registry.generatorNames
    static let discriminators = registry.discriminatorNames

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let config = Data(bytes.dropFirst())
        let context = BuildContext(seed: 1)
        let index = Int(selector)
        if index < generators.count {
            _ = try? registry.generator(named: generators[index]).make(config: config, context: context)
        } else if index < generators.count + discriminators.count {
            _ = try? registry.discriminator(named: discriminators[index - generators.count]).make(config: config, context: context)
        } else {
            guard let json = try? JSONValue(parsing: [UInt8](config)),
                  let architecture = try? ModelArchitecture(json: json, file: "fuzz.pzck"),
                  (try? architecture.checkFamilies(registry: registry, file: "fuzz.pzck")) != nil else { return }
            _ = try? Pix2PixModel(architecture: architecture, seed: 1, registry: registry)
        }
    }
}
