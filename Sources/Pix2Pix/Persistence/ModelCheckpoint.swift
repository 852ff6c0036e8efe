import Base
import Checkpoint
import Foundation
import NN
import Tensor

/// A generator rebuilt from a checkpoint: the architecture came from the file's header through the
/// registry, the weights from its data.
public struct LoadedGenerator {
    /// The checkpoint's path (for messages).
    public let file: String
    public let kind: CheckpointKind
    public let architecture: ModelArchitecture
    /// The network, in eval mode (call `train()` for the paper's "train mode" inference).
    public let network: any GeneratorNetwork
    /// The stream its dropout layers draw from in train mode.
    public let randomSource: RandomSource
    /// The header's free-form metadata.
    public let metadata: [String: JSONValue]
}

/// Saving and loading models and training states as `.pzck` checkpoints (see "Checkpoint format").
///
/// Tensor names are the networks' state-dict keys (PyTorch's dotted names) under a prefix:
/// `generator.`, `discriminator.`, and for training files the Adam moments under
/// `optimizer.generator.` / `optimizer.discriminator.` (`<param>.exp_avg`, `<param>.exp_avg_sq`).
/// The header's `model` object is ``ModelArchitecture/json``; a training file adds a `training`
/// section with both optimizers' settings and step counts, the dropout RNG state and the caller's
/// progress object (step, epoch, data order, …).
public enum ModelCheckpoint {
    public static let generatorPrefix = "generator."
    public static let discriminatorPrefix = "discriminator."
    public static let generatorOptimizerPrefix = "optimizer.generator."
    public static let discriminatorOptimizerPrefix = "optimizer.discriminator."

    // MARK: Inference files

    /// Writes the generator of `model` as an inference checkpoint (generator weights only; the header
    /// still names the discriminator it was trained with).
    public static func saveInference(_ model: Pix2PixModel, to url: URL, storage: StorageType = .f32,
                                     compressionLevel: Int? = 3, metadata: [String: JSONValue] = [:]) throws {
        try saveInference(generator: model.generator, architecture: model.architecture, to: url,
                          storage: storage, compressionLevel: compressionLevel, metadata: metadata)
    }

    /// Writes a generator as an inference checkpoint.
    public static func saveInference(generator: any GeneratorNetwork, architecture: ModelArchitecture, to url: URL,
                                     storage: StorageType = .f32, compressionLevel: Int? = 3,
                                     metadata: [String: JSONValue] = [:]) throws {
        let entries = generator.stateEntries().map { (generatorPrefix + $0.key, $0.tensor) }
        let axes = outputChannelAxes(of: generator).reduce(into: [:]) { $0[generatorPrefix + $1.key] = $1.value }
        try write(entries, to: url, kind: .inference, model: architecture.json,
                  writer: CheckpointWriter(storage: storage, compressionLevel: compressionLevel),
                  metadata: metadata, sections: [:], channelAxes: axes)
    }

    /// The output-channel axis of every convolution weight in `module` by state-dict key: 0 for
    /// `Conv2d` (OIHW), 1 for `ConvTranspose2d` (IOHW). Q8 storage keeps one scale per output
    /// channel of these; other tensors of rank ≥ 2 get one scale for the whole tensor.
    public static func outputChannelAxes(of module: Module) -> [String: Int] {
        var axes: [String: Int] = [:]
        for (path, m) in module.namedModules() {
            let key = path.isEmpty ? "weight" : path + ".weight"
            if m is Conv2d { axes[key] = 0 } else if m is ConvTranspose2d { axes[key] = 1 }
        }
        return axes
    }

    /// The output-channel axes of the networks a checkpoint header describes, derived from the
    /// configs without building anything (``StateShapes/outputChannelAxes``), under the tensor
    /// names this type writes: `generator.`/`discriminator.` weights, and their Adam moments in a
    /// training file. Throws when the registry does not know the architecture or refuses a config.
    public static func outputChannelAxes(of architecture: ModelArchitecture, registry: Registry = .shared,
                                         file: String? = nil) throws -> [String: Int] {
        let (g, d) = try architecture.validate(registry: registry, file: file)
        var axes: [String: Int] = [:]
        for (prefix, optimizer, shapes) in [(generatorPrefix, generatorOptimizerPrefix, g), (discriminatorPrefix, discriminatorOptimizerPrefix, d)] {
            for (key, axis) in shapes?.outputChannelAxes ?? [:] {
                axes[prefix + key] = axis
                axes[optimizer + key + Adam.firstMomentSuffix] = axis
                axes[optimizer + key + Adam.secondMomentSuffix] = axis
            }
        }
        return axes
    }

