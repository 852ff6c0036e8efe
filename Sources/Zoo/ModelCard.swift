import Base
import Checkpoint
import Foundation
import Imaging
import Pix2Pix

/// The model card of a published model (`card.json`): what the model does, how it was made, how
/// well it does on held-out data, what not to use it for, and the SHA-256 and size of every file
/// of the model directory (except the card itself).
///
/// Keys are snake_case; `README.md` is generated from the card (``ModelCard/readme``).
public struct ModelCard: Codable, Sendable, Equatable {
    /// The card schema this library writes.
    /// Schema 2 (2.0 of the card): `input_recipe`, and the first-screen README layout.
    public static let currentSchema = 2

    public var schema: Int
    public var id: String
    public var version: SemanticVersion
    /// One line.
    public var summary: String
    /// The model's license (SPDX id or free text).
    public var license: String
    /// ISO 8601, UTC.
    public var created: String
    public var framework: Framework
    /// What is translated into what, e.g. "gray → color".
    public var task: String
    public var architecture: Architecture
    public var input: ImageSpec
    public var output: ImageSpec
    /// How an image becomes the network's input (channels, padding, value mapping).
    public var preprocessing: String
    /// How the network's output becomes an image.
    public var postprocessing: String
    /// Storage type of `model.pzck`'s tensors (F32, F16, BF16, or Q8, whose biases and batch-norm
    /// tensors are F32).
    public var storage: String
    /// nil when the model was published from a bare checkpoint with no run directory.
    public var training: Training?
    /// Metrics on held-out data, nil when none was available.
    public var metrics: Metrics?
    /// The input / output tensor pair `zoo verify` reproduces.
    public var golden: Golden
    public var samples: [Sample]
    /// Where the sample inputs came from.
    public var samplesSource: String
    public var intendedUse: String
    public var limitations: [String]
    /// Every file of the model directory except `card.json`, sorted by path.
    public var files: [FileRecord]
    /// The arithmetic of the convolutions the metrics and samples were computed in ("fp32" or
    /// "bf16"); nil on cards written before it was recorded, whose numbers are fp32.
    public var precision: String? = nil
    /// How the training inputs were made from photos (`pix2pix data build`'s transform), when the
    /// training data recorded it: `translate --preprocess` repeats it on a user's photos. nil on
    /// cards written before it was recorded.
    public var inputRecipe: InputRecipe? = nil

    /// Where a model imported from another framework came from (`pix2pix zoo import`); nil for
    /// models trained with Pix2PixZoo.
    public var origin: Origin? = nil

    enum CodingKeys: String, CodingKey {
        case schema, id, version, summary, license, created, framework, task, architecture, input, output, preprocessing, postprocessing, storage, training, metrics, golden, samples, samplesSource = "samples_source", intendedUse = "intended_use", limitations, files, precision
        case inputRecipe = "input_recipe", origin
    }

    /// The transform that made the model's training inputs from photos.
    public struct InputRecipe: Codable, Sendable, Equatable {
        /// "gray", "canny" or "none".
        public var transform: String
        /// The Canny settings, for "canny" (thresholds, aperture, blur, polarity).
        public var canny: CannyOptions?

        public init(_ transform: PairTransform) {
            self.transform = transform.name
            if case let .canny(options) = transform { canny = options } else { canny = nil }
        }

        public var pairTransform: PairTransform? {
            switch transform {
            case "gray": return .gray
            case "none": return PairTransform.none
            case "canny": return canny.map { .canny($0) }
            default: return nil
            }
        }

        /// One line for cards: what a user's input must look like, and how translate makes it.
        public var inputDescription: String {
            switch transform {
            case "gray":
                return "a gray (luma) photo; colour photos are converted with BT.601 luma, as the training inputs were"
            case "canny":
                guard let o = canny else { return "a Canny edge map" }
                let blur = o.blurKernel > 1 ? "a \(o.blurKernel)×\(o.blurKernel) Gaussian blur, then " : "no blur, "
                let polarity = o.invert ? "black edges (0) on white (255)" : "white edges (255) on black (0)"
                return "a binary edge map, \(polarity), as `pix2pix data build --transform canny` made the training inputs: \(blur)Canny with thresholds \(Format.trimmed(o.lowThreshold, 2)) / \(Format.trimmed(o.highThreshold, 2)), aperture \(o.aperture)\(o.l2Gradient ? ", L2 gradient" : ""). From a photo: `translate --preprocess canny`; white-on-black drawings: add `--edges \(o.invert ? "white-on-black" : "black-on-white")`"
            default:
                return "an image with the model's input channels"
            }
        }
    }

