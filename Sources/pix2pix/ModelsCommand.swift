import ArgumentParser
import Base
import Foundation
import NN
import Pix2Pix

/// `pix2pix models`: every registered generator and discriminator with its numbers.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the registered generator and discriminator variants.",
        discussion: """
            Parameters are counted on built networks: generators 3 → 3 channels, discriminators on \
            6 channels (a conditional D sees A and B). Receptive fields are computed from each \
            discriminator's layer list; the output grid is for a 256×256 input. The config column \
            lists each preset's keys with their values: `train` and `ablate` override them with \
            --g key=value (generator) and --d key=value (discriminator).
            """
    )

    @Flag(name: .long, help: "Print JSON for machines.")
    var json = false

    struct GeneratorRow: Codable {
        var name: String, family: String, summary: String, parameters: Int, sizeMultiple: Int
        var config: [String: AnyJSON]
        enum CodingKeys: String, CodingKey {
            case name, family, summary, parameters, config
            case sizeMultiple = "size_multiple"
        }
    }

    struct DiscriminatorRow: Codable {
        var name: String, family: String, summary: String, parameters: Int, receptiveField: Int, outputGrid256: Int
        var config: [String: AnyJSON]
        enum CodingKeys: String, CodingKey {
            case name, family, summary, parameters, config
            case receptiveField = "receptive_field"
            case outputGrid256 = "output_grid_256"
        }
    }

    struct Listing: Codable { var generators: [GeneratorRow]; var discriminators: [DiscriminatorRow] }

    static func listing(registry: Registry = .shared) throws -> Listing {
        var gens: [GeneratorRow] = []
        for name in registry.generatorNames {
            let entry = try registry.generator(named: name)
            let config = try entry.config()
            let net = try entry.make(config: config, context: BuildContext(seed: 0))
            gens.append(GeneratorRow(name: name, family: entry.family, summary: entry.summary,
                                     parameters: net.parameterCount, sizeMultiple: net.sizeMultiple,
                                     config: try JSONDecoder().decode([String: AnyJSON].self, from: config)))
        }
        var discs: [DiscriminatorRow] = []
        for name in registry.discriminatorNames {
            let entry = try registry.discriminator(named: name)
            let config = try entry.config(inputChannels: 6)
            let net = try entry.make(config: config, context: BuildContext(seed: 0))
            discs.append(DiscriminatorRow(name: name, family: entry.family, summary: entry.summary,
                                          parameters: net.parameterCount, receptiveField: net.receptiveField,
                                          outputGrid256: net.outputGrid(forInput: 256),
                                          config: try JSONDecoder().decode([String: AnyJSON].self, from: config)))
        }
        return Listing(generators: gens, discriminators: discs)
    }

    func run() throws {
        let listing = try Self.listing()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(listing), as: UTF8.self))
            return
        }
        func configText(_ c: [String: AnyJSON]) -> String {
            c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: " ")
        }
        print("Config keys are overridden with --g key=value (generators) and --d key=value (discriminators).\n")
        print("Generators (3 → 3 channels)")
        print(pad("name", 22) + pad("parameters", 13) + pad("multiple", 10) + "config")
        for g in listing.generators {
            print(pad(g.name, 22) + pad(Format.grouped(g.parameters), 13) + pad(String(g.sizeMultiple), 10) + configText(g.config))
        }
        print("\nDiscriminators (6 input channels: A and B)")
        print(pad("name", 16) + pad("parameters", 13) + pad("receptive", 11) + pad("grid@256", 10) + "config")
        for d in listing.discriminators {
            print(pad(d.name, 16) + pad(Format.grouped(d.parameters), 13) + pad("\(d.receptiveField)×\(d.receptiveField)", 11)
                  + pad("\(d.outputGrid256)×\(d.outputGrid256)", 10) + configText(d.config))
        }
    }
}

/// A JSON scalar for printing configs generically.
enum AnyJSON: Codable, CustomStringConvertible {
    case int(Int), double(Double), bool(Bool), string(String)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .int(v): try c.encode(v)
        case let .double(v): try c.encode(v)
        case let .bool(v): try c.encode(v)
        case let .string(v): try c.encode(v)
        }
    }

    var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .double(v): return String(v)
        case let .bool(v): return String(v)
        case let .string(v): return v
        }
    }
}