    /// Reads only the header: the architecture and the kind of a checkpoint.
    public static func readArchitecture(from url: URL) throws -> (architecture: ModelArchitecture, kind: CheckpointKind) {
        let file = try CheckpointFile(contentsOf: url)
        return (try ModelArchitecture(json: file.header.model, file: file.name), file.header.kind)
    }

    /// Loads the generator of an inference or training checkpoint: the architecture comes from the
    /// header (through `registry`), the weights from the data.
    ///
    /// Nothing is allocated from what the header declares before it is checked: both networks'
    /// configs against their families' bounds (and the discriminator's channels against the
    /// generator's), the declared parameter counts against the configs, the generator's state-dict
    /// shapes — derived from its config without building it — against the file's tensor table, and
    /// every chunk's declared size against the data present. Only then is the network built and
    /// loaded; a tensor holding NaN or infinite values is refused
    /// (``ModelFileError/nonFiniteTensor(file:tensor:count:elements:)``).
    public static func loadGenerator(from url: URL, registry: Registry = .shared, seed: UInt64 = 0) throws -> LoadedGenerator {
        let file = try CheckpointFile(contentsOf: url)
        let architecture = try ModelArchitecture(json: file.header.model, file: file.name)
        let expected = try architecture.validate(registry: registry, file: file.name).generator
        let others = file.header.kind == .inference ? [] : [discriminatorPrefix, generatorOptimizerPrefix, discriminatorOptimizerPrefix]
        let found = file.shapes.filter { name, _ in !others.contains { name.hasPrefix($0) } }
        let expectedShapes = Dictionary(uniqueKeysWithValues: expected.shapes.map { (generatorPrefix + $0.key, $0.value) })
        if let mismatch = StateMismatch(target: "the generator", expected: expectedShapes, found: found) {
            throw CheckpointError.stateMismatch(file: file.name, mismatch: mismatch, model: file.header.model.serializedString())
        }
        try file.checkDeclaredSizes(expectedShapes.keys.sorted())

        let source = RandomSource(seed: seed &+ 0x5EED)
        let network = try registry.generator(named: architecture.generator.name)
            .make(config: architecture.generator.configData, context: BuildContext(randomSource: source))
        try load(network, prefix: generatorPrefix, from: file, ignoring: others)
        network.eval()
        return LoadedGenerator(file: file.name, kind: file.header.kind, architecture: architecture, network: network,
                               randomSource: source, metadata: file.header.metadata)
    }

    // MARK: Training files

    /// Writes a training checkpoint: both networks, both optimizers, the dropout RNG and `progress`
    /// (the trainer's step, epoch, data order…), always in F32 so that a resumed run continues exactly.
    public static func saveTraining(_ model: Pix2PixModel, generatorOptimizer: Adam, discriminatorOptimizer: Adam,
                                    progress: JSONValue, to url: URL, compressionLevel: Int? = 1,
                                    metadata: [String: JSONValue] = [:]) throws {
        var entries = model.generator.stateEntries().map { (generatorPrefix + $0.key, $0.tensor) }
        entries += model.discriminator.stateEntries().map { (discriminatorPrefix + $0.key, $0.tensor) }
        let (gState, gTensors) = generatorOptimizer.exportState()
        let (dState, dTensors) = discriminatorOptimizer.exportState()
        entries += gTensors.sorted { $0.key < $1.key }.map { (generatorOptimizerPrefix + $0.key, $0.value) }
        entries += dTensors.sorted { $0.key < $1.key }.map { (discriminatorOptimizerPrefix + $0.key, $0.value) }
        let training: JSONValue = .object([
            "optimizer_generator": try JSONValue(encoding: gState),
            "optimizer_discriminator": try JSONValue(encoding: dState),
            "dropout_rng": try JSONValue(encoding: model.randomSource.generator),
            "progress": progress,
        ])
        try write(entries, to: url, kind: .training, model: model.architecture.json,
                  writer: CheckpointWriter(storage: .f32, compressionLevel: compressionLevel),
                  metadata: metadata, sections: ["training": training])
    }

