import Base
import Checkpoint
import Foundation
import Pix2Pix
import Tensor

/// The result of `zoo verify`: every problem found, not just the first.
public struct ZooVerifyReport: Sendable, Equatable {
    /// The `id@version`s that were checked.
    public var checked: [String]
    public var problems: [ZooProblem]
    public var isClean: Bool { problems.isEmpty }
}

/// The golden sample: tensors `input` and `output` (NHWC, F32) in a `.pzck` file whose header
/// names the architecture they belong to.
enum GoldenSample {
    static func write(input: Tensor, output: Tensor, architecture: ModelArchitecture, to url: URL) throws {
        try CheckpointWriter(storage: .f32, compressionLevel: 9).write(
            to: url, kind: .inference, model: architecture.json,
            tensors: [TensorRecord(name: "input", shape: input.shape, values: input.scalars),
                      TensorRecord(name: "output", shape: output.shape, values: output.scalars)],
            metadata: ["purpose": "golden sample for zoo verify", "mode": "eval"])
    }

    static func read(_ url: URL) throws -> (input: TensorRecord, output: TensorRecord) {
        let file = try CheckpointFile(contentsOf: url)
        return (try file.tensor(named: "input"), try file.tensor(named: "output"))
    }
}

/// The checks behind `zoo verify`.
public enum ZooVerifier {
    /// Throws ``ZooError/fileMismatch(path:reason:)`` unless `path` (relative to the entry's folder)
    /// exists with the size and SHA-256 its card lists.
    public static func checkFile(_ path: String, of entry: ZooEntry) throws {
        guard let record = entry.card.files.first(where: { $0.path == path }) else {
            throw ZooError.invalidCard(path: entry.directory.appendingPathComponent(ZooLayout.cardFile).path,
                                       reason: "the card lists no \(path)")
        }
        if let problem = check(record, in: entry.directory) {
            throw ZooError.fileMismatch(path: entry.directory.appendingPathComponent(path).path, reason: problem)
        }
    }

