import Base
import Foundation
import NN
import Pix2Pix
import Tensor

/// How to read a generator saved by the PyTorch reference (junyanz/pytorch-CycleGAN-and-pix2pix).
public struct ReferenceImportOptions: Sendable, Equatable {
    /// A U-Net preset of the registry (`unet_256` is the reference's `--netG unet_256`); it fixes the depth.
    public var generator: String
    /// The reference's `--norm`; nil reads it from the file (batch-norm networks have no conv biases
    /// below the outermost level, instance-norm ones do). When given, the file must agree.
    public var norm: NormKind?
    /// The reference's default for pix2pix (`--no_dropout` turns it off). Dropout has no weights,
    /// so the file cannot tell; it matters only for train-mode inference.
    public var dropout: Bool

    public init(generator: String, norm: NormKind? = nil, dropout: Bool = true) {
        self.generator = generator
        self.norm = norm
        self.dropout = dropout
    }
}

/// A reference generator rebuilt through the registry, with its weights loaded (eval mode).
public struct ImportedGenerator {
    public let network: any GeneratorNetwork
    /// Registry name and full config, as a checkpoint header or model card records them.
    public let architecture: ModelArchitecture
    public let config: UNetConfig
    public let format: PthFormat
    /// Keys of the file that were dropped by rule: `num_batches_tracked` (BatchNorm's step counter,
    /// which Pix2PixZoo does not keep) and, in instance-norm networks, the running statistics old
    /// torch versions saved for InstanceNorm (the reference's loader drops them too).
    public let droppedKeys: [String]
    /// What the reader adjusted (`state_dict` wrapper, `module.` prefix).
    public let notes: [String]
    /// Tensors loaded.
    public let loadedCount: Int
}

/// Why a `.pth` could not be imported as a reference generator (the file itself was readable).
public enum ReferenceImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The registry name is not a U-Net.
    case notAUNet(name: String, family: String)
    /// `--norm none` (the reference's Identity layers keep Sequential slots and drop conv biases,
    /// which our `none` does differently) or another norm the reference's U-Net does not use.
    case unsupportedNorm(NormKind)
    /// The norm given does not match the file.
    case normMismatch(file: String, given: NormKind, found: NormKind)
    /// A key needed to read the widths is missing or has the wrong rank.
    case unreadableWidths(file: String, key: String, reason: String)
    /// The file's keys and shapes are not those of the generator (every difference listed).
    case stateMismatch(file: String, mismatch: StateMismatch)
    /// A weight is stored as an integer type.
    case notFloatingPoint(file: String, key: String, dtype: String)
    /// A weight holds NaN or infinity.
    case nonFinite(file: String, key: String, count: Int, elements: Int)
    /// The widths read from the file are outside the registry's bounds.
    case invalidConfig(file: String, reason: String)

    public var description: String {
        switch self {
        case let .notAUNet(name, family):
            return "\(name) is a \(family) generator; the reference's pix2pix generators are U-Nets: use --generator unet_256 (the reference's --netG unet_256) or unet_128"
        case let .unsupportedNorm(norm):
            return "--norm \(norm.rawValue) cannot be imported: the reference's pix2pix U-Nets use batch (the default) or instance norm"
        case let .normMismatch(file, given, found):
            return "\(file): --norm \(given.rawValue) was given, but the file holds a \(found.rawValue)-norm network (\(found == .batch ? "no convolution biases below the outermost level, BatchNorm weights" : "convolution biases, no BatchNorm weights")). Hint: pass --norm \(found.rawValue), or leave --norm out to read it from the file"
        case let .unreadableWidths(file, key, reason):
            return "\(file): cannot read the network's widths: \(key) \(reason). Hint: is this the state dict of the reference's UnetGenerator (the file written as latest_net_G.pth)?"
        case let .stateMismatch(file, mismatch):
            return "\(file): not the reference's generator with these settings:\n\(mismatch)"
        case let .notFloatingPoint(file, key, dtype):
            return "\(file): tensor '\(key)' is stored as \(dtype); weights must be floating point"
        case let .nonFinite(file, key, count, elements):
            return "\(file): tensor '\(key)' holds \(count) NaN or infinite value\(count == 1 ? "" : "s") (of \(elements)); the model would output garbage. Hint: use another snapshot of the model."
        case let .invalidConfig(file, reason):
            return "\(file): the widths read from the file are not a valid U-Net: \(reason)"
        }
    }
}

/// Imports generators saved by the PyTorch reference's `torch.save(netG.state_dict(), …)`.
///
/// Our U-Net is built level by level exactly as the reference's `UnetGenerator` /
/// `UnetSkipConnectionBlock` (same `Sequential` slots, same layouts: conv weights OIHW, transposed
/// conv weights IOHW), so its state-dict keys are the reference's by design and the mapping is the
/// identity. The widths (ngf, input and output channels) and the norm are read from the file; the
/// depth comes from the preset. Every key and shape is then compared with the network the registry
/// derives from that config (`Base.StateMismatch`: every missing, unexpected and wrong-shape key
/// in one error) before any tensor data is read.
public enum ReferenceImport {
    /// The outermost down convolution, `[ngf, input_nc, 4, 4]`.
    static let outerDown = "model.model.0.weight"
    /// The outermost up convolution (transposed, IOHW), `[2·ngf, output_nc, 4, 4]`.
    static let outerUp = "model.model.3.weight"
    /// The outermost down convolution's bias: present exactly when the norm is not batch norm.
    static let outerDownBias = "model.model.0.bias"

