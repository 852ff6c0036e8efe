import Base
import Checkpoint
import Foundation
import Imaging
import NN
import Pix2Pix
import Tensor

/// What to publish and how to describe it (`pix2pix zoo publish`'s options).
public struct PublishRequest: Sendable {
    /// A run directory (`config.json` + `latest.pzck`) or a `.pzck` checkpoint (inference or training).
    public var source: String
    public var id: String
    /// Semantic version, `X.Y.Z`.
    public var version: String
    /// How the weights are stored (F16 halves the file; metrics and the golden sample are computed
    /// on the stored weights).
    public var storage: StorageType = .f16
    public var summary: String?
    public var license: String?
    /// e.g. "gray → color"; by default derived from the dataset's transform.
    public var task: String?
    public var intendedUse: String?
    /// Added to the limitations the publisher writes itself.
    public var limitations: [String] = []
    /// Where the training data came from and under which terms (default: from the dataset).
    public var provenance: String?
    /// Held-out data for the metrics (default: the run's validation data).
    public var validationData: String?
    public var validationSplit: String?
    /// Where the sample images come from (default: the validation data).
    public var sampleData: String?
    public var sampleSplit: String?
    public var sampleCount = 3
    /// Describes where the sample inputs came from (default: the data path, split and pair indices).
    public var samplesDescription: String?
    /// Also measure train-mode metrics (dropout on, batch statistics).
    public var trainModeMetrics = true
    /// Which side of the validation and sample pairs is the model's input (default: the run's
    /// `--direction`, A → B without a run).
    public var direction: PairDirection?
    /// The arithmetic of the convolutions for the metrics and the sample images (recorded in the
    /// card); the golden pair is always computed in fp32, as `zoo verify` reproduces it.
    public var precision: Precision = .fp32
    /// Describes the training machine (default: this machine's CPU and the run's thread count).
    public var hardware: String?
    public var created = Date()

    public init(source: String, id: String, version: String) {
        self.source = source
        self.id = id
        self.version = version
    }
}

extension ZooCatalog {
    /// Publishes into ``target`` after checking that no searched zoo already has `id@version`.
    public func publish(_ request: PublishRequest, progress: ((String) -> Void)? = nil) throws -> ZooEntry {
        if let version = try? SemanticVersion(parsing: request.version) {
            for store in stores.dropFirst() {
                if let existing = store.entry(id: request.id, version: version) {
                    throw ZooError.versionExists(id: request.id, version: request.version, path: existing.directory.path)
                }
            }
        }
        return try target.publish(request, progress: progress)
    }

    /// Publishes a generator held in memory (``ZooStore/publish(_:generator:architecture:origin:trainedSize:progress:)``)
    /// into ``target`` after the same check.
    public func publish(_ request: PublishRequest, generator: any GeneratorNetwork, architecture: ModelArchitecture,
                        origin: ModelCard.Origin, trainedSize: Int?, progress: ((String) -> Void)? = nil) throws -> ZooEntry {
        if let version = try? SemanticVersion(parsing: request.version) {
            for store in stores.dropFirst() {
                if let existing = store.entry(id: request.id, version: version) {
                    throw ZooError.versionExists(id: request.id, version: request.version, path: existing.directory.path)
                }
            }
        }
        return try target.publish(request, generator: generator, architecture: architecture, origin: origin,
                                  trainedSize: trainedSize, progress: progress)
    }
}

extension ZooStore {
    /// Publishes a trained generator as `<root>/<id>/<version>/` and updates `index.json`.
    ///
    /// Validates the id, version and checkpoint; writes `model.pzck` in the requested storage;
    /// measures L1 / PSNR / SSIM of the stored weights on the validation data; writes sample PNGs
    /// and the golden tensors; generates `README.md` and `card.json` with every file's SHA-256.
    /// Everything is staged in a hidden folder and renamed into place; a failure at any point
    /// leaves the zoo as it was. An existing version is never replaced.
    @discardableResult
    public func publish(_ request: PublishRequest, progress: ((String) -> Void)? = nil) throws -> ZooEntry {
        try publish(request, source: { try PublishSource(path: request.source) }, origin: nil, progress: progress)
    }