    /// nil when the file matches its record, else what is wrong.
    static func check(_ record: ModelCard.FileRecord, in directory: URL) -> String? {
        do {
            try ZooPaths.checkCardPath(record.path, field: "files", card: directory.appendingPathComponent(ZooLayout.cardFile), in: directory)
        } catch let ZooError.pathOutsideModel(_, reason) {
            return "refused: \(reason)"
        } catch {
            return "\(error)"
        }
        let url = directory.appendingPathComponent(record.path)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            return "missing (the card lists it with \(record.size) bytes)"
        }
        if size != record.size { return "\(size) bytes, but the card says \(record.size)" }
        guard let sha = try? Checksum.sha256Hex(fileAt: url) else { return "unreadable" }
        if sha != record.sha256 { return "SHA-256 \(sha) differs from the card's \(record.sha256)" }
        return nil
    }

    /// Every problem of one model version: files against the card (sizes, checksums, unlisted
    /// files), the README against the card, the model against the card's architecture and storage,
    /// and the golden sample reproduced within the card's tolerance.
    public static func verify(_ entry: ZooEntry, registry: Registry = .shared) -> [ZooProblem] {
        var problems: [ZooProblem] = []
        let card = entry.card
        func report(_ path: String, _ message: String) {
            problems.append(ZooProblem(subject: entry.reference, path: entry.directory.appendingPathComponent(path).path, message: message))
        }
        // Files against the card, and files the card does not know.
        for record in card.files {
            if let problem = check(record, in: entry.directory) { report(record.path, problem) }
        }
        let listed = Set(card.files.map(\.path) + [ZooLayout.cardFile])
        for path in relativeFiles(in: entry.directory) where !listed.contains(path) {
            report(path, "not listed in the card")
        }
        for required in [ZooLayout.modelFile, ZooLayout.readmeFile, card.golden.file] where !card.files.contains(where: { $0.path == required }) {
            report(ZooLayout.cardFile, "the card lists no \(required)")
        }
        // README generated from the card.
        if let text = try? String(contentsOf: entry.directory.appendingPathComponent(ZooLayout.readmeFile), encoding: .utf8),
           text != card.readme {
            report(ZooLayout.readmeFile, "does not match the README generated from card.json")
        }
        // The discriminator the card records (not in model.pzck): checked against the registry.
        if let problem = discriminatorProblem(card.architecture, inputChannels: card.input.channels,
                                              outputChannels: card.output.channels, registry: registry) {
            report(ZooLayout.cardFile, problem)
        }
        // The model loads, and is what the card says.
        let loaded: LoadedGenerator
        do {
            loaded = try ModelCheckpoint.loadGenerator(from: entry.modelFile, registry: registry)
        } catch {
            report(ZooLayout.modelFile, "does not load: \(error)")
            return problems
        }
        if loaded.kind != .inference { report(ZooLayout.modelFile, "is a \(loaded.kind.rawValue) checkpoint; zoo models are inference files") }
        let stored = ModelCard.Architecture(loaded.architecture)
        if !equivalent(stored, card.architecture) {
            report(ZooLayout.modelFile, "its architecture (\(loaded.architecture)) differs from the card's")
        }
        if let file = try? CheckpointFile(contentsOf: entry.modelFile) {
            let types = Set(file.entries.map(\.dtype.rawValue))
            // Q8 keeps rank-0/1 tensors (biases, batch-norm) as F32.
            let matches = card.storage == StorageType.q8.rawValue
                ? types.contains(card.storage) && types.isSubset(of: [card.storage, StorageType.f32.rawValue])
                : types == [card.storage]
            if !matches { report(ZooLayout.modelFile, "tensors are stored as \(types.sorted().joined(separator: ", ")), the card says \(card.storage)") }
        }
        let io = loaded.network.channels
        if io.inputChannels != card.input.channels || io.outputChannels != card.output.channels || loaded.network.sizeMultiple != card.input.sizeMultiple {
            report(ZooLayout.modelFile, "takes \(io.inputChannels) → \(io.outputChannels) channels at multiples of \(loaded.network.sizeMultiple), the card says \(card.input.channels) → \(card.output.channels) at multiples of \(card.input.sizeMultiple)")
        }
        // The golden sample.
        do {
            let golden = try GoldenSample.read(entry.directory.appendingPathComponent(card.golden.file))
            guard golden.input.shape == card.golden.inputShape, golden.output.shape == card.golden.outputShape else {
                report(card.golden.file, "tensor shapes \(golden.input.shape) → \(golden.output.shape) differ from the card's \(card.golden.inputShape) → \(card.golden.outputShape)")
                return problems
            }
            let input = try Tensor(shape: golden.input.shape, values: golden.input.values)
            let output = try Evaluator.translate(loaded.network, input: input, mode: .eval)
            guard output.shape == golden.output.shape else {
                report(card.golden.file, "the model's output has shape \(output.shape), the golden output \(golden.output.shape)")
                return problems
            }
            let produced = output.scalars
            var worst = 0.0, at = 0
            for (i, (a, b)) in zip(produced, golden.output.values).enumerated() {
                let d = a.isFinite ? Double(abs(a - b)) : .infinity
                if d > worst || !d.isFinite { worst = d; at = i; if !d.isFinite { break } }
            }
            if !(worst <= card.golden.tolerance) {
                report(card.golden.file, "the model does not reproduce the golden output: max |Δ| = \(worst) at element \(at), tolerance \(card.golden.tolerance)")
            }
        } catch {
            report(card.golden.file, "cannot check the golden sample: \(error)")
        }
        return problems
    }

    /// What is wrong with the discriminator a card records, nil when nothing: its name must be a
    /// registered discriminator of the card's family, its config must decode as that entry's
    /// config (through the registry, so the family's own checks apply: no unknown keys, values
    /// of the right types and within bounds) without building the network, and it must read the
    /// channels the generator's data gives it (A + B when conditional, B alone otherwise).
    static func discriminatorProblem(_ architecture: ModelCard.Architecture, inputChannels: Int, outputChannels: Int,
                                     registry: Registry) -> String? {
        guard let d = architecture.discriminator else { return nil }
        let entry: DiscriminatorEntry
        do { entry = try registry.discriminator(named: d.name) } catch {
            return "architecture.discriminator names \"\(d.name)\", which is not registered: \(error)"
        }
        guard entry.family == d.family else {
            return "architecture.discriminator \"\(d.name)\" is of family \(entry.family), the card says \(d.family)"
        }
        guard let object = d.config.objectValue else {
            return "architecture.discriminator.config of \(d.name) is not a JSON object"
        }
        do {
            let overrides = try d.config.decode(ConfigOverrides.self)
            _ = try entry.config(overrides: overrides)
        } catch {
            return "architecture.discriminator.config does not fit \(d.name): \(error is DecodingError ? "its values must be numbers, booleans or strings" : "\(error)")"
        }
        let expected = architecture.conditional ? inputChannels + outputChannels : outputChannels
        if let channels = object[ConfigOverrides.inputChannelsKey]?.intValue, channels != expected {
            return "architecture.discriminator.config has input_channels \(channels), but a\(architecture.conditional ? " conditional" : "n unconditional") discriminator of this \(inputChannels) → \(outputChannels) generator reads \(expected)"
        }
        if d.parameters < 0 { return "architecture.discriminator has \(d.parameters) parameters" }
        return nil
    }

    /// Architectures equal up to the spelling of numbers in configs (`1e-05` and `0.00001`).
    static func equivalent(_ a: ModelCard.Architecture, _ b: ModelCard.Architecture) -> Bool {
        func same(_ x: ModelCard.Network, _ y: ModelCard.Network) -> Bool {
            x.name == y.name && x.family == y.family && x.parameters == y.parameters && jsonEquivalent(x.config, y.config)
        }
        guard a.conditional == b.conditional, same(a.generator, b.generator) else { return false }
        switch (a.discriminator, b.discriminator) {
        case (nil, nil): return true
        case let (x?, y?): return same(x, y)
        default: return false
        }
    }

    static func jsonEquivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): return x.doubleValue == y.doubleValue
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { jsonEquivalent($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { jsonEquivalent(value, $0) } ?? false }
        default: return a == b
        }
    }

    /// Files under `directory`, relative, sorted (hidden files included).
    static func relativeFiles(in directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let base = directory.standardizedFileURL.resolvingSymlinksInPath().path
        var result: [String] = []
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, path.hasPrefix(base + "/") else { continue }
            result.append(String(path.dropFirst(base.count + 1)))
        }
        return result.sorted()
    }
}

