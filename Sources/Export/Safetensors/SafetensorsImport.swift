import Base
import Checkpoint
import Foundation
import NN
import Pix2Pix
import Tensor

/// Turns a safetensors state dict into a `.pzck` inference checkpoint (`pix2pix ckpt convert
/// FILE.safetensors`): ours, written by ``SafetensorsWriter``, or PyTorch's
/// (`safetensors.torch.save_file(net.state_dict(), …)` on the reference's `UnetGenerator`).
///
/// The architecture is the one given (a registry preset plus config overrides, as `--generator`
/// and `--g` give it) or, when none is given, the file's `pix2pix.architecture` metadata. Before
/// any tensor data is read, the file's names and shapes are compared with the state dict that
/// architecture implies, and every difference is reported in one error. PyTorch's batch-norm
/// counters (`*.num_batches_tracked`, integers that inference never reads) are dropped, and a
/// `module.` prefix on every key (`nn.DataParallel`) is removed.
public enum SafetensorsImport {
    /// What an import wrote.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var input: String
        public var output: String
        public var generator: String
        /// Where the architecture came from: "metadata" or "flags".
        public var architectureSource: String
        public var tensors: Int
        public var dropped: [String]
        public var fromTypes: [String]
        public var storage: StorageType
        public var outputSize: Int

        public var description: String {
            var text = "\(output): \(tensors) tensors of \(generator) (architecture from the \(architectureSource)), "
                + "\(fromTypes.joined(separator: "+")) → \(storage.rawValue), \(Format.bytes(outputSize))"
            if !dropped.isEmpty {
                text += "\nnote: dropped \(dropped.count) batch-norm counter\(dropped.count == 1 ? "" : "s") (num_batches_tracked), which inference does not use"
            }
            return text
        }
    }

    /// Whether `path` names a safetensors file: the `.safetensors` extension, or a header length
    /// that fits the file followed by `{`.
    public static func recognizes(_ path: String) -> Bool {
        if URL(fileURLWithPath: path).pathExtension.lowercased() == "safetensors" { return true }
        guard FileKind.of(path) == .regularFile, let fd = try? FileKind.openRegularFile(path) else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= 9 else { return false }
        var prefix = [UInt8](repeating: 0, count: 9)
        guard pread(fd, &prefix, 9, 0) == 9 else { return false }
        let n = prefix.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return prefix[8] == UInt8(ascii: "{") && n >= 2 && n <= UInt64(st.st_size - 8)
    }

    /// The architecture a file declares in its metadata, nil when it declares none.
    public static func declaredArchitecture(_ file: SafetensorsFile) throws -> ModelArchitecture? {
        guard let text = file.metadata[ExportMetadata.architectureKey] else { return nil }
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch {
            throw SafetensorsError.invalidMetadata(file: file.name, reason: "has an \(ExportMetadata.architectureKey) that is not JSON (\(error))")
        }
        return try ModelArchitecture(json: json, file: file.name)
    }

    /// The architecture of registry preset `generator` with `overrides`, without a discriminator.
    public static func architecture(generator: String, overrides: ConfigOverrides, registry: Registry = .shared) throws -> ModelArchitecture {
        let entry = try registry.generator(named: generator)
        let config = try entry.config(overrides: overrides)
        let shapes = try entry.stateShapes(config: config)
        return ModelArchitecture(generator: .init(name: generator, family: entry.family, configData: config, parameters: shapes.parameterCount),
                                 discriminator: nil, conditional: true)
    }

    /// Reads `input`, checks it against the architecture (`architecture`, else the file's
    /// metadata) and writes `output` as an inference checkpoint in `storage` at zstd `level`.
    /// Refuses to write over the input, and over an existing output unless `force`.
    @discardableResult
    public static func convert(input: String, output: String, architecture given: ModelArchitecture?, storage: StorageType,
                               level: Int, force: Bool, registry: Registry = .shared) throws -> Summary {
        if CheckpointConverter.sameFile(input, output) { throw CheckpointConversionError.sameFile(input: input, output: output) }
        if !force && FileKind.of(output) != nil { throw CheckpointConversionError.outputExists(file: output) }
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: input))
        guard let architecture = try given ?? declaredArchitecture(file) else { throw SafetensorsError.noArchitecture(file: file.name) }
        let expected = try architecture.validate(registry: registry, file: file.name).generator

        // PyTorch's names → ours: drop integer BN counters, strip a DataParallel prefix.
        var dropped: [String] = []
        var tensors: [(key: String, entry: SafetensorsFile.Entry)] = []
        for entry in file.entries {
            if entry.name.hasSuffix(".num_batches_tracked") && !entry.dtype.isFloatingPoint {
                dropped.append(entry.name)
            } else {
                tensors.append((entry.name, entry))
            }
        }
        if !tensors.isEmpty && tensors.allSatisfy({ $0.key.hasPrefix("module.") }) {
            tensors = tensors.map { (String($0.key.dropFirst("module.".count)), $0.entry) }
        }
        let found = Dictionary(tensors.map { ($0.key, $0.entry.shape) }, uniquingKeysWith: { a, _ in a })
        if let mismatch = StateMismatch(target: architecture.generator.name, expected: expected.shapes, found: found) {
            throw SafetensorsError.stateMismatch(file: file.name, mismatch: mismatch,
                                                 architecture: "\(architecture.generator.name) \(architecture.generator.config.serializedString())")
        }
        for (key, entry) in tensors where !entry.dtype.isFloatingPoint {
            throw SafetensorsError.unsupportedDType(file: file.name, tensor: key, dtype: entry.dtype.rawValue)
        }

        let network = try registry.generator(named: architecture.generator.name)
            .make(config: architecture.generator.configData, context: BuildContext(seed: 0))
        var stateDict: [String: Tensor] = [:]
        for (key, entry) in tensors {
            let values = try file.floats(entry)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw SafetensorsError.nonFinite(file: file.name, tensor: key, index: bad)
            }
            stateDict[key] = try Tensor(shape: entry.shape, values: values)
        }
        try network.load(stateDict: stateDict)
        try ModelCheckpoint.saveInference(generator: network, architecture: architecture, to: URL(fileURLWithPath: output),
                                          storage: storage, compressionLevel: level,
                                          metadata: ["converted_from": .string(URL(fileURLWithPath: input).lastPathComponent),
                                                     "source_format": "safetensors"])
        var written = stat()
        let outputSize = stat(output, &written) == 0 ? Int(written.st_size) : 0
        return Summary(input: input, output: output, generator: architecture.generator.name,
                       architectureSource: given == nil ? "metadata" : "flags", tensors: tensors.count, dropped: dropped,
                       fromTypes: Array(Set(tensors.map(\.entry.dtype.rawValue))).sorted(), storage: storage,
                       outputSize: outputSize)
    }
}
