import Base
import Checkpoint
import Foundation

/// What a checkpoint header (and a model card) says about the networks: registry names, families,
/// configs and parameter counts. Enough to rebuild the networks through the ``Registry`` with no
/// other input — the reference's most common failure (a state dict that does not match the flags
/// given at test time) cannot happen.
///
/// Stored as the header's `model` object:
/// ```json
/// {"conditional": true,
///  "discriminator": {"config": {"input_channels": 6, "layers": 3, "ndf": 64, "norm": "batch"},
///                    "family": "patchgan", "name": "patchgan_70", "parameters": 2768705},
///  "generator": {"config": {"depth": 8, "dropout": true, "input_channels": 3, "ngf": 64, "norm": "batch",
///                           "output_channels": 3},
///                "family": "unet", "name": "unet_256", "parameters": 54413955}}
/// ```
public struct ModelArchitecture: Sendable, Equatable, CustomStringConvertible {
    public struct Network: Sendable, Equatable {
        /// The registry name (`unet_256`).
        public var name: String
        /// The family the registry entry belongs to (`unet`); a mismatch on load means a different
        /// variant was registered under the same name.
        public var family: String
        /// The canonical JSON config (sorted keys).
        public var configData: Data
        /// Trainable parameters.
        public var parameters: Int

        public init(name: String, family: String, configData: Data, parameters: Int) {
            self.name = name
            self.family = family
            self.configData = configData
            self.parameters = parameters
        }

        public var config: JSONValue { (try? JSONValue(parsing: [UInt8](configData))) ?? .null }
    }

    public var generator: Network
    /// nil in files that never had a discriminator description.
    public var discriminator: Network?
    /// Whether D sees (A, B) (pix2pix) or B alone.
    public var conditional: Bool

    public init(generator: Network, discriminator: Network?, conditional: Bool) {
        self.generator = generator
        self.discriminator = discriminator
        self.conditional = conditional
    }

    public var description: String {
        "\(generator.name) + \(discriminator?.name ?? "no discriminator")\(conditional ? "" : " (unconditional)")"
    }

    /// The header's `model` object.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["generator": Self.json(generator), "conditional": .bool(conditional)]
        if let d = discriminator { object["discriminator"] = Self.json(d) }
        return .object(object)
    }

    static func json(_ n: Network) -> JSONValue {
        .object(["name": .string(n.name), "family": .string(n.family), "config": n.config, "parameters": .int(n.parameters)])
    }

    /// Reads a header's `model` object; `file` names the checkpoint in errors.
    public init(json: JSONValue, file: String) throws {
        func network(_ key: String) throws -> Network? {
            guard let value = json[key], !value.isNull else { return nil }
            guard let name = value["name"]?.stringValue, let family = value["family"]?.stringValue,
                  let config = value["config"], config.objectValue != nil else {
                throw ModelFileError.invalidArchitecture(
                    file: file, reason: "model.\(key) needs string fields \"name\" and \"family\" and an object \"config\"")
            }
            let data = Data(config.serialized())
            var parameters = 0
            if let declared = value["parameters"], !declared.isNull {
                guard let count = declared.intValue, count >= 0 else {
                    throw ModelFileError.invalidArchitecture(
                        file: file, reason: "model.\(key).parameters is \(Format.shortened(declared.serializedString(), limit: 40)), not a non-negative integer")
                }
                parameters = count
            }
            return Network(name: name, family: family, configData: data, parameters: parameters)
        }
        guard json.objectValue != nil, let g = try network("generator") else {
            throw ModelFileError.invalidArchitecture(
                file: file, reason: "the header's model object has no generator; this file was not written by Pix2PixZoo's model API")
        }
        self.init(generator: g, discriminator: try network("discriminator"),
                  conditional: json["conditional"]?.boolValue ?? true)
    }

    /// Checks everything the description declares, without building or allocating anything: the
    /// names and families (``checkFamilies(registry:file:)``), each config against its family's
    /// bounds (``GeneratorEntry/stateShapes(config:)``), the declared parameter counts against the
    /// configs (a count of 0 means "not stated"), and that the discriminator reads the channels the
    /// generator's give it. Returns the state-dict shapes of both networks, which a loader compares
    /// with a file's tensor table before it builds anything. `file` names the source in errors.
    @discardableResult
    public func validate(registry: Registry = .shared, file: String? = nil) throws
        -> (generator: StateShapes, discriminator: StateShapes?) {
        try checkFamilies(registry: registry, file: file)
        let source = file ?? "<memory>"
        func shapes(_ role: String, _ network: Network, _ derive: (Data) throws -> StateShapes) throws -> StateShapes {
            let shapes: StateShapes
            do {
                shapes = try derive(network.configData)
            } catch let RegistryError.invalidConfig(_, message) {
                throw ModelFileError.invalidConfig(file: source, role: role, name: network.name, reason: message)
            } catch let error as RegistryError {
                throw ModelFileError.invalidConfig(file: source, role: role, name: network.name, reason: error.description)
            }
            guard network.parameters == 0 || network.parameters == shapes.parameterCount else {
                throw ModelFileError.parameterCountMismatch(file: source, role: role, name: network.name,
                                                            declared: network.parameters, derived: shapes.parameterCount)
            }
            return shapes
        }
        let g = try shapes("generator", generator) { try registry.generator(named: generator.name).stateShapes(config: $0) }
        guard let d = discriminator else { return (g, nil) }
        let dShapes = try shapes("discriminator", d) { try registry.discriminator(named: d.name).stateShapes(config: $0) }
        let (gConfig, dConfig) = (generator.config, d.config)
        if let gIn = gConfig[ConfigOverrides.inputChannelsKey]?.intValue, let gOut = gConfig[ConfigOverrides.outputChannelsKey]?.intValue,
           let dIn = dConfig[ConfigOverrides.inputChannelsKey]?.intValue {
            let needed = ChannelSpec(inputChannels: gIn, outputChannels: gOut).discriminatorChannels(conditional: conditional)
            guard dIn == needed else {
                throw ModelFileError.invalidConfig(
                    file: source, role: "discriminator", name: d.name,
                    reason: "input_channels is \(dIn), but a \(conditional ? "conditional" : "unconditional") discriminator next to a \(gIn) → \(gOut) generator reads \(needed)")
            }
        }
        return (g, dShapes)
    }

    /// Checks that the registry knows both names and that their families match the stored ones.
    public func checkFamilies(registry: Registry = .shared, file: String? = nil) throws {
        let gEntry: GeneratorEntry
        do { gEntry = try registry.generator(named: generator.name) } catch let RegistryError.unknownGenerator(name, known) {
            throw ModelFileError.unknownArchitecture(file: file ?? "<memory>", role: "generator", name: name, known: known)
        }
        guard gEntry.family == generator.family else {
            throw ModelFileError.familyMismatch(file: file ?? "<memory>", name: generator.name,
                                                stored: generator.family, registered: gEntry.family)
        }
        guard let d = discriminator else { return }
        let dEntry: DiscriminatorEntry
        do { dEntry = try registry.discriminator(named: d.name) } catch let RegistryError.unknownDiscriminator(name, known) {
            throw ModelFileError.unknownArchitecture(file: file ?? "<memory>", role: "discriminator", name: name, known: known)
        }
        guard dEntry.family == d.family else {
            throw ModelFileError.familyMismatch(file: file ?? "<memory>", name: d.name, stored: d.family, registered: dEntry.family)
        }
    }
}