    /// Publishes a generator held in memory — one imported from another framework, described by
    /// `origin` (recorded in the card) — exactly as a trained one: it is written to a temporary F32
    /// checkpoint and published from there, so it passes the same checks (architecture, finite
    /// weights) and gets the same card, metrics, samples and checksums. `request.source` names the
    /// original file in messages; `trainedSize` is the side it was trained at, when known.
    @discardableResult
    public func publish(_ request: PublishRequest, generator: any GeneratorNetwork, architecture: ModelArchitecture,
                        origin: ModelCard.Origin, trainedSize: Int?, progress: ((String) -> Void)? = nil) throws -> ZooEntry {
        try requireWritable()
        // Before writing a model-sized temporary file: the id, the version, and no such version yet.
        try ModelReference.validate(id: request.id)
        let version = try SemanticVersion(parsing: request.version)
        if FileManager.default.fileExists(atPath: directory(id: request.id, version: version).path) {
            throw ZooError.versionExists(id: request.id, version: version.description, path: directory(id: request.id, version: version).path)
        }
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent(".pix2pix-import-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).pzck")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try ModelCheckpoint.saveInference(generator: generator, architecture: architecture, to: temporary, storage: .f32,
                                          compressionLevel: 1, metadata: trainedSize.map { ["crop_size": .int($0)] } ?? [:])
        return try publish(request, source: { PublishSource(checkpoint: temporary) }, origin: origin, progress: progress)
    }

    private func publish(_ request: PublishRequest, source makeSource: () throws -> PublishSource, origin: ModelCard.Origin?,
                         progress: ((String) -> Void)?) throws -> ZooEntry {
        try requireWritable()
        try ModelReference.validate(id: request.id)
        let version = try SemanticVersion(parsing: request.version)
        guard request.sampleCount >= 1 else {
            throw ZooError.invalidSource(path: request.source, reason: "--samples must be at least 1")
        }
        let final = directory(id: request.id, version: version)
        if FileManager.default.fileExists(atPath: final.path) {
            // Committed, perhaps by a publish killed before it rewrote the index: repair that first.
            _ = try? withLock { try repairUnlocked() }
            throw ZooError.versionExists(id: request.id, version: version.description, path: final.path)
        }
        let source = try makeSource()
        progress?("loading \(origin == nil ? source.checkpoint.path : request.source)")
        // Refuses configs outside their bounds and NaN / infinite weights (ModelFileError), before publishing anything.
        let loaded = try ModelCheckpoint.loadGenerator(from: source.checkpoint)
        // The discriminator description is copied into the card: it must be one `zoo verify` accepts.
        if let problem = ZooVerifier.discriminatorProblem(ModelCard.Architecture(loaded.architecture),
                                                          inputChannels: loaded.network.channels.inputChannels,
                                                          outputChannels: loaded.network.channels.outputChannels, registry: .shared) {
            throw ZooError.invalidSource(path: source.checkpoint.path, reason: "its header's \(problem)")
        }

        return try withLock {
            // Debris and a stale index left by killed writes are repaired before anything else.
            try repairUnlocked()
            if FileManager.default.fileExists(atPath: final.path) {
                throw ZooError.versionExists(id: request.id, version: version.description, path: final.path)
            }
            let fm = FileManager.default
            // Stage the version folder next to its final place, then commit it by rename and rewrite the index.
            let idDir = root.appendingPathComponent(request.id)
            let createdIdDir = !fm.fileExists(atPath: idDir.path)
            do { try fm.createDirectory(at: idDir, withIntermediateDirectories: true) } catch {
                throw ZooError.zooNotWritable(path: idDir.path, reason: error.localizedDescription)
            }
            let staged: StagedOutput
            do {
                staged = try StagedOutput(destination: final, kind: .directory)
                try fm.createDirectory(at: staged.url.appendingPathComponent(ZooLayout.samplesFolder), withIntermediateDirectories: true)
            } catch {
                if createdIdDir { rmdir(idDir.path) }
                throw ZooError.zooNotWritable(path: idDir.path, reason: "cannot create a staging folder: \(error)")
            }
            let card: ModelCard
            do {
                card = try ZooCardBuilder(request: request, version: version, source: source, loaded: loaded,
                                          directory: staged.url, progress: progress, origin: origin).build()
                try staged.commit(replacing: false)
            } catch {
                staged.abandon()
                if createdIdDir { rmdir(idDir.path) }
                throw error
            }
            // Crash-safe order: the version appears complete in one rename; a kill before the
            // index is rewritten leaves a stale index, which the next write regenerates.
            do {
                try writeIndexUnlocked()
            } catch {
                // Withdraw the version in one rename too, so that no partial folder is ever listed.
                let trash = trashURL(for: "\(request.id)-\(version)")
                if (try? move(final, to: trash)) != nil {
                    try? Self.removeTree(trash.path)
                    if createdIdDir { rmdir(idDir.path) }
                }
                throw error
            }
            progress?("published \(card.reference) in \(final.path)")
            return ZooEntry(zoo: root, card: card, directory: final)
        }
    }
}