extension ZooStore {
    /// Checks every version of `id` (every model when nil) and, for the whole zoo, that
    /// `index.json` equals the index regenerated from the cards. Reports every problem found.
    /// - Throws: ``ZooError/unknownModel(id:searched:suggestions:)`` for an id the zoo lacks.
    /// - Throws: ``ZooError/notAZoo(path:reason:)`` when the zoo folder is missing or is a file.
    public func verify(id: String? = nil, registry: Registry = .shared) throws -> ZooVerifyReport {
        try requireZooFolder()
        let (entries, scanProblems) = scan()
        let selected = id.map { id in entries.filter { $0.id == id } } ?? entries
        var problems = scanProblems.filter { p in id.map { p.subject == $0 || p.subject.hasPrefix("\($0)@") } ?? true }
        if let id, selected.isEmpty, problems.isEmpty {
            throw ZooError.unknownModel(id: id, searched: [root.path], suggestions: suggestions(for: id, among: entries.map(\.id)))
        }
        for entry in selected { problems += ZooVerifier.verify(entry, registry: registry) }
        if id == nil {
            // Debris of killed publishes and removals (unless a write is running now: then it may be its work).
            let (debris, writerActive) = self.debris()
            if !writerActive {
                for item in debris {
                    problems.append(ZooProblem(subject: "zoo", path: item.url.path,
                                               message: "\(item.what) (\(Format.bytes(item.bytes))). Hint: `pix2pix zoo gc` removes it (so does the next publish or remove)"))
                }
            }
            do {
                let fresh = try generateIndex().encoded()
                if let onDisk = FileManager.default.contents(atPath: indexFile.path) {
                    if [UInt8](onDisk) != fresh {
                        problems.append(ZooProblem(subject: "zoo", path: indexFile.path, message: "differs from the index generated from the model cards (edited, or a publish or remove was killed before rewriting it). Hint: `pix2pix zoo gc` or `pix2pix zoo index` rewrites it"))
                    }
                } else if !entries.isEmpty {
                    problems.append(ZooProblem(subject: "zoo", path: indexFile.path, message: "missing. Hint: `pix2pix zoo index` writes it"))
                }
            } catch {
                problems.append(ZooProblem(subject: "zoo", path: indexFile.path, message: "cannot generate the index: \(error)"))
            }
        }
        return ZooVerifyReport(checked: selected.map(\.reference), problems: problems)
    }
}
