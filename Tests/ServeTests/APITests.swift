import Foundation
import Imaging
import Testing
@testable import Serve
import Zoo

/// The HTTP API over a real socket: every route's happy path and every error status.
@Suite("pix2pix serve: API", .serialized)
struct APITests {
    static let gray = "/api/models/gray-tiny/translate"

    @Test("GET /api/models, /api/models/{ref}, /healthz: the index, the card, the load and limits")
    func listing() async throws {
        try await ServeFixtures.withServer { _, http in
            let list = try await http.get("/api/models")
            #expect(list.status == 200 && list.header("content-type")?.hasPrefix("application/json") == true)
            let index = try JSONDecoder().decode(ZooIndex.self, from: Data(list.body))
            #expect(index.models.map(\.id) == ["edges-tiny", "gray-tiny"])
            #expect(index.models[1].versions[0].metrics != nil && index.models[1].versions[0].license == "CC0-1.0")

            for path in ["/api/models/gray-tiny", "/api/models/gray-tiny@1.0.0", "/api/models/gray-tiny%401.0.0"] {
                let card = try await http.get(path)
                #expect(card.status == 200, "\(path)")
                let decoded = try JSONDecoder().decode(ModelCard.self, from: Data(card.body))
                #expect(decoded.id == "gray-tiny" && decoded.version.description == "1.0.0")
            }
            let health = try await http.get("/healthz")
            let json = try #require(health.errorBody)
            #expect(health.status == 200 && json["status"] as? String == "ok" && json["models"] as? Int == 2)
            #expect((json["limits"] as? [String: Any])?["max_body_bytes"] as? Int == 20 << 20)
        }
    }