    public static func generator(from file: PthFile, options: ReferenceImportOptions,
                                 registry: Registry = .shared, seed: UInt64 = 0) throws -> ImportedGenerator {
        let entry = try registry.generator(named: options.generator)
        guard entry.family == UNetVariant.family else { throw ReferenceImportError.notAUNet(name: entry.name, family: entry.family) }
        if let norm = options.norm, norm == .none { throw ReferenceImportError.unsupportedNorm(norm) }
        let shapes = file.shapes

        // Widths and norm from the outermost level.
        func shape(_ key: String) throws -> [Int] {
            guard let s = shapes[key] else {
                throw ReferenceImportError.unreadableWidths(file: file.name, key: key, reason: "is missing (keys start with \(shapes.keys.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")))")
            }
            guard s.count == 4, s[2] == 4, s[3] == 4 else {
                throw ReferenceImportError.unreadableWidths(file: file.name, key: key, reason: "has shape \(s), not [_, _, 4, 4]")
            }
            return s
        }
        let down = try shape(outerDown), up = try shape(outerUp)
        let found: NormKind = shapes[outerDownBias] != nil ? .instance : .batch
        if let given = options.norm, given != found {
            throw ReferenceImportError.normMismatch(file: file.name, given: given, found: found)
        }
        var overrides = ConfigOverrides()
        overrides["ngf"] = .int(down[0])
        overrides["norm"] = .string(found.rawValue)
        overrides["dropout"] = .bool(options.dropout)
        overrides[ConfigOverrides.inputChannelsKey] = .int(down[1])
        overrides[ConfigOverrides.outputChannelsKey] = .int(up[1])
        let configData: Data
        let config: UNetConfig
        do {
            configData = try entry.config(overrides: overrides)
            config = try JSONDecoder().decode(UNetConfig.self, from: configData)
        } catch {
            throw ReferenceImportError.invalidConfig(file: file.name, reason: "\(error)")
        }
        let expected: StateShapes
        do { expected = try entry.stateShapes(config: configData) } catch {
            throw ReferenceImportError.invalidConfig(file: file.name, reason: "\(error)")
        }

        // The norm slots: where the batch-norm network of the same widths keeps running statistics
        // (an instance-norm network has its InstanceNorm2d layers in the same Sequential slots).
        var batchOverrides = overrides
        batchOverrides["norm"] = .string(NormKind.batch.rawValue)
        let batchShapes = (try? entry.stateShapes(config: try entry.config(overrides: batchOverrides)))?.shapes ?? [:]
        let normSlots = Set(batchShapes.keys.filter { $0.hasSuffix(".running_mean") }.map { String($0.dropLast(".running_mean".count)) })

        // Keys PyTorch saves that have no counterpart here, dropped by rule (see ImportedGenerator.droppedKeys).
        var dropped: [String] = []
        var kept: [String: [Int]] = [:]
        for t in file.tensors {
            let isCounter = t.name.hasSuffix(".num_batches_tracked") && t.shape.isEmpty
            let module = t.name.split(separator: ".").dropLast().joined(separator: ".")
            let isInstanceStatistic = found == .instance && normSlots.contains(module)
                && (t.name.hasSuffix(".running_mean") || t.name.hasSuffix(".running_var") || t.name.hasSuffix(".num_batches_tracked"))
            if (isCounter && expected.shapes[t.name] == nil) || isInstanceStatistic {
                dropped.append(t.name)
            } else {
                kept[t.name] = t.shape
            }
        }
        let target = "\(entry.name) (the reference's UnetGenerator, ngf \(config.ngf), \(config.inputChannels) → \(config.outputChannels) channels, \(found.rawValue) norm)"
        if let mismatch = StateMismatch(target: target, expected: expected.shapes, found: kept) {
            throw ReferenceImportError.stateMismatch(file: file.name, mismatch: mismatch)
        }
        let wanted = file.tensors.filter { kept[$0.name] != nil }
        for t in wanted where !t.dtype.isFloatingPoint {
            throw ReferenceImportError.notFloatingPoint(file: file.name, key: t.name, dtype: t.dtype.rawValue)
        }

        // Only now is tensor data read.
        let values = try file.read(wanted)
        var state: [String: Tensor] = [:]
        for t in wanted {
            let v = values[t.name]!
            let bad = v.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            guard bad == 0 else { throw ReferenceImportError.nonFinite(file: file.name, key: t.name, count: bad, elements: v.count) }
            state[t.name] = try Tensor(shape: t.shape, values: v)
        }
        let network = try entry.make(config: configData, context: BuildContext(randomSource: RandomSource(seed: seed &+ 0x5EED)))
        try network.load(stateDict: state)
        network.eval()
        let architecture = ModelArchitecture(
            generator: ModelArchitecture.Network(name: entry.name, family: entry.family, configData: configData,
                                                 parameters: expected.parameterCount),
            discriminator: nil, conditional: true)
        return ImportedGenerator(network: network, architecture: architecture, config: config, format: file.format,
                                 droppedKeys: dropped, notes: file.notes, loadedCount: wanted.count)
    }
}
