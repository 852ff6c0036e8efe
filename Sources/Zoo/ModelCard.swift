import Base
import Checkpoint
import Foundation
import Pix2Pix

/// The model card of a published model (`card.json`): what the model does, how it was made, how
/// well it does on held-out data, what not to use it for, and the SHA-256 and size of every file
/// of the model directory (except the card itself).
///
/// Keys are snake_case; `README.md` is generated from the card (``ModelCard/readme``).
public struct ModelCard: Codable, Sendable, Equatable {
    /// The card schema this library writes.
    public static let currentSchema = 1

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
    /// Storage type of `model.pzck`'s tensors (F32, F16, BF16).
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

    enum CodingKeys: String, CodingKey {
        case schema, id, version, summary, license, created, framework, task, architecture, input, output, preprocessing, postprocessing, storage, training, metrics, golden, samples, samplesSource = "samples_source", intendedUse = "intended_use", limitations, files, precision
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

        public init(data: String, split: String, count: Int, size: Int, eval: EvaluationResult, train: EvaluationResult?,
                    identity: Baseline?, meanColour: Baseline? = nil) {
            self.data = data
            self.split = split
            self.count = count
            self.size = size
            self.eval = eval
            self.train = train
            self.identity = identity
            self.meanColour = meanColour
        }

        enum CodingKeys: String, CodingKey {
            case data, split, count, size, eval, train, identity, meanColour = "mean_colour"
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
