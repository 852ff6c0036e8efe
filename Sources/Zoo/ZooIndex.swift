import Foundation

/// `index.json` at the root of a zoo: one entry per model id, versions in semver order, generated
/// from the model cards alone — so regenerating it from the same cards gives the same bytes, and
/// `zoo verify` can compare the file with a fresh one.
public struct ZooIndex: Codable, Sendable, Equatable {
    public static let formatName = "pix2pixzoo-index"
    public static let currentFormatVersion = 1

    public var format: String
    public var formatVersion: Int
    /// Sorted by id.
    public var models: [Model]

    public struct Model: Codable, Sendable, Equatable {
        public var id: String
        /// The highest version.
        public var latest: String
        /// Ascending semver order.
        public var versions: [Version]
    }

    /// What `zoo list` shows without opening the cards.
    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        /// `<id>/<version>`, relative to the zoo root.
        public var path: String
        public var summary: String
        public var task: String
        public var license: String
        public var created: String
        public var generator: String
        public var parameters: Int
        public var storage: String
        public var inputChannels: Int
        public var outputChannels: Int
        public var modelSize: Int
        public var modelSha256: String
        public var cardSha256: String
        /// Eval-mode metrics on held-out data, when the card has them.
        public var metrics: Metrics?

        enum CodingKeys: String, CodingKey {
            case version, path, summary, task, license, created, generator, parameters, storage
            case inputChannels = "input_channels", outputChannels = "output_channels", modelSize = "model_size"
            case modelSha256 = "model_sha256", cardSha256 = "card_sha256", metrics
        }
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var count: Int
        public var l1: Double
        public var psnr: Double
        public var ssim: Double
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", models
    }

    /// The index of `entries` (any order; each entry's card and `card.json` checksum).
    public init(entries: [(card: ModelCard, cardSHA256: String)]) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        let byID = Dictionary(grouping: entries, by: { $0.card.id })
        models = byID.keys.sorted().map { id in
            let versions = byID[id]!.sorted { $0.card.version < $1.card.version }.map { card, sha -> Version in
                let model = card.files.first { $0.path == ZooLayout.modelFile }
                return Version(version: card.version.description, path: "\(id)/\(card.version)", summary: card.summary,
                               task: card.task, license: card.license, created: card.created,
                               generator: card.architecture.generator.name, parameters: card.architecture.generator.parameters,
                               storage: card.storage, inputChannels: card.input.channels, outputChannels: card.output.channels,
                               modelSize: model?.size ?? 0, modelSha256: model?.sha256 ?? "", cardSha256: sha,
                               metrics: card.metrics.map { Metrics(count: $0.count, l1: $0.eval.l1, psnr: $0.eval.psnr, ssim: $0.eval.ssim) })
            }
            return Model(id: id, latest: versions.last!.version, versions: versions)
        }
    }

    /// The bytes of `index.json`.
    public func encoded() throws -> [UInt8] { try ZooJSON.encode(self) }

    public static func decode(_ data: Data, path: String) throws -> ZooIndex {
        do { return try JSONDecoder().decode(ZooIndex.self, from: data) } catch {
            throw ZooError.invalidIndex(path: path, reason: ZooJSON.describe(error))
        }
    }
}