    /// Restores a training checkpoint into a model and its optimizers built by the caller (with the
    /// same architecture) and returns the saved `progress` object. Everything is checked (kind,
    /// architecture, every tensor's name and shape, the optimizer states) before anything changes.
    @discardableResult
    public static func loadTraining(from url: URL, into model: Pix2PixModel, generatorOptimizer: Adam,
                                    discriminatorOptimizer: Adam) throws -> JSONValue {
        try loadTraining(from: CheckpointFile(contentsOf: url), into: model, generatorOptimizer: generatorOptimizer,
                         discriminatorOptimizer: discriminatorOptimizer)
    }

    /// ``loadTraining(from:into:generatorOptimizer:discriminatorOptimizer:)`` from an opened file
    /// (data-parallel ranks open the bytes rank 0 read and broadcast).
    @discardableResult
    public static func loadTraining(from file: CheckpointFile, into model: Pix2PixModel, generatorOptimizer: Adam,
                                    discriminatorOptimizer: Adam) throws -> JSONValue {
        guard file.header.kind == .training else {
            throw ModelFileError.wrongKind(file: file.name, found: file.header.kind.rawValue, needed: "training")
        }
        let stored = try ModelArchitecture(json: file.header.model, file: file.name)
        var expected = model.architecture
        // Parameter counts are informative; compare what defines the networks.
        expected.generator.parameters = stored.generator.parameters
        expected.discriminator?.parameters = stored.discriminator?.parameters ?? 0
        guard stored == expected else {
            throw ModelFileError.architectureMismatch(file: file.name, expected: model.architecture.description,
                                                      found: stored.description + (stored.generator.configData == expected.generator.configData
                                                          && stored.discriminator?.configData == expected.discriminator?.configData ? "" : " (different configs)"))
        }
        guard let training = file.header.sections["training"], let progress = training["progress"] else {
            throw ModelFileError.invalidTrainingState(file: file.name, reason: "the \"training\" section or its \"progress\" object is missing")
        }
        let gState: AdamState, dState: AdamState, rng: RandomGenerator
        do {
            gState = try (training["optimizer_generator"] ?? .null).decode(AdamState.self)
            dState = try (training["optimizer_discriminator"] ?? .null).decode(AdamState.self)
            rng = try (training["dropout_rng"] ?? .null).decode(RandomGenerator.self)
        } catch {
            throw ModelFileError.invalidTrainingState(file: file.name, reason: "optimizer or RNG state does not decode: \(error)")
        }
        // Names and shapes of the network tensors, all at once.
        var expectedShapes: [String: [Int]] = [:]
        for (key, t) in model.generator.stateEntries() { expectedShapes[generatorPrefix + key] = t.shape }
        for (key, t) in model.discriminator.stateEntries() { expectedShapes[discriminatorPrefix + key] = t.shape }
        let found = file.shapes.filter { !$0.key.hasPrefix("optimizer.") }
        if let mismatch = StateMismatch(target: "the generator and discriminator", expected: expectedShapes, found: found) {
            throw CheckpointError.stateMismatch(file: file.name, mismatch: mismatch, model: stored.description)
        }
        // The optimizer moments too, before any is read: exactly two per parameter with a step
        // count, shaped like it (nothing is allocated from shapes only the file states).
        var momentShapes: [String: [Int]] = [:]
        for (prefix, optimizer, state) in [(generatorOptimizerPrefix, generatorOptimizer, gState),
                                           (discriminatorOptimizerPrefix, discriminatorOptimizer, dState)] {
            for (key, p) in optimizer.parameters where state.steps[key] != nil {
                momentShapes[prefix + key + Adam.firstMomentSuffix] = p.shape
                momentShapes[prefix + key + Adam.secondMomentSuffix] = p.shape
            }
        }
        if let mismatch = StateMismatch(target: "the optimizer moments", expected: momentShapes,
                                        found: file.shapes.filter { $0.key.hasPrefix("optimizer.") }) {
            throw ModelFileError.invalidTrainingState(file: file.name, reason: "optimizer state: \(mismatch)")
        }
        try file.checkDeclaredSizes()
        let g = try readPrefixed(file, prefix: generatorPrefix)
        let d = try readPrefixed(file, prefix: discriminatorPrefix)
        let gMoments = try readPrefixed(file, prefix: generatorOptimizerPrefix)
        let dMoments = try readPrefixed(file, prefix: discriminatorOptimizerPrefix)
        // Optimizer states are checked by importState (keys and shapes, all problems together);
        // import into the live optimizers only after both networks have loaded.
        try model.generator.load(stateDict: g)
        try model.discriminator.load(stateDict: d)
        do {
            try generatorOptimizer.importState(gState, tensors: gMoments)
            try discriminatorOptimizer.importState(dState, tensors: dMoments)
        } catch {
            throw ModelFileError.invalidTrainingState(file: file.name, reason: "optimizer state: \(error)")
        }
        model.randomSource.generator = rng
        return progress
    }