/// A run directory or a bare checkpoint, with what can be learnt about its training.
struct PublishSource {
    var checkpoint: URL
    var run: RunDirectory?
    var config: TrainingRunConfig?

    /// A checkpoint with no run behind it (an imported model).
    init(checkpoint: URL) {
        self.checkpoint = checkpoint
    }

    init(path: String) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ZooError.invalidSource(path: path, reason: "no such file or directory")
        }
        if isDirectory(url) {
            let run = RunDirectory(url)
            guard FileManager.default.fileExists(atPath: run.latest.path) else {
                throw ZooError.invalidSource(path: path, reason: "the directory holds no \(RunDirectory.FileName.latest)")
            }
            do { config = try run.readConfig() } catch {
                throw ZooError.invalidSource(path: path, reason: "\(error)")
            }
            self.run = run
            checkpoint = run.latest
        } else {
            checkpoint = url
            let parent = RunDirectory(url.deletingLastPathComponent())
            if FileManager.default.fileExists(atPath: parent.config.path), let config = try? parent.readConfig() {
                run = parent
                self.config = config
            }
        }
    }

    /// A data path from the run's config: as given, else relative to the run directory or its parent.
    func locate(_ data: String) -> String {
        if data.hasPrefix("/") || FileManager.default.fileExists(atPath: data) { return data }
        for base in [run?.url, run?.url.deletingLastPathComponent()].compactMap({ $0 }) {
            let candidate = base.appendingPathComponent(data).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return data
    }
}

/// Writes the model, samples, golden tensors and README into a staging folder and returns the card.
struct ZooCardBuilder {
    let request: PublishRequest
    let version: SemanticVersion
    let source: PublishSource
    let loaded: LoadedGenerator
    let directory: URL
    let progress: ((String) -> Void)?
    var origin: ModelCard.Origin? = nil

