import Foundation
import Imaging

/// What a translate request carries, told from its content type and its first bytes.
enum Upload: Equatable {
    /// PNG or JPEG bytes and what their header declares.
    case image(bytes: [UInt8], info: ImageInfo)
    /// An HDF5 pair file.
    case hdf5(bytes: [UInt8])

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Content types accepted as a whole body (the bytes decide between them).
    static let bodyTypes: Set<String> = ["image/png", "image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream",
                                         "application/x-hdf5", "application/x-hdf", "application/hdf5"]

    /// Reads a request body.
    /// - Parameters:
    ///   - contentType: the `Content-Type` header (nil: told from the bytes).
    ///   - budget: the pixel cap, checked against the image header here, before anything decodes.
    /// - Throws: ``ServeError`` 400 (unreadable image, multipart without a file), 413 (over the
    ///   pixel cap) or 415 (another content type, or bytes that are no image).
    static func parse(contentType: String?, body: [UInt8], budget: PixelBudget) throws -> Upload {
        let media = contentType.map(MediaType.init)
        var bytes = body
        var declared = media?.type
        if let media, media.type == "multipart/form-data" {
            guard let boundary = media.parameters["boundary"], !boundary.isEmpty else {
                throw ServeError.badRequest(reason: "multipart/form-data without a boundary", hint: "let the client build the form (curl -F image=@photo.png)")
            }
            let part = try Multipart.filePart(in: body, boundary: boundary)
            bytes = part.bytes
            declared = part.contentType.map { MediaType($0).type }
        } else if let declared, !bodyTypes.contains(declared) {
            throw ServeError.unsupportedMediaType(found: declared, reason: "the body must be a PNG or JPEG image, an HDF5 pair file or a multipart form")
        }
        if bytes.starts(with: hdf5Signature) { return .hdf5(bytes: bytes) }
        let looksLikeImage = bytes.starts(with: pngSignature) || bytes.starts(with: [0xFF, 0xD8, 0xFF])
        if !looksLikeImage {
            let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            if bytes.isEmpty { throw ServeError.badImage(reason: "the body is empty") }
            // A body that says it is an image but is not one is a bad image; anything else is not a type we read.
            if let declared, declared.hasPrefix("image/png") || declared.hasPrefix("image/jp") {
                throw ServeError.badImage(reason: "declared \(declared), but the bytes are neither PNG nor JPEG (first bytes: \(head))")
            }
            throw ServeError.unsupportedMediaType(found: declared ?? "unknown", reason: "the bytes are neither PNG, JPEG nor HDF5 (first bytes: \(head))")
        }
        let info: ImageInfo
        do { info = try Image.info(of: bytes, name: "upload") } catch let error as ImagingError { throw ServeError.from(error) }
        guard budget.allows(width: info.width, height: info.height) else {
            throw ServeError.tooManyPixels(width: info.width, height: info.height, limit: budget.maxPixels)
        }
        return .image(bytes: bytes, info: info)
    }
}

/// `type/subtype; key=value; …`, lower-cased type, parameters unquoted.
struct MediaType {
    var type: String
    var parameters: [String: String]

    init(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: true)
        type = parts.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = value
        }
        self.parameters = parameters
    }
}

/// The one file a `multipart/form-data` body carries (RFC 7578): the part named `image` or `file`,
/// else the first part with a filename. Nothing is decoded or written anywhere.
enum Multipart {
    struct Part {
        var name: String?
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    static func filePart(in body: [UInt8], boundary: String) throws -> Part {
        let parts = try parse(body, boundary: boundary)
        if let part = parts.first(where: { $0.name == "image" || $0.name == "file" }) ?? parts.first(where: { $0.filename != nil }) {
            return part
        }
        throw ServeError.badRequest(reason: "the multipart form has no file field (fields: \(parts.compactMap(\.name).joined(separator: ", ")))",
                                    hint: "send the picture in a field named image (curl -F image=@photo.png)")
    }

    static func parse(_ body: [UInt8], boundary: String) throws -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var i = 0
        while let found = find(delimiter, in: body, from: i) {
            starts.append(found)
            i = found + delimiter.count
        }
        guard starts.count >= 2 else {
            throw ServeError.badRequest(reason: "the multipart body has no complete part for its boundary", hint: "let the client build the form (curl -F image=@photo.png)")
        }
        var parts: [Part] = []
        for (start, end) in zip(starts, starts.dropFirst()) {
            var from = start + delimiter.count
            // The line break after the delimiter.
            if from + 1 < body.count, body[from] == 0x0D, body[from + 1] == 0x0A { from += 2 }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: from), headerEnd < end else {
                throw ServeError.badRequest(reason: "a multipart part has no header end", hint: "let the client build the form (curl -F image=@photo.png)")
            }
            let header = String(decoding: body[from..<headerEnd], as: UTF8.self)
            var contentEnd = end
            // The CRLF before the next delimiter belongs to the boundary.
            if contentEnd >= 2, body[contentEnd - 2] == 0x0D, body[contentEnd - 1] == 0x0A { contentEnd -= 2 }
            let contentStart = headerEnd + 4
            var part = Part(bytes: contentStart <= contentEnd ? Array(body[contentStart..<contentEnd]) : [])
            for line in header.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if key == "content-type" { part.contentType = value }
                if key == "content-disposition" {
                    let media = MediaType(value)
                    part.name = media.parameters["name"]
                    part.filename = media.parameters["filename"]
                }
            }
            parts.append(part)
        }
        return parts
    }

    /// The first occurrence of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                while i <= last {
                    if h[i] == first {
                        var k = 1
                        while k < n.count && h[i + k] == n[k] { k += 1 }
                        if k == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
