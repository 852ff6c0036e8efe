import Foundation
import Hummingbird
import Imaging
import Zoo

/// Everything a request can be refused for. Each case knows its HTTP status and becomes the JSON
/// body `{"error": …, "hint": …}` (plus `suggestions` for unknown models), so a program reads the
/// same words a person sees on the page.
public enum ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400: the body is not a readable image (corrupt, truncated, a PNG signature on other bytes).
    case badImage(reason: String)
    /// 400: a query parameter or form field the endpoint does not accept.
    case badRequest(reason: String, hint: String)
    /// 404: no model of that id (ids are looked up in the zoo's index, never used as paths).
    case unknownModel(reference: String, suggestions: [String])
    /// 404: the id exists, the version does not.
    case unknownVersion(id: String, version: String, available: [String])
    /// 404: no such page, route or sample.
    case notFound(path: String)
    /// 413: the body is larger than the cap (`declared` from Content-Length, nil when counted while reading).
    case bodyTooLarge(declared: Int?, limit: Int)
    /// 413: the image's header declares more pixels than the budget; nothing was decoded.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// 415: a content type (or content) that is not PNG, JPEG, HDF5 or multipart.
    case unsupportedMediaType(found: String, reason: String)
    /// 503: every translation slot is busy and the queue is full.
    case busy(running: Int, queued: Int, retryAfter: Int)
    /// 503: the translation did not finish within the per-request timeout.
    case timedOut(seconds: Int, retryAfter: Int)
    /// 500: the model could not be loaded or run (its files fail verification, …).
    case modelFailed(reference: String, reason: String)
    /// 400: an uploaded HDF5 file could not be translated (the child process's words).
    case hdf5Failed(reason: String)
    /// 500: anything unexpected (logged by the server).
    case internalError(reason: String)

    /// The HTTP status.
    public var status: HTTPResponse.Status {
        switch self {
        case .badImage, .badRequest, .hdf5Failed: return .badRequest
        case .unknownModel, .unknownVersion, .notFound: return .notFound
        case .bodyTooLarge, .tooManyPixels: return .contentTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .busy, .timedOut: return .serviceUnavailable
        case .modelFailed, .internalError: return .internalServerError
        }
    }

    /// Seconds a client should wait before trying again (503 only).
    public var retryAfter: Int? {
        switch self {
        case let .busy(_, _, s), let .timedOut(_, s): return s
        default: return nil
        }
    }

    /// What went wrong, one sentence.
    public var message: String {
        switch self {
        case let .badImage(reason): return "the body is not a readable image: \(reason)"
        case let .badRequest(reason, _): return reason
        case let .unknownModel(reference, _): return "no model \"\(reference)\" in the zoo"
        case let .unknownVersion(id, version, available):
            return "model \"\(id)\" has no version \(version); available: \(available.joined(separator: ", "))"
        case let .notFound(path): return "nothing at \(path)"
        case let .bodyTooLarge(declared, limit):
            let size = declared.map { "\(Self.mebibytes($0)) MiB" } ?? "more"
            return "the body is \(size), over the \(Self.mebibytes(limit)) MiB limit; it was not read"
        case let .tooManyPixels(width, height, limit):
            return "the image declares \(width)×\(height) pixels (\(Self.megapixels(width * height)) MP), over the \(Self.megapixels(limit)) MP limit; it was not decoded"
        case let .unsupportedMediaType(found, reason): return "unsupported content (\(found)): \(reason)"
        case let .busy(running, queued, _):
            return "the server is busy: \(running) translation(s) running and \(queued) waiting, the most it takes"
        case let .timedOut(seconds, _): return "the translation did not finish within \(seconds) s"
        case let .modelFailed(reference, reason): return "\(reference) could not be run: \(reason)"
        case let .hdf5Failed(reason): return "the HDF5 file could not be translated: \(reason)"
        case let .internalError(reason): return "internal error: \(reason)"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .badImage: return "send the bytes of a PNG or JPEG file (the body itself, or a multipart form field named image)"
        case let .badRequest(_, hint): return hint
        case let .unknownModel(_, suggestions):
            return suggestions.isEmpty ? "GET /api/models lists the models" : "did you mean \(suggestions.map { "\"\($0)\"" }.joined(separator: " or "))? GET /api/models lists the models"
        case .unknownVersion: return "omit @VERSION for the latest version"
        case .notFound: return "the pages are / and /models/ID; GET /openapi.json describes the API"
        case .bodyTooLarge: return "send a smaller file, or start the server with a larger --max-body-mb"
        case .tooManyPixels: return "downscale the image, or start the server with a larger --max-megapixels"
        case .unsupportedMediaType: return "send image/png, image/jpeg, an HDF5 pair file (application/x-hdf5) or multipart/form-data with an image field"
        case .busy: return "retry after the Retry-After seconds; the server's --concurrency and --queue set how many requests it takes"
        case .timedOut: return "send a smaller image, or start the server with a longer --timeout"
        case .modelFailed: return "run `pix2pix zoo verify` on the zoo and republish the model"
        case .hdf5Failed: return "check the file with `pix2pix data inspect FILE`; it must hold pairs in our layout or a seed layout"
        case .internalError: return "the server's log has the details; please report it"
        }
    }

    public var description: String { "\(message). Hint: \(hint)" }

    /// The JSON body.
    struct Body: Codable, Sendable, Equatable {
        var error: String
        var hint: String
        var suggestions: [String]?
    }

    var body: Body {
        var suggestions: [String]? = nil
        if case let .unknownModel(_, s) = self { suggestions = s }
        return Body(error: message, hint: hint, suggestions: suggestions)
    }

    static func mebibytes(_ bytes: Int) -> String {
        let v = Double(bytes) / Double(1 << 20)
        return v >= 10 ? String(format: "%.0f", v) : String(format: "%.1f", v)
    }

    static func megapixels(_ pixels: Int) -> String {
        let v = Double(pixels) / 1e6
        return v >= 10 ? String(format: "%.0f", v) : String(format: "%.2f", v)
    }

    /// The request error for a zoo lookup failure.
    static func from(_ error: ZooError, reference: String) -> ServeError {
        switch error {
        case let .unknownModel(_, _, suggestions): return .unknownModel(reference: reference, suggestions: suggestions)
        case let .unknownVersion(id, version, available): return .unknownVersion(id: id, version: version, available: available)
        case .invalidReference, .invalidVersion: return .unknownModel(reference: reference, suggestions: [])
        default: return .modelFailed(reference: reference, reason: "\(error)")
        }
    }

    /// The request error for an image the codecs refuse.
    static func from(_ error: ImagingError) -> ServeError {
        switch error {
        case let .overBudget(_, _, width, height, _, maxPixels): return .tooManyPixels(width: width, height: height, limit: maxPixels)
        case let .unsupported(_, reason): return .unsupportedMediaType(found: "image", reason: reason)
        case let .corrupt(_, format, reason): return .badImage(reason: "not a readable \(format) file: \(reason)")
        default: return .badImage(reason: "\(error)")
        }
    }
}

extension ServeError: HTTPResponseError {
    public var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ServeJSON.encode(body))))
    }
}