    /// The file an imported model was read from, and how.
    public struct Origin: Codable, Sendable, Equatable {
        /// The format read, e.g. "PyTorch .pth, zip archive (torch ≥ 1.6)".
        public var format: String
        /// The file's name (without its folder).
        public var file: String
        public var size: Int
        /// SHA-256 of the original file, so anyone can check it is the one published elsewhere.
        public var sha256: String
        /// The code that defined the network and its flags.
        public var reference: String
        /// How the file's state-dict keys became ours.
        public var keyMapping: String
        /// Keys of the file dropped by rule (BatchNorm's `num_batches_tracked`, …).
        public var droppedKeys: [String]
        /// Which half of an aligned A|B pair is the input (the reference's `--direction`).
        public var direction: String
        /// The test-time mode (batch norm and dropout) the card's metrics and samples used, and the reference's.
        public var testMode: String

        public init(format: String, file: String, size: Int, sha256: String, reference: String, keyMapping: String,
                    droppedKeys: [String], direction: String, testMode: String) {
            self.format = format
            self.file = file
            self.size = size
            self.sha256 = sha256
            self.reference = reference
            self.keyMapping = keyMapping
            self.droppedKeys = droppedKeys
            self.direction = direction
            self.testMode = testMode
        }

        enum CodingKeys: String, CodingKey {
            case format, file, size, sha256, reference, keyMapping = "key_mapping", droppedKeys = "dropped_keys", direction
            case testMode = "test_mode"
        }
    }

