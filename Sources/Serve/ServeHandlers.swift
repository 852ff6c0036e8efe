import Foundation
import Hummingbird
import Imaging
import Logging
import NIOCore
import Pix2Pix
import Zoo

/// The routes: the API (``ServeRoutes/api``), the pages, the card samples and the two assets.
struct ServeHandlers: Sendable {
    let configuration: ServeConfiguration
    let view: ZooView
    let service: TranslationService
    let logger: Logger

    struct Health: Codable {
        var status = "ok"
        var version = Pix2PixZooVersion.string
        var models: Int
        var running: Int
        var queued: Int
        var loadedModels: Int
        var precision: String
        var limits: Limits

        struct Limits: Codable {
            var maxBodyBytes: Int
            var maxPixels: Int
            var concurrency: Int
            var queue: Int
            var timeoutSeconds: Int
            var modelCacheBytes: Int
            enum CodingKeys: String, CodingKey {
                case maxBodyBytes = "max_body_bytes", maxPixels = "max_pixels", concurrency, queue
                case timeoutSeconds = "timeout_seconds", modelCacheBytes = "model_cache_bytes"
            }
        }

        enum CodingKeys: String, CodingKey {
            case status, version, models, running, queued, loadedModels = "loaded_models", precision, limits
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        let limits = configuration.limits
        router.get(RouterPath(ServeRoutes.health.path)) { _, _ in
            let load = service.pool.load
            let health = Health(models: view.current.entries.count, running: load.running, queued: load.queued,
                                loadedModels: service.cache.idleCount, precision: configuration.precision.rawValue,
                                limits: .init(maxBodyBytes: limits.maxBodyBytes, maxPixels: limits.pixelBudget.maxPixels,
                                              concurrency: limits.maxConcurrent, queue: limits.queueLength,
                                              timeoutSeconds: Int(limits.requestTimeout.components.seconds),
                                              modelCacheBytes: limits.modelCacheBytes))
            return Self.json(ServeJSON.encode(health))
        }
        router.get(RouterPath(ServeRoutes.openAPI.path)) { _, _ in
            Self.json(ServeJSON.encode(any: ServeRoutes.document(limits: limits, version: Pix2PixZooVersion.string)))
        }
        router.get(RouterPath(ServeRoutes.models.path)) { _, _ in
            Self.json(ServeJSON.encode(view.current.index))
        }
        router.get(RouterPath(ServeRoutes.model.path)) { _, context in
            let entry = try view.entry(try Self.reference(context))
            return Self.json(ServeJSON.encode(entry.card))
        }
        router.post(RouterPath(ServeRoutes.translate.path)) { request, context in
            try await translate(request, context: context)
        }

        // Pages.
        router.get("/") { _, _ in
            let snapshot = view.current
            return Self.html(Pages.index(snapshot.entries, index: snapshot.index))
        }
        router.get("/models/{ref}") { _, context in
            Self.html(Pages.model(try view.entry(try Self.reference(context))))
        }
        router.get("/models/{ref}/samples/{index}/{kind}") { _, context in
            let entry = try view.entry(try Self.reference(context))
            let samples = entry.card.samples
            // The index picks one of the card's samples; the file is the one the card names
            // (checked to stay inside its version folder when the zoo was scanned).
            guard let k = context.parameters.get("index", as: Int.self), samples.indices.contains(k),
                  let kind = context.parameters.get("kind") else { throw ServeError.notFound(path: "sample") }
            let path: String?
            switch kind {
            case "input": path = samples[k].input
            case "output": path = samples[k].output
            case "target": path = samples[k].target
            default: path = nil
            }
            guard let path, let data = FileManager.default.contents(atPath: entry.directory.appendingPathComponent(path).path) else {
                throw ServeError.notFound(path: "sample \(k) \(kind) of \(entry.reference)")
            }
            return Response(status: .ok, headers: [.contentType: path.hasSuffix(".png") ? "image/png" : "image/jpeg", .cacheControl: "max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/assets/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Assets.style)))
        }
        router.get("/assets/app.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Assets.script)))
        }
    }

    /// `POST /api/models/{ref}/translate`.
    func translate(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let limits = configuration.limits
        let entry = try view.entry(try Self.reference(context))
        let query = request.uri.queryParameters.map { (key: String($0.key), value: String($0.value)) }
        let options = try TranslateOptions(query: query)
        // The declared length first: an oversized body is refused before a byte of it is read.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            throw ServeError.bodyTooLarge(declared: length, limit: limits.maxBodyBytes)
        }
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limits.maxBodyBytes) } catch is NIOTooManyBytesError {
            throw ServeError.bodyTooLarge(declared: nil, limit: limits.maxBodyBytes)
        }
        let upload = try Upload.parse(contentType: request.headers[.contentType], body: Array(buffer.readableBytesView),
                                      budget: limits.pixelBudget)
        let result = try await service.translate(entry, upload: upload, options: options)
        var headers: HTTPFields = [
            .contentType: result.contentType,
            .cacheControl: "no-store",
            .contentDisposition: "inline; filename=\"\(entry.id)-\(entry.version)-\(result.pairs == nil ? "output" : "grid").\(result.contentType == "image/jpeg" ? "jpg" : "png")\"",
        ]
        headers[.init("X-Translation-Seconds")!] = String(format: "%.3f", result.seconds)
        headers[.init("X-Image-Size")!] = "\(result.width)x\(result.height)"
        headers[.init("X-Model")!] = entry.reference
        if let pairs = result.pairs, let rows = result.rows {
            headers[.init("X-Pairs")!] = String(pairs)
            headers[.init("X-Grid-Rows")!] = String(rows)
        }
        logger.info("translated with \(entry.reference) (\(options.mode.rawValue)): \(result.width)x\(result.height) in \(String(format: "%.2f", result.seconds)) s")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.bytes)))
    }

    /// The `{ref}` path parameter, percent-decoded (`%40` is `@`). It is only ever compared with
    /// the zoo's ids.
    static func reference(_ context: BasicRequestContext) throws -> String {
        guard let raw = context.parameters.get("ref") else { throw ServeError.notFound(path: "model") }
        return raw.removingPercentEncoding ?? raw
    }

    static func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
