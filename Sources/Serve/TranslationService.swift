import Foundation
import Imaging
import Pix2Pix
import Zoo

/// How one translate request asked for its result (its query string).
struct TranslateOptions: Equatable, Sendable {
    enum OutputFormat: String, Sendable { case png, jpg }
    var format: OutputFormat = .png
    var mode: InferenceMode = .eval
    var preprocess: InputPreparation.Preprocess = .none
    var edges: InputPreparation.EdgePolarity?

    static let keys = ["format", "mode", "preprocess", "edges"]

    /// Parses the query parameters; unknown keys and values are 400s that list what is accepted.
    init(query: [(key: String, value: String)]) throws {
        for (key, value) in query {
            func bad(_ accepted: String) -> ServeError {
                .badRequest(reason: "?\(key)=\(value) is not accepted", hint: "\(key) takes \(accepted)")
            }
            switch key {
            case "format":
                switch value.lowercased() {
                case "png": format = .png
                case "jpg", "jpeg": format = .jpg
                default: throw bad("png or jpg")
                }
            case "mode":
                guard let m = InferenceMode(rawValue: value) else { throw bad("eval (dropout off, running statistics) or train (the paper's test setting)") }
                mode = m
            case "preprocess":
                guard let p = InputPreparation.Preprocess(rawValue: value) else { throw bad("none, gray or canny") }
                preprocess = p
            case "edges":
                guard let e = InputPreparation.EdgePolarity(rawValue: value) else { throw bad("black-on-white or white-on-black") }
                edges = e
            default:
                throw ServeError.badRequest(reason: "unknown query parameter \"\(key)\"", hint: "translate takes \(Self.keys.joined(separator: ", "))")
            }
        }
    }

    init() {}
}

/// A finished translation.
struct TranslationResult: Sendable {
    var bytes: [UInt8]
    var contentType: String
    var width: Int
    var height: Int
    /// Time on the translation thread: decoding, translating (loading the model when needed) and encoding.
    var seconds: Double
    /// HDF5 uploads: the pairs translated, and how many rows the grid shows.
    var pairs: Int? = nil
    var rows: Int? = nil
}

/// Translations for the HTTP handlers: images in the server's process through the zoo's
/// ``Translator`` (the code `pix2pix translate` runs, tiles included), HDF5 files in a child
/// `pix2pix translate` process.
final class TranslationService: Sendable {
    let configuration: ServeConfiguration
    let cache: ModelCache
    let pool: TranslationPool

    init(configuration: ServeConfiguration) {
        self.configuration = configuration
        let limits = configuration.limits
        cache = ModelCache(limitBytes: limits.modelCacheBytes, precision: configuration.precision)
        pool = TranslationPool(workers: limits.maxConcurrent, queueLimit: limits.queueLength,
                               threadsPerJob: configuration.translationThreads)
    }

    /// The preparation the options ask for, checked against the model's card before anything is queued.
    func preparation(for entry: ZooEntry, options: TranslateOptions) throws -> InputPreparation {
        do {
            return try InputPreparation(preprocess: options.preprocess, edges: options.edges, card: entry.card, model: entry.reference)
        } catch let error as ZooError {
            if case let .unsupportedInput(_, reason) = error {
                // The library speaks of command-line flags; here they are query parameters.
                let parts = reason.replacingOccurrences(of: "--", with: "?").components(separatedBy: ". Hint: ")
                throw ServeError.badRequest(reason: parts[0], hint: parts.count > 1 ? parts[1] : "drop the parameter")
            }
            throw error
        }
    }

    func translate(_ entry: ZooEntry, upload: Upload, options: TranslateOptions) async throws -> TranslationResult {
        let preparation = try preparation(for: entry, options: options)
        let budget = configuration.limits.pixelBudget
        switch upload {
        case let .image(bytes, _):
            let cache = self.cache
            let hold = configuration.holdSeconds
            return try await pool.run(timeout: configuration.limits.requestTimeout) {
                if hold > 0 { Thread.sleep(forTimeInterval: hold) }
                let start = Date()
                let image: Image
                do { image = try preparation.apply(to: try Image.decode(bytes, name: "upload", budget: budget)) } catch let error as ImagingError {
                    throw ServeError.from(error)
                }
                let output: Image
                do {
                    output = try cache.with(entry, mode: options.mode) { try $0.translate(image) }
                } catch let error as ZooError {
                    throw ServeError.modelFailed(reference: entry.reference, reason: "\(error)")
                }
                let encoded = options.format == .jpg ? try output.jpegData(quality: 95) : try output.pngData()
                return TranslationResult(bytes: encoded, contentType: options.format == .jpg ? "image/jpeg" : "image/png",
                                         width: output.width, height: output.height, seconds: Date().timeIntervalSince(start))
            }
        case let .hdf5(bytes):
            guard let worker = configuration.hdf5Worker else {
                throw ServeError.unsupportedMediaType(found: "application/x-hdf5", reason: "this server translates no HDF5 files (no pix2pix executable was given to run them)")
            }
            if options.preprocess != .none || options.edges != nil {
                throw ServeError.badRequest(reason: "?preprocess and ?edges apply to images; HDF5 files already hold the model's inputs",
                                            hint: "send the HDF5 file without them")
            }
            let job = HDF5Job(worker: worker, entry: entry, mode: options.mode, precision: configuration.precision,
                              budget: budget, maxRows: configuration.limits.maxGridRows,
                              timeout: configuration.limits.requestTimeout)
            return try await pool.run(timeout: configuration.limits.requestTimeout + .seconds(5)) { try job.run(bytes) }
        }
    }
}
