import Foundation
import Imaging
import Testing
@testable import Serve
import Zoo
#if canImport(Glibc)
import Glibc
#endif

/// Bounded concurrency, the queue, the timeout, the model cache, and a clean stop on SIGTERM.
@Suite("pix2pix serve: limits and lifecycle", .serialized)
struct LoadLimitTests {
    static let gray = "/api/models/gray-tiny/translate"

    /// Sends `count` translate requests at once; their statuses and Retry-After headers, in order.
    static func burst(_ http: RawHTTP, count: Int) async throws -> [RawHTTP.Response] {
        let png = try ServeFixtures.png(2)
        return try await withThrowingTaskGroup(of: (Int, RawHTTP.Response).self) { group in
            for k in 0..<count {
                group.addTask { (k, try await http.post(Self.gray, body: png)) }
            }
            var responses: [(Int, RawHTTP.Response)] = []
            for try await r in group { responses.append(r) }
            return responses.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    @Test("beyond the slots and the queue: 503 with Retry-After at once; those admitted finish; the server keeps serving")
    func busy() async throws {
        try await ServeFixtures.withServer({ c in
            c.limits.maxConcurrent = 1
            c.limits.queueLength = 1
            c.holdSeconds = 1.5
        }) { _, http in
            let start = Date()
            let responses = try await Self.burst(http, count: 5)
            let statuses = responses.map(\.status)
            #expect(statuses.filter { $0 == 200 }.count == 2, "\(statuses)")
            #expect(statuses.filter { $0 == 503 }.count == 3, "\(statuses)")
            for r in responses where r.status == 503 {
                #expect(Int(r.header("retry-after") ?? "") ?? 0 >= 1)
                #expect((r.errorBody?["error"] as? String)?.contains("busy") == true)
            }
            #expect(Date().timeIntervalSince(start) >= 3.0, "the two admitted requests ran one after the other")
            // The load is gone and the server answers as before.
            let health = try await http.get("/healthz").errorBody
            #expect(health?["running"] as? Int == 0 && health?["queued"] as? Int == 0)
            #expect(try await http.post(Self.gray, body: try ServeFixtures.png()).status == 200)
        }
    }

    @Test("a request over the timeout gets 503 with Retry-After; a waiting one leaves the queue")
    func timeout() async throws {
        try await ServeFixtures.withServer({ c in
            c.limits.maxConcurrent = 1
            c.limits.queueLength = 4
            c.limits.requestTimeout = .seconds(1)
            c.holdSeconds = 1.6
        }) { _, http in
            let responses = try await Self.burst(http, count: 2)
            #expect(responses.map(\.status) == [503, 503], "\(responses.map(\.status))")
            for r in responses {
                #expect((r.errorBody?["error"] as? String)?.contains("did not finish within 1 s") == true, "\(r.text)")
                #expect(r.header("retry-after") != nil)
            }
            // After the running one finished (its result dropped), the queue is empty.
            try await Task.sleep(for: .seconds(2.5))
            let health = try await http.get("/healthz").errorBody
            #expect(health?["running"] as? Int == 0 && health?["queued"] as? Int == 0, "\(String(describing: health))")
        }
    }

    @Test("loaded models are reused, and the cache bound drops the least recently used idle one")
    func modelCache() async throws {
        let png = try ServeFixtures.png()
        // Room for one tiny model only (estimate: 8 bytes per parameter).
        let zoo = try ServeFixtures.zoo.get()
        let parameters = try #require(ZooStore(root: zoo.root).entries().first).card.architecture.generator.parameters
        try await ServeFixtures.withServer({ $0.limits.modelCacheBytes = ModelCache.estimatedBytes(parameters: parameters) }) { server, http in
            for path in [Self.gray, Self.gray, "/api/models/edges-tiny/translate", Self.gray] {
                let response = try await http.post(path, body: png)
                #expect(response.status == 200)
            }
            #expect(server.loadedModels == 3, "gray, (reused), edges, gray again after edges pushed it out")
        }
        try await ServeFixtures.withServer { server, http in
            for path in [Self.gray, "/api/models/edges-tiny/translate", Self.gray, "/api/models/edges-tiny/translate"] {
                let response = try await http.post(path, body: png)
                #expect(response.status == 200)
            }
            #expect(server.loadedModels == 2, "the default bound holds both")
        }
    }

    @Test("a large image runs in tiles and comes back at its size, equal to the library's translation")
    func largeImage() async throws {
        try await ServeFixtures.withServer { _, http in
            let zoo = try ServeFixtures.zoo.get()
            let translator = try Translator(model: "gray-tiny", catalog: ZooCatalog(root: zoo.root))
            let width = translator.tiling.tileSize + 100
            let picture = try ServeFixtures.picture(6, width: width, height: 40)
            let r = try await http.post(Self.gray, body: try picture.pngData())
            #expect(r.status == 200 && r.header("x-image-size") == "\(width)x40", "\(r.status) \(r.text.prefix(200))")
            #expect(try Image.decode(r.body, name: "large") == (try translator.translate(picture)))
        }
    }

    @Test("pix2pix serve: prints its port, and on SIGTERM finishes the request in flight and exits 0")
    func gracefulStop() async throws {
        let executable = try #require(ServeFixtures.executable(), "pix2pix is built next to the tests")
        let zoo = try ServeFixtures.zoo.get()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--zoo", zoo.root.path, "--port", "0", "--quiet"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The first line names the URL (read on a thread of its own: the pipe blocks).
        let reader = out.fileHandleForReading
        let line = try await RawHTTP.offPool { () -> String in
            var line = ""
            while !line.hasSuffix("\n") {
                let byte = reader.readData(ofLength: 1)
                if byte.isEmpty { break }
                line += String(decoding: byte, as: UTF8.self)
            }
            return line
        }
        let port = try #require(line.range(of: "http://127.0.0.1:").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }, "\(line)")
        #expect(line.contains("serving 2 model(s)"))
        let http = RawHTTP(port: port)
        #expect(try await http.get("/healthz").status == 200)

        // A request in flight: headers and half the body sent, then SIGTERM, then the rest.
        let png = try ServeFixtures.png(3, width: 96, height: 96)
        let fd = try http.connect()
        defer { close(fd) }
        let head = "POST \(Self.gray) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: \(png.count)\r\nConnection: close\r\n\r\n"
        RawHTTP.send(fd, Array(head.utf8) + Array(png.prefix(png.count / 2)))
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning, "it waits for the request in flight")
        RawHTTP.send(fd, Array(png[(png.count / 2)...]))
        let response = try await RawHTTP.offPool { try RawHTTP.receive(fd) }
        #expect(response.status == 200 && response.header("x-image-size") == "96x96")
        _ = try await RawHTTP.offPool { process.waitUntilExit() }
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        // It no longer listens.
        await #expect(throws: (any Error).self) { try await http.get("/healthz") }
    }

    @Test("only loopback addresses go without the no-authentication warning")
    func publicHostWarning() throws {
        var configuration = try ServeFixtures.configuration()
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            configuration.host = host
            #expect(configuration.publicWarning == nil, "\(host)")
        }
        for host in ["0.0.0.0", "::", "192.0.2.7", "example.org"] {
            configuration.host = host
            #expect(configuration.publicWarning?.contains("no authentication") == true, "\(host)")
        }
    }
}