    @Test("POST translate: PNG, JPEG, multipart and octet-stream in; PNG or ?format=jpg out at the input's size; ?mode=train; @version")
    func translateHappyPaths() async throws {
        try await ServeFixtures.withServer { server, http in
            let png = try ServeFixtures.png(1, width: 100, height: 37)
            let first = try await http.post(Self.gray, body: png)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.header("content-type") == "image/png" && first.header("x-image-size") == "100x37")
            #expect(first.header("x-model") == "gray-tiny@1.0.0" && Double(first.header("x-translation-seconds") ?? "") != nil)
            let output = try Image.decode(first.body, name: "response")
            #expect((output.width, output.height, output.channels) == (100, 37, 3))
            // The same result as the library's Translator (the code `pix2pix translate` runs).
            let zoo = try ServeFixtures.zoo.get()
            let translator = try Translator(model: "gray-tiny", catalog: ZooCatalog(root: zoo.root))
            #expect(output == (try translator.translate(try Image.decode(png, name: "png"))))

            let jpegIn = try ServeFixtures.picture(2, width: 48, height: 80).jpegData(quality: 90)
            let jpeg = try await http.post("/api/models/gray-tiny@1.0.0/translate?format=jpg", body: jpegIn, contentType: "image/jpeg")
            #expect(jpeg.status == 200 && jpeg.header("content-type") == "image/jpeg" && Array(jpeg.body.prefix(3)) == [0xFF, 0xD8, 0xFF])
            #expect(try Image.decode(jpeg.body, name: "jpeg").width == 48)

            let form = RawHTTP.multipart(field: "image", filename: "photo.png", contentType: "image/png", bytes: png)
            let multipart = try await http.post(Self.gray, body: form.body, contentType: form.contentType)
            #expect(multipart.status == 200 && multipart.body == first.body)
            #expect(try await http.post(Self.gray, body: png, contentType: "application/octet-stream").body == first.body)
            #expect(try await http.post(Self.gray, body: png, contentType: nil).body == first.body)

            let train = try await http.post(Self.gray + "?mode=train", body: png)
            #expect(train.status == 200 && train.header("x-image-size") == "100x37")
            // The model was loaded once per mode, then reused.
            #expect(server.loadedModels == 2)
        }
    }

    @Test("edge models: ?preprocess=canny makes the card's edge map; ?edges inverts the other polarity")
    func edgeModel() async throws {
        try await ServeFixtures.withServer { _, http in
            let photo = try ServeFixtures.picture(4, width: 64, height: 64)
            let viaCanny = try await http.post("/api/models/edges-tiny/translate?preprocess=canny", body: try photo.pngData())
            #expect(viaCanny.status == 200, "\(viaCanny.text)")
            let edges = try photo.cannyEdges(ServeFixtures.canny)
            let direct = try await http.post("/api/models/edges-tiny/translate", body: try edges.pngData())
            #expect(direct.body == viaCanny.body)
            var inverted = edges
            inverted.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 255 &- $0[i] } }
            let flipped = try await http.post("/api/models/edges-tiny/translate?edges=white-on-black", body: try inverted.pngData())
            #expect(flipped.body == direct.body)
        }
    }

    @Test("an HDF5 pair file comes back as a grid of input | output | target rows (read by a child process)")
    func hdf5Grid() async throws {
        try await ServeFixtures.withServer { _, http in
            let zoo = try ServeFixtures.zoo.get()
            let bytes = [UInt8](try Data(contentsOf: zoo.pairs))
            let response = try await http.post(Self.gray, body: bytes, contentType: "application/x-hdf5")
            #expect(response.status == 200, "\(response.text)")
            #expect(response.header("x-pairs") == "3" && response.header("x-grid-rows") == "3")
            let grid = try Image.decode(response.body, name: "grid")
            // Three 48² cells a row with 2-pixel frames, three rows.
            #expect(grid.width == 3 * 48 + 4 * 2 + 2 * 2 && grid.height >= 3 * 48)
            // A truncated HDF5 file: 400 with the child's words, and the server keeps serving.
            let bad = try await http.post(Self.gray, body: Array(bytes.prefix(bytes.count / 2)), contentType: "application/x-hdf5")
            #expect(bad.status == 400 && bad.errorBody?["hint"] != nil, "\(bad.text)")
            #expect(try await http.post(Self.gray, body: try ServeFixtures.png()).status == 200)
        }
    }

    @Test("400: not an image, truncated, empty, a multipart form without a file, a bad or unknown parameter")
    func badRequests() async throws {
        try await ServeFixtures.withServer { _, http in
            let png = try ServeFixtures.png(3, width: 64, height: 64)
            let cases: [(String, [UInt8], String?, String)] = [
                (Self.gray, Array("hello, not a picture".utf8), "image/png", "neither PNG nor JPEG"),
                (Self.gray, Array(png.prefix(120)), "image/png", "not a readable PNG"),
                (Self.gray, [], "image/png", "empty"),
                (Self.gray, Array(png[8...]), "image/jpeg", "neither PNG nor JPEG"),
                (Self.gray + "?format=bmp", png, "image/png", "?format=bmp"),
                (Self.gray + "?mode=test", png, "image/png", "?mode=test"),
                (Self.gray + "?size=256", png, "image/png", "unknown query parameter"),
                (Self.gray + "?preprocess=canny", png, "image/png", "canny"),
                (Self.gray + "?edges=white-on-black", png, "image/png", "edges"),
            ]
            for (path, body, type, fragment) in cases {
                let r = try await http.post(path, body: body, contentType: type)
                #expect(r.status == 400, "\(path) \(fragment): \(r.status) \(r.text)")
                let error = try #require(r.errorBody, "\(path): no JSON body")
                #expect((error["error"] as? String)?.contains(fragment) == true, "\(path): \(error)")
                #expect((error["hint"] as? String)?.isEmpty == false)
            }
            let form = RawHTTP.multipart(field: "note2", filename: "", contentType: "text/plain", bytes: Array("x".utf8))
            let noFile = try await http.post(Self.gray, body: Array(String(decoding: form.body, as: UTF8.self).replacingOccurrences(of: "; filename=\"\"", with: "").utf8),
                                       contentType: form.contentType)
            #expect(noFile.status == 400 && (noFile.errorBody?["error"] as? String)?.contains("no file field") == true, "\(noFile.text)")
            let noBoundary = try await http.post(Self.gray, body: png, contentType: "multipart/form-data")
            #expect(noBoundary.status == 400)
        }
    }

    @Test("404 with close ids suggested; unknown versions, routes and samples; path traversal never reaches a file")
    func notFound() async throws {
        try await ServeFixtures.withServer { _, http in
            let typo = try await http.post("/api/models/gray-tiyn/translate", body: try ServeFixtures.png())
            #expect(typo.status == 404)
            #expect(typo.errorBody?["suggestions"] as? [String] == ["gray-tiny"], "\(typo.text)")
            #expect((typo.errorBody?["hint"] as? String)?.contains("gray-tiny") == true)
            let version = try await http.get("/api/models/gray-tiny@9.9.9")
            #expect(version.status == 404 && (version.errorBody?["error"] as? String)?.contains("1.0.0") == true)
            for path in ["/api/nothing", "/models/gray-tiny/samples/7/input", "/models/gray-tiny/samples/0/card", "/nothing.html"] {
                let r = try await http.get(path)
                #expect(r.status == 404 && r.errorBody?["error"] != nil, "\(path): \(r.status)")
            }
            // Traversal: encoded and literal, in ids, versions and sample parts.
            let attempts = [
                ("POST", "/api/models/..%2F..%2Fetc/translate"),
                ("POST", "/api/models/..%2F..%2F..%2F..%2Fetc%2Fpasswd/translate"),
                ("POST", "/api/models/%2e%2e/translate"),
                ("GET", "/api/models/..%2F..%2Fetc%2Fpasswd"),
                ("GET", "/api/models/../../etc/passwd"),
                ("GET", "/api/models/gray-tiny@..%2F..%2F1.0.0"),
                ("GET", "/models/..%2Fgray-tiny%2F1.0.0%2Fcard.json"),
                ("GET", "/models/gray-tiny/samples/..%2F..%2Fcard.json/input"),
                ("GET", "/models/gray-tiny/samples/0/..%2F..%2Fcard.json"),
                ("GET", "/models/gray-tiny%2F1.0.0%2Fmodel.pzck"),
                ("GET", "/assets/..%2F..%2FPackage.swift"),
            ]
            for (method, path) in attempts {
                let r = try await http.request(method, path, headers: ["Content-Type": "image/png"], body: method == "POST" ? try ServeFixtures.png() : [])
                #expect(r.status == 404 || r.status == 400, "\(method) \(path): \(r.status)")
                #expect(!r.text.contains("root:") && !r.text.contains("PackageDescription") && !r.text.contains("\"files\""), "\(method) \(path) leaked a file")
            }
        }
    }

    @Test("413: a body over the cap (declared, or counted while chunked), an image header over the pixel cap (a decompression bomb)")
    func tooLarge() async throws {
        try await ServeFixtures.withServer({ $0.limits.maxBodyBytes = 64 << 10 }) { _, http in
            let big = try ServeFixtures.noisePNG(width: 200, height: 200)
            #expect(big.count > 64 << 10)
            let declared = try await http.post(Self.gray, body: big)
            #expect(declared.status == 413 && (declared.errorBody?["hint"] as? String)?.contains("--max-body-mb") == true, "\(declared.text)")
            let chunked = try await http.postChunked(Self.gray, body: big, contentType: "image/png", chunk: 8192)
            #expect(chunked.status == 413, "\(chunked.status) \(chunked.text)")
            // A lie: 1 GiB declared, nothing sent.
            let lie = try await http.request("POST", Self.gray, headers: ["Content-Type": "image/png"], body: [], contentLength: .value(1 << 30))
            #expect(lie.status == 413)
            // Still serving.
            #expect(try await http.post(Self.gray, body: try ServeFixtures.png()).status == 200)
        }
        try await ServeFixtures.withServer { _, http in
            // 100000² declared in a 70-byte file: refused from the header, nothing decoded.
            let bomb = ServeFixtures.bombPNG(width: 100_000, height: 100_000)
            #expect(bomb.count < 100)
            let r = try await http.post(Self.gray, body: bomb)
            #expect(r.status == 413 && (r.errorBody?["error"] as? String)?.contains("100000×100000") == true, "\(r.text)")
            // 40 MP is the default: 8000 × 5001 is just over it.
            #expect(try await http.post(Self.gray, body: ServeFixtures.bombPNG(width: 8000, height: 5001)).status == 413)
        }
    }

    @Test("415: GIF, text and other content types; HDF5 when the server runs no child translator")
    func unsupported() async throws {
        try await ServeFixtures.withServer({ $0.hdf5Worker = nil }) { _, http in
            let gif = Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 32)
            for (body, type) in [(gif, "image/gif"), (Array("a,b\n1,2\n".utf8), "text/csv"), (gif, "application/octet-stream"), (gif, nil as String?)] {
                let r = try await http.post(Self.gray, body: body, contentType: type)
                #expect(r.status == 415, "\(type ?? "no type"): \(r.status) \(r.text)")
                #expect(r.errorBody?["hint"] != nil)
            }
            let form = RawHTTP.multipart(field: "image", filename: "a.gif", contentType: "image/gif", bytes: gif)
            #expect(try await http.post(Self.gray, body: form.body, contentType: form.contentType).status == 415)
            let zoo = try ServeFixtures.zoo.get()
            let h5 = try await http.post(Self.gray, body: [UInt8](try Data(contentsOf: zoo.pairs)), contentType: "application/x-hdf5")
            #expect(h5.status == 415)
        }
    }

    @Test("/openapi.json describes exactly the API routes, and every route it names answers")
    func openAPIMatchesRoutes() async throws {
        try await ServeFixtures.withServer { _, http in
            let r = try await http.get("/openapi.json")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var described = Set<ServeRoutes.Route>()
            for (path, operations) in paths {
                for method in operations.keys { described.insert(ServeRoutes.Route(method: method.uppercased(), path: path)) }
            }
            #expect(described == Set(ServeRoutes.api))
            for route in described {
                let path = route.path.replacingOccurrences(of: "{ref}", with: "gray-tiny")
                let response = try await http.request(route.method, path, headers: ["Content-Type": "image/png"],
                                                 body: route.method == "POST" ? try ServeFixtures.png() : [])
                #expect(response.status == 200, "\(route.method) \(path): \(response.status)")
                // Each documented operation declares the statuses it can answer with.
                let operation = try #require(paths[route.path]?[route.method.lowercased()] as? [String: Any])
                #expect((operation["responses"] as? [String: Any])?["200"] != nil)
            }
            let translate = try #require(paths[ServeRoutes.translate.path]?["post"] as? [String: Any])
            #expect(Set(((translate["responses"] as? [String: Any]) ?? [:]).keys) == ["200", "400", "404", "413", "415", "503"])
        }
    }

    @Test("pages: the index (models, metrics beside baselines, licence), a model page with the card and try-it panel, samples, assets")
    func pages() async throws {
        try await ServeFixtures.withServer { _, http in
            let index = try await http.get("/")
            #expect(index.status == 200 && index.header("content-type")?.hasPrefix("text/html") == true)
            for fragment in ["href=\"/models/gray-tiny@1.0.0\"", "edges-tiny", "gray → color", "CC0-1.0", "input itself:", "mean colour:", "parameters"] {
                #expect(index.text.contains(fragment), "index lacks \(fragment)")
            }
            let page = try await http.get("/models/gray-tiny")
            for fragment in ["id=\"try\"", "data-ref=\"gray-tiny@1.0.0\"", "<h3>Limitations</h3>", "random held-out sample", "/models/gray-tiny@1.0.0/samples/0/input", "<table>"] {
                #expect(page.text.contains(fragment), "model page lacks \(fragment)")
            }
            #expect(!page.text.contains("id=\"canvas\""), "a gray model has no drawing canvas")
            let edges = try await http.get("/models/edges-tiny@1.0.0")
            #expect(edges.text.contains("id=\"canvas\"") && edges.text.contains("data-edges=\"black-on-white\""))
            let sample = try await http.get("/models/gray-tiny@1.0.0/samples/1/target")
            #expect(sample.status == 200 && sample.header("content-type") == "image/png")
            #expect(try Image.decode(sample.body, name: "sample").channels == 3)
            for asset in ["/assets/app.js", "/assets/style.css"] { #expect(try await http.get(asset).status == 200) }
            // Nothing from elsewhere: no absolute URLs in the pages or the script.
            for text in [index.text, page.text, try await http.get("/assets/app.js").text] {
                #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"))
            }
        }
    }
}