    func build() throws -> ModelCard {
        let architecture = loaded.architecture
        let options = source.config?.options
        let trainedSize = options?.cropSize ?? loaded.metadata["crop_size"]?.intValue
        let io = loaded.network.channels
        let multiple = loaded.network.sizeMultiple

        // The model file, then everything else measured on the weights as stored.
        let modelURL = directory.appendingPathComponent(ZooLayout.modelFile)
        var metadata: [String: JSONValue] = ["framework": .string(Pix2PixZooVersion.string), "zoo_id": .string(request.id),
                                             "zoo_version": .string(version.description)]
        if let trainedSize { metadata["crop_size"] = .int(trainedSize) }
        try ModelCheckpoint.saveInference(generator: loaded.network, architecture: architecture, to: modelURL,
                                          storage: request.storage, compressionLevel: 9, metadata: metadata)
        let translator = try Translator(checkpoint: modelURL, mode: .eval, precision: request.precision)

        let trainingData = source.config.map { source.locate($0.data) }
        let datasetInfo = trainingData.flatMap { try? HDF5PairedDataset.describe(path: $0) }
        let metrics = try measure(modelURL: modelURL, trainedSize: trainedSize, multiple: multiple)
        let (samples, samplesSource, golden) = try writeSamples(translator: translator, trainingData: trainingData)

        let task = request.task ?? Self.task(transform: datasetInfo?.attributes["transform"]?.stringValue, io: io)
        let training = try source.config.map { try trainingSection($0, dataPath: trainingData!, info: datasetInfo) }
        var limitations: [String] = []
        if let t = training {
            limitations.append("Trained on \(t.pairs.map { "\($0) pairs" } ?? "the pairs") of \(t.cropSize)² crops for \(t.steps) steps (\(duration(t.wallSeconds)) on a CPU): colours and textures are plausible guesses learnt from that data, and content unlike the training photos comes out blurry or wrongly coloured.")
        }
        if let trainedSize {
            limitations.append("Trained at \(trainedSize)²: larger images are translated fully convolutionally (reflect-padded to multiples of \(multiple)), but structures larger than \(trainedSize) pixels were never seen whole.")
        }
        if metrics == nil { limitations.append("No held-out metrics: none were measured when the model was published.") }
        limitations += request.limitations

        let summary = request.summary ?? "\(task) with \(architecture.generator.name) (\(architecture.generator.parameters.grouped) parameters)\(trainedSize.map { ", trained at \($0)²" } ?? "")"
        let intendedUse = request.intendedUse
            ?? "Demonstrations and experiments with pix2pix: \(task) on images resembling the training data. Outputs are plausible guesses, not measurements: do not use them as evidence of what a scene looked like."
        let dateFormatter = ISO8601DateFormatter()
        dateFormatter.formatOptions = [.withInternetDateTime]
        dateFormatter.timeZone = TimeZone(identifier: "UTC")

        var card = ModelCard(
            schema: ModelCard.currentSchema, id: request.id, version: version, summary: summary,
            license: request.license ?? "unspecified", created: dateFormatter.string(from: request.created),
            framework: ModelCard.Framework(), task: task, architecture: ModelCard.Architecture(architecture),
            input: ModelCard.ImageSpec(channels: io.inputChannels, sizeMultiple: multiple, trainedSize: trainedSize),
            output: ModelCard.ImageSpec(channels: io.outputChannels, sizeMultiple: multiple, trainedSize: trainedSize),
            preprocessing: "Convert to \(io.inputChannels == 1 ? "gray (BT.601 luma, as OpenCV's cvtColor) when the input is RGB" : "RGB (gray replicated) when the input is gray"); reflect-pad height and width to the next multiples of \(multiple) (split evenly between the sides); map bytes to [-1, 1]. No resizing.",
            postprocessing: "Map [-1, 1] back to bytes (round((v + 1) · 127.5), clamped) and crop the padding away: the output has the input's size.",
            storage: request.storage.rawValue, training: training, metrics: metrics, golden: golden, samples: samples,
            samplesSource: samplesSource, intendedUse: intendedUse, limitations: limitations, files: [],
            precision: request.precision.rawValue, inputRecipe: Self.inputRecipe(datasetInfo), origin: origin)

        // Hashes: README lists every file but itself, the card every file but itself.
        card.files = try records(excluding: [ZooLayout.cardFile, ZooLayout.readmeFile])
        let readme = directory.appendingPathComponent(ZooLayout.readmeFile)
        try AtomicFile.write(Array(card.readme.utf8), to: readme)
        card.files = try records(excluding: [ZooLayout.cardFile])
        try AtomicFile.write(try card.encoded(), to: directory.appendingPathComponent(ZooLayout.cardFile))
        return card
    }

    /// The transform the training data records (`transform`, `transform_params`), if any.
    static func inputRecipe(_ info: HDF5Description?) -> ModelCard.InputRecipe? {
        guard let attrs = info?.attributes, let name = attrs["transform"]?.stringValue,
              let transform = PairTransform(name: name, parametersJSON: attrs["transform_params"]?.stringValue ?? "{}") else { return nil }
        return ModelCard.InputRecipe(transform)
    }

    static func task(transform: String?, io: ChannelSpec) -> String {
        switch transform {
        case "gray": return "gray → color"
        case "canny": return "edges → photo"
        case "none": return "photo → photo"
        default: return "\(io.inputChannels == 1 ? "gray" : "RGB") → \(io.outputChannels == 1 ? "gray" : "RGB") image translation"
        }
    }

    func records(excluding: Set<String>) throws -> [ModelCard.FileRecord] {
        try ZooVerifier.relativeFiles(in: directory).filter { !excluding.contains($0) }.map { path in
            let url = directory.appendingPathComponent(path)
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            return ModelCard.FileRecord(path: path, size: size, sha256: try Checksum.sha256Hex(fileAt: url))
        }
    }

    // MARK: Metrics

    func measure(modelURL: URL, trainedSize: Int?, multiple: Int) throws -> ModelCard.Metrics? {
        let fromRun = source.config?.validationData.map { source.locate($0) }
        guard let path = request.validationData ?? fromRun else { return nil }
        let split = request.validationData != nil ? (request.validationSplit ?? "val") : (request.validationSplit ?? source.config?.validationSplit ?? "val")
        let dataset: any PairedDataset
        do { dataset = try openPairedDataset(path: path, split: split, direction: request.direction ?? source.config?.options.direction ?? .aToB) } catch {
            throw ZooError.invalidSource(path: path, reason: "cannot open the validation data (split \(split)) for the card's metrics: \(error). Pass --val-data PATH [--val-split SPLIT]")
        }
        guard dataset.count > 0 else { return nil }
        let size = trainedSize ?? max(multiple, (dataset.height + multiple / 2) / multiple * multiple)
        func run(_ mode: InferenceMode) throws -> EvaluationResult {
            progress?("measuring \(mode.rawValue)-mode metrics on \(dataset.count) pairs of \(path) [\(split)]")
            let fresh = try ModelCheckpoint.loadGenerator(from: modelURL)
            let io = fresh.network.channels
            return try Evaluator.evaluate(generator: fresh.network, dataset: dataset, size: size,
                                          channelsA: io.inputChannels, channelsB: io.outputChannels, mode: mode,
                                          precision: request.precision)
        }
        let eval = try run(.eval)
        let train = request.trainModeMetrics ? try run(.train) : nil
        let outputChannels = loaded.network.channels.outputChannels
        // The mean-colour baseline takes the training set's mean B; without the training data it is left out.
        let training = source.config.flatMap { config in
            (try? openPairedDataset(path: source.locate(config.data), split: config.split, direction: config.options.direction))
        }
        let baselines = try Baselines.measure(on: dataset, training: training, size: size, channels: outputChannels)
        func card(_ b: BaselineResult?) -> ModelCard.Baseline? { b.map { ModelCard.Baseline(l1: $0.l1, psnr: $0.psnr, ssim: $0.ssim) } }
        var metrics = ModelCard.Metrics(data: request.validationData ?? source.config?.validationData ?? path, split: split,
                                        count: eval.count, size: size, eval: eval, train: train,
                                        identity: card(baselines.identity), meanColour: card(baselines.meanColour))
        if request.storage != .f32 {
            metrics.storageEffect = try storageEffect(eval, dataset: dataset, size: size)
        }
        return metrics
    }

    /// The stored model's eval-mode metrics minus those of the source weights (the checkpoint
    /// published from, as it stores them: F32 for a training run), on the same pairs.
    func storageEffect(_ stored: EvaluationResult, dataset: any PairedDataset, size: Int) throws -> ModelCard.StorageEffect {
        progress?("measuring the source weights for the card's storage effect")
        let reference = try ModelCheckpoint.loadGenerator(from: source.checkpoint)
        let io = reference.network.channels
        let r = try Evaluator.evaluate(generator: reference.network, dataset: dataset, size: size,
                                       channelsA: io.inputChannels, channelsB: io.outputChannels, mode: .eval,
                                       precision: request.precision)
        let types = try CheckpointFile(contentsOf: source.checkpoint).entries
            .filter { $0.name.hasPrefix(ModelCheckpoint.generatorPrefix) }.map(\.dtype.rawValue)
        return ModelCard.StorageEffect(reference: Set(types).sorted().joined(separator: "+"),
                                       l1: stored.l1 - r.l1, psnr: stored.psnr - r.psnr, ssim: stored.ssim - r.ssim)
    }

    // MARK: Samples and the golden pair

    func writeSamples(translator: Translator, trainingData: String?) throws -> ([ModelCard.Sample], String, ModelCard.Golden) {
        var pairs: [(a: Image, b: Image?)] = []
        var description: String
        let validation = source.config?.validationData.map { source.locate($0) }
        let candidates: [(path: String, split: String, what: String)] = {
            if let path = request.sampleData { return [(path, request.sampleSplit ?? "val", "given sample data")] }
            var list: [(String, String, String)] = []
            if let path = request.validationData { list.append((path, request.validationSplit ?? "val", "validation data")) }
            if let validation { list.append((validation, source.config?.validationSplit ?? "val", "validation data")) }
            if let trainingData { list.append((trainingData, source.config?.split ?? "train", "training data")) }
            return list
        }()
        description = "synthetic input (no sample data was available)"
        for candidate in candidates {
            let dataset: any PairedDataset
            do {
                dataset = try openPairedDataset(path: candidate.path, split: candidate.split,
                                                direction: request.direction ?? (request.sampleData == nil ? (source.config?.options.direction ?? .aToB) : .aToB))
            } catch {
                if request.sampleData != nil {
                    throw ZooError.invalidSource(path: candidate.path, reason: "cannot open the sample data (split \(candidate.split)): \(error)")
                }
                continue
            }
            guard dataset.count > 0 else { continue }
            let n = min(request.sampleCount, dataset.count)
            let indices = (0..<n).map { $0 * dataset.count / n }
            for i in indices {
                let pair = try dataset.pair(at: i)
                pairs.append((pair.a, pair.b))
            }
            let name = request.sampleData ?? candidate.path
            description = "the \(candidate.what) `\(name)`, split `\(candidate.split)`, pairs \(indices.map(String.init).joined(separator: ", "))"
            break
        }
        if pairs.isEmpty {
            pairs = [(Self.syntheticInput(size: max(translator.sizeMultiple, 64), channels: translator.inputChannels), nil)]
        }

        progress?("writing \(pairs.count) sample(s) and the golden tensors")
        var samples: [ModelCard.Sample] = []
        let folder = directory.appendingPathComponent(ZooLayout.samplesFolder)
        for (k, pair) in pairs.enumerated() {
            let output = try translator.translate(pair.a)
            let input = "\(ZooLayout.samplesFolder)/input_\(k).png", out = "\(ZooLayout.samplesFolder)/output_\(k).png"
            try AtomicFile.write(try pair.a.pngData(), to: folder.appendingPathComponent("input_\(k).png"))
            try AtomicFile.write(try output.pngData(), to: folder.appendingPathComponent("output_\(k).png"))
            var target: String?
            if let b = pair.b {
                target = "\(ZooLayout.samplesFolder)/target_\(k).png"
                try AtomicFile.write(try b.pngData(), to: folder.appendingPathComponent("target_\(k).png"))
            }
            samples.append(ModelCard.Sample(input: input, output: out, target: target))
        }
        let (tensor, _) = try translator.networkInput(pairs[0].a)
        let output = try translator.run(tensor, precision: .fp32)
        try GoldenSample.write(input: tensor, output: output, architecture: translator.architecture,
                               to: directory.appendingPathComponent(ZooLayout.goldenFile))
        let golden = ModelCard.Golden(file: ZooLayout.goldenFile, mode: InferenceMode.eval.rawValue, tolerance: 1e-3,
                                      inputShape: tensor.shape, outputShape: output.shape)
        return (samples, request.samplesDescription ?? description, golden)
    }

    /// A smooth gradient with a disc: an input for models published without any data.
    static func syntheticInput(size: Int, channels: Int) -> Image {
        Image(width: size, height: size, channels: channels) { out in
            for y in 0..<size {
                for x in 0..<size {
                    let fx = Double(x) / Double(size), fy = Double(y) / Double(size)
                    let inside = (fx - 0.5) * (fx - 0.5) + (fy - 0.5) * (fy - 0.5) < 0.06
                    for c in 0..<channels {
                        let v = inside ? 0.85 - 0.2 * Double(c) : 0.5 * (fx + fy) * (1 - 0.15 * Double(c))
                        out[(y * size + x) * channels + c] = UInt8(max(0, min(255, v * 255)))
                    }
                }
            }
        }
    }

    // MARK: Training section

    func trainingSection(_ config: TrainingRunConfig, dataPath: String, info: HDF5Description?) throws -> ModelCard.Training {
        let o = config.options
        var steps = 0, epoch = 0, seconds = 0.0
        if let progress = (try? CheckpointFile(contentsOf: source.checkpoint))?.header.sections["training"]?["progress"] {
            steps = progress["step"]?.intValue ?? 0
            epoch = progress["epoch"]?.intValue ?? 0
            seconds = progress["seconds"]?.doubleValue ?? 0
        } else if let last = try source.run?.readLog().last {
            (steps, epoch, seconds) = (last.step, last.epoch, last.seconds)
        }
        let pairs = (try? openPairedDataset(path: dataPath, split: config.split, direction: o.direction))?.count
        // Epochs run: from the step count when the data is at hand (the saved epoch counter has already
        // moved on when a run ends on an epoch boundary), else the counter, capped at the planned epochs.
        let epochs = pairs.map { n in (steps + (n + o.batchSize - 1) / o.batchSize - 1) / max(1, (n + o.batchSize - 1) / o.batchSize) }
            ?? min(epoch + 1, o.totalEpochs)
        var description: String?
        var provenance = request.provenance
        if let info, let transform = info.attributes["transform"]?.stringValue {
            let attrs = info.attributes
            let size = attrs["crop_size"]?.integerValue.map { "\($0)²" } ?? ""
            let crops = attrs["crops_per_image"]?.integerValue.map { ", \($0) crops per photo" } ?? ""
            let seed = attrs["seed"]?.integerValue.map { ", seed \($0)" } ?? ""
            let from = attrs["source_description"]?.stringValue ?? "photos"
            description = "\(transform) pairs \(size) built by `pix2pix data build`\(crops)\(seed) from \(from)"
            if provenance == nil {
                if from.hasPrefix("default photo set") {
                    provenance = "Debian packages (licence per package or file; training and held-out counts): \(from.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)). Every source file and crop square is listed in the dataset's meta/manifest."
                } else {
                    provenance = "the photos listed in the dataset's source_files attribute and meta/manifest"
                }
            }
        }
        let threads = config.command.flatMap { command -> String? in
            let words = command.split(separator: " ").map(String.init)
            guard let i = words.firstIndex(of: "--threads"), i + 1 < words.count else { return nil }
            return words[i + 1]
        }
        let hardware = request.hardware ?? "\(Self.cpuName()) with \(ProcessInfo.processInfo.activeProcessorCount) cores (the publishing machine)\(threads.map { "; trained with --threads \($0)" } ?? "")"
        return ModelCard.Training(
            data: config.data, split: config.split, pairs: pairs, dataDescription: description, provenance: provenance,
            validationData: config.validationData, validationSplit: config.validationSplit, steps: steps, epochs: epochs,
            batchSize: o.batchSize, learningRate: Double(o.learningRate), beta1: Double(o.beta1), lambdaL1: Double(o.lambdaL1),
            ganMode: o.ganMode.rawValue, objective: o.objective.rawValue, lrPolicy: o.lrPolicy.rawValue, loadSize: o.loadSize,
            cropSize: o.cropSize, flip: o.flip, seed: o.seed, hardware: hardware, wallSeconds: seconds,
            command: config.command, options: o)
    }

    /// "42 s", "12.5 minutes".
    func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : String(format: "%.1f minutes", seconds / 60)
    }

    /// The CPU's model name from /proc/cpuinfo.
    static func cpuName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