/// Errors of loading and saving models and training states (on top of `CheckpointError`, which
/// covers the file format itself).
public enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header's `model` object is not one this library writes.
    case invalidArchitecture(file: String, reason: String)
    /// A network name the registry does not know.
    case unknownArchitecture(file: String, role: String, name: String, known: [String])
    /// The registry has the name, but for another family of networks.
    case familyMismatch(file: String, name: String, stored: String, registered: String)
    /// The file is of another kind than the operation needs (a training state is needed to resume).
    case wrongKind(file: String, found: String, needed: String)
    /// The file's architecture is not the one the caller has built (e.g. resuming another run).
    case architectureMismatch(file: String, expected: String, found: String)
    /// The training section is missing or malformed.
    case invalidTrainingState(file: String, reason: String)
    /// A network's config is outside its family's bounds, does not decode, or contradicts the other network.
    case invalidConfig(file: String, role: String, name: String, reason: String)
    /// The parameter count the header declares is not the one its config implies.
    case parameterCountMismatch(file: String, role: String, name: String, declared: Int, derived: Int)
    /// A tensor holds NaN or infinite values (`count` of `elements`).
    case nonFiniteTensor(file: String, tensor: String, count: Int, elements: Int)

    public var description: String {
        switch self {
        case let .invalidArchitecture(file, reason):
            return "\(file): not a Pix2PixZoo model: \(reason)"
        case let .unknownArchitecture(file, role, name, known):
            return "\(file): unknown \(role) architecture \"\(name)\"; known: \(known.joined(separator: ", ")). Hint: register the variant (Registry.register) before loading, or check the producer with `pix2pix ckpt inspect`."
        case let .familyMismatch(file, name, stored, registered):
            return "\(file): \"\(name)\" was saved as a \(stored) network, but the registry's \"\(name)\" is a \(registered) network"
        case let .wrongKind(file, found, needed):
            return "\(file): a \(found) checkpoint, but a \(needed) checkpoint is needed"
                + (needed == "training" ? " (inference files hold the generator only and cannot be resumed)" : "")
        case let .architectureMismatch(file, expected, found):
            return "\(file): holds \(found), but \(expected) was expected. Hint: resume with the same --generator/--discriminator, or start a new run directory."
        case let .invalidTrainingState(file, reason):
            return "\(file): invalid training state: \(reason)"
        case let .invalidConfig(file, role, name, reason):
            return "\(file): the \(role) config (\(name)) is not valid: \(reason). Hint: the header was damaged or edited; nothing was built from it. Use the original file, or check its header with `pix2pix ckpt inspect`."
        case let .parameterCountMismatch(file, role, name, declared, derived):
            return "\(file): the header declares \(declared) parameters for the \(role) (\(name)), but its config gives \(derived). Hint: the header was damaged or edited; use the original file."
        case let .nonFiniteTensor(file, tensor, count, elements):
            return "\(file): tensor '\(tensor)' holds \(count) NaN or infinite value\(count == 1 ? "" : "s") (of \(elements)). Hint: training diverged before this checkpoint was written (lower the learning rate, or use an earlier epoch_N.pzck snapshot), or the file was altered."
        }
    }
}