    public struct Framework: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String = "Pix2PixZoo", version: String = Pix2PixZooVersion.string) {
            self.name = name
            self.version = version
        }
    }

    /// A network as the registry builds it.
    public struct Network: Codable, Sendable, Equatable {
        /// Registry name (`unet_64`).
        public var name: String
        public var family: String
        /// The full config the network was built from.
        public var config: JSONValue
        public var parameters: Int

        public init(name: String, family: String, config: JSONValue, parameters: Int) {
            self.name = name
            self.family = family
            self.config = config
            self.parameters = parameters
        }

        init(_ n: ModelArchitecture.Network) {
            self.init(name: n.name, family: n.family, config: n.config, parameters: n.parameters)
        }
    }

    public struct Architecture: Codable, Sendable, Equatable {
        public var generator: Network
        /// The discriminator it was trained against (not in `model.pzck`).
        public var discriminator: Network?
        /// Whether D saw (A, B) (pix2pix) or B alone.
        public var conditional: Bool

        public init(_ a: ModelArchitecture) {
            generator = Network(a.generator)
            discriminator = a.discriminator.map(Network.init)
            conditional = a.conditional
        }
    }

    /// The generator's input or output images.
    public struct ImageSpec: Codable, Sendable, Equatable {
        public var channels: Int
        /// "gray" or "rgb".
        public var color: String
        /// Height and width of the network's tensors are multiples of this (translation pads to it).
        public var sizeMultiple: Int
        /// The side the model was trained at, when known.
        public var trainedSize: Int?
        /// The network's value range.
        public var valueRange: [Double]
        /// How 8-bit values map to it.
        public var encoding: String

        enum CodingKeys: String, CodingKey {
            case channels, color, sizeMultiple = "size_multiple", trainedSize = "trained_size", valueRange = "value_range", encoding
        }

        public init(channels: Int, sizeMultiple: Int, trainedSize: Int?) {
            self.channels = channels
            color = channels == 1 ? "gray" : "rgb"
            self.sizeMultiple = sizeMultiple
            self.trainedSize = trainedSize
            valueRange = [-1, 1]
            encoding = "byte b ↦ b / 127.5 − 1 (0 ↦ −1, 255 ↦ 1); back: round((v + 1) · 127.5), clamped"
        }
    }

    /// How the model was trained.
    public struct Training: Codable, Sendable, Equatable {
        /// The training data as given (path).
        public var data: String
        public var split: String
        /// Pairs in the training split.
        public var pairs: Int?
        /// What the data is (from the dataset's own description when it has one).
        public var dataDescription: String?
        /// Where the data came from and under which terms.
        public var provenance: String?
        public var validationData: String?
        public var validationSplit: String?
        public var steps: Int
        /// Epochs started (a step budget may end inside one).
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        public var beta1: Double
        public var lambdaL1: Double
        public var ganMode: String
        public var objective: String
        public var lrPolicy: String
        public var loadSize: Int
        public var cropSize: Int
        public var flip: Bool
        public var seed: UInt64
        public var hardware: String
        /// Seconds spent in training steps (across resumes).
        public var wallSeconds: Double
        /// The exact command that started the run.
        public var command: String?
        /// Every option, as `config.json` holds them.
        public var options: TrainingOptions

        enum CodingKeys: String, CodingKey {
            case data, split, pairs, dataDescription = "data_description", provenance, validationData = "validation_data", validationSplit = "validation_split", steps, epochs, batchSize = "batch_size", learningRate = "learning_rate", beta1, lambdaL1 = "lambda_l1", ganMode = "gan_mode", objective, lrPolicy = "lr_policy", loadSize = "load_size", cropSize = "crop_size", flip, seed, hardware, wallSeconds = "wall_seconds", command, options
        }
    }

    /// Metrics of the published generator (as stored, e.g. F16) on held-out data.
    public struct Metrics: Codable, Sendable, Equatable {
        public var data: String
        public var split: String
        public var count: Int
        /// The side pairs were resized to.
        public var size: Int
        /// Eval mode (dropout off, running statistics).
        public var eval: EvaluationResult
        /// Train mode (dropout on, batch statistics), as the paper tested.
        public var train: EvaluationResult?
        /// The same metrics for the input itself as the output (converted to the output's
        /// channels): what the model has to beat.
        public var identity: Baseline?
        /// The same metrics for a flat image of the training set's mean output colour (nil when
        /// the training data was not available, and in cards written before it was measured).
        public var meanColour: Baseline?

        /// What the storage type cost: eval-mode metrics of the stored weights minus those of the
        /// source weights, both measured at publish time on these pairs; nil for F32 storage and
        /// on cards written before it was recorded.
        public var storageEffect: StorageEffect? = nil

        public init(data: String, split: String, count: Int, size: Int, eval: EvaluationResult, train: EvaluationResult?,
                    identity: Baseline?, meanColour: Baseline? = nil, storageEffect: StorageEffect? = nil) {
            self.data = data
            self.split = split
            self.count = count
            self.size = size
            self.eval = eval
            self.train = train
            self.identity = identity
            self.meanColour = meanColour
            self.storageEffect = storageEffect
        }

        enum CodingKeys: String, CodingKey {
            case data, split, count, size, eval, train, identity, meanColour = "mean_colour", storageEffect = "storage_effect"
        }
    }

    /// Eval-mode metrics of the published (stored) model minus those of the weights it was
    /// published from: negative L1 and positive PSNR / SSIM differences mean the stored model scored
    /// better.
    public struct StorageEffect: Codable, Sendable, Equatable {
        /// The source weights' storage, e.g. "F32".
        public var reference: String
        public var l1: Double
        public var psnr: Double
        public var ssim: Double

        public init(reference: String, l1: Double, psnr: Double, ssim: Double) {
            self.reference = reference
            self.l1 = l1
            self.psnr = psnr
            self.ssim = ssim
        }
    }

    /// Mean L1 / PSNR / SSIM of a baseline.
    public struct Baseline: Codable, Sendable, Equatable {
        public var l1: Double
        public var psnr: Double
        public var ssim: Double
    }

    /// The golden input / output pair: `file` holds tensors `input` and `output` (NHWC, F32).
    public struct Golden: Codable, Sendable, Equatable {
        public var file: String
        public var mode: String
        /// Largest allowed |difference| of any output value.
        public var tolerance: Double
        public var inputShape: [Int]
        public var outputShape: [Int]

        enum CodingKeys: String, CodingKey {
            case file, mode, tolerance, inputShape = "input_shape", outputShape = "output_shape"
        }
    }

    /// One sample: paths relative to the model directory.
    public struct Sample: Codable, Sendable, Equatable {
        public var input: String
        public var output: String
        public var target: String?
    }

    /// Path (relative to the model directory), size and SHA-256 of a file.
    public struct FileRecord: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int
        public var sha256: String
    }

    /// The model's `id@version`.
    public var reference: String { "\(id)@\(version)" }

    // MARK: Encoding

    /// The card as written to `card.json`: sorted keys, pretty-printed, trailing newline.
    public func encoded() throws -> [UInt8] {
        try ZooJSON.encode(self)
    }

    /// Reads a card; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> ModelCard {
        do {
            let card = try ZooJSON.decoder.decode(ModelCard.self, from: data)
            guard card.schema <= currentSchema else {
                throw ZooError.invalidCard(path: path, reason: "card schema \(card.schema) is newer than this library's (\(currentSchema)); upgrade Pix2PixZoo")
            }
            return card
        } catch let error as ZooError {
            throw error
        } catch {
            throw ZooError.invalidCard(path: path, reason: ZooJSON.describe(error))
        }
    }

    /// Reads `card.json` of a model directory.
    public static func read(from directory: URL) throws -> ModelCard {
        let url = directory.appendingPathComponent(ZooLayout.cardFile)
        if let kind = FileKind.of(url.path), kind != .regularFile {  // stat first: a FIFO would block the read
            throw ZooError.invalidCard(path: url.path, reason: "it is \(kind), not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ZooError.invalidCard(path: url.path, reason: "the file is missing or unreadable")
        }
        return try decode(data, path: url.path)
    }
}
