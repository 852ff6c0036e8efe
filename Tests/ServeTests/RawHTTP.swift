import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a plain socket, so the tests control every byte: raw
/// paths (`..%2F`), lying or missing headers, chunked bodies, bodies sent in pieces.
///
/// The socket calls block, so the async methods run them on a thread of their own: on Swift's
/// cooperative pool (one thread per core) they could starve the in-process server's handlers.
struct RawHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        /// The `{error, hint}` body of an error.
        var errorBody: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(Int32), send(Int32), malformed(String)
        var description: String {
            switch self {
            case let .connect(e): return "connect failed: \(String(cString: strerror(e)))"
            case let .send(e): return "send failed: \(String(cString: strerror(e)))"
            case let .malformed(s): return "malformed response: \(s)"
            }
        }
    }

    let port: Int

    /// A connected socket to 127.0.0.1:port with a 60 s receive timeout.
    func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw Failure.connect(e) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends bytes; false when the peer closed (the server may answer before reading a whole body).
    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads one response (Content-Length or chunked, else until the peer closes).
    static func receive(_ fd: Int32) throws -> Response {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
            if n <= 0 { return false }
            data += buffer[0..<n]
            return true
        }
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = find(separator, in: data)
            if headerEnd == nil && !fill() { throw Failure.malformed("connection closed before the headers (\(data.count) bytes)") }
        }
        let head = String(decoding: data[0..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.malformed(head[0]) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(headerEnd! + 4)...])
        func more() -> Bool {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
            if n <= 0 { return false }
            body += buffer[0..<n]
            return true
        }
        if let length = headers["content-length"].flatMap(Int.init) {
            while body.count < length { if !more() { break } }
            body = Array(body.prefix(length))
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            var offset = 0
            while true {
                var lineEnd = find(Array("\r\n".utf8), in: body, from: offset)
                while lineEnd == nil { if !more() { throw Failure.malformed("chunked body cut") }; lineEnd = find(Array("\r\n".utf8), in: body, from: offset) }
                let size = Int(String(decoding: body[offset..<lineEnd!], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                let start = lineEnd! + 2
                while body.count < start + size + 2 { if !more() { throw Failure.malformed("chunk cut") } }
                if size == 0 { break }
                decoded += body[start..<(start + size)]
                offset = start + size + 2
            }
            body = decoded
        } else if status != 204 && status != 304 {
            while more() {}
        }
        return Response(status: status, headers: headers, body: body)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// One request on its own connection. `headers` are sent as given (Host and Connection are added,
    /// Content-Length too unless `contentLength` is `.omit` or a lie).
    enum Length: Sendable { case actual, omit, value(Int) }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
                 contentLength: Length = .actual) async throws -> Response {
        try await Self.offPool { try requestBlocking(method, path, headers: headers, body: body, contentLength: contentLength) }
    }

    /// Runs blocking work on a new thread and awaits its result.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    func requestBlocking(_ method: String, _ path: String, headers: [String: String], body: [UInt8],
                         contentLength: Length) throws -> Response {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        switch contentLength {
        case .actual: if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        case .omit: break
        case let .value(n): head += "Content-Length: \(n)\r\n"
        }
        head += "\r\n"
        RawHTTP.send(fd, Array(head.utf8))
        RawHTTP.send(fd, body)  // the server may refuse before reading all of it
        return try RawHTTP.receive(fd)
    }

    func get(_ path: String) async throws -> Response { try await request("GET", path) }

    func post(_ path: String, body: [UInt8], contentType: String? = "image/png") async throws -> Response {
        try await request("POST", path, headers: contentType.map { ["Content-Type": $0] } ?? [:], body: body)
    }

    /// A body sent with chunked transfer encoding (no length declared), in `chunk`-byte pieces.
    func postChunked(_ path: String, body: [UInt8], contentType: String, chunk: Int = 65536) async throws -> Response {
        try await Self.offPool { try postChunkedBlocking(path, body: body, contentType: contentType, chunk: chunk) }
    }

    func postChunkedBlocking(_ path: String, body: [UInt8], contentType: String, chunk: Int) throws -> Response {
        let fd = try connect()
        defer { close(fd) }
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n\r\n"
        RawHTTP.send(fd, Array(head.utf8))
        var offset = 0
        while offset < body.count {
            let piece = Array(body[offset..<min(body.count, offset + chunk)])
            if !RawHTTP.send(fd, Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)) { break }
            offset += piece.count
        }
        RawHTTP.send(fd, Array("0\r\n\r\n".utf8))
        return try RawHTTP.receive(fd)
    }

    /// A multipart/form-data body with one file field.
    static func multipart(field: String, filename: String, contentType: String, bytes: [UInt8], boundary: String = "pix2pixBoundary7MA4YWxk") -> (body: [UInt8], contentType: String) {
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}