    // MARK: Helpers

    static func write(_ entries: [(String, Tensor)], to url: URL, kind: CheckpointKind, model: JSONValue,
                      writer: CheckpointWriter, metadata: [String: JSONValue], sections: [String: JSONValue],
                      channelAxes: [String: Int] = [:]) throws {
        let views = entries.map { name, t in
            TensorView(name: name, shape: t.shape, values: UnsafeBufferPointer(start: t.pointer, count: t.count),
                       channelAxis: channelAxes[name])
        }
        try withExtendedLifetime(entries) {
            try writer.write(to: url, kind: kind, model: model, views: views, metadata: metadata, sections: sections)
        }
    }

    /// Checks `module`'s tensors against the file's `prefix`ed ones (every problem in one error) and loads them.
    static func load(_ module: Module, prefix: String, from file: CheckpointFile, ignoring otherPrefixes: [String]) throws {
        let found = file.shapes.filter { name, _ in !otherPrefixes.contains { name.hasPrefix($0) } }
        if let mismatch = module.stateMismatch(against: found, keyPrefix: prefix) {
            throw CheckpointError.stateMismatch(file: file.name, mismatch: mismatch, model: file.header.model.serializedString())
        }
        try module.load(stateDict: try readPrefixed(file, prefix: prefix))
    }

    /// Decodes every tensor whose name starts with `prefix`, keyed without it. Throws
    /// ``ModelFileError/nonFiniteTensor(file:tensor:count:elements:)`` for the first (in file order)
    /// that holds NaN or infinite values: weights, statistics and optimizer moments are all finite
    /// in a healthy run, and one NaN turns every output black.
    static func readPrefixed(_ file: CheckpointFile, prefix: String) throws -> [String: Tensor] {
        let names = file.entries.map(\.name).filter { $0.hasPrefix(prefix) }
        var result: [String: Tensor] = [:]
        try file.readTensors(names) { entry in
            let t = Tensor.empty(entry.shape)
            result[String(entry.name.dropFirst(prefix.count))] = t
            return UnsafeMutableBufferPointer(start: t.pointer, count: t.count)
        }
        for name in names {
            let t = result[String(name.dropFirst(prefix.count))]!
            let count = nonFiniteCount(UnsafeBufferPointer(start: t.pointer, count: t.count))
            if count > 0 { throw ModelFileError.nonFiniteTensor(file: file.name, tensor: name, count: count, elements: t.count) }
        }
        return result
    }

    /// How many of `values` are NaN or ±infinity (all exponent bits set), in one branch-free pass.
    static func nonFiniteCount(_ values: UnsafeBufferPointer<Float>) -> Int {
        var count = 0
        for v in values { count &+= v.bitPattern & 0x7F80_0000 == 0x7F80_0000 ? 1 : 0 }
        return count
    }
}
