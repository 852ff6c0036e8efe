import Foundation
import Testing
@testable import Serve

/// The pages in a real browser: headless Chromium driven by Selenium (browser_test.py), against a
/// server on an ephemeral port. Screenshots go to .build/test-output/ServeTests/.
@Suite("pix2pix serve: browser", .serialized)
struct BrowserTests {
    @Test("headless Chromium opens the index and a model, uploads a picture, sees the output at the input's size, draws and translates edges")
    func browser() async throws {
        let script = ServeFixtures.packageRoot.appendingPathComponent("Tests/ServeTests/browser_test.py")
        let picture = try ServeFixtures.temporaryDirectory("browser").appendingPathComponent("photo.png")
        try Data(try ServeFixtures.png(8, width: 150, height: 90)).write(to: picture)
        let out = ServeFixtures.outputFolder
        try? FileManager.default.removeItem(at: out.appendingPathComponent("serve-model-page.png"))
        try await ServeFixtures.withServer { server, _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, "--url", "http://127.0.0.1:\(server.port)", "--image", picture.path, "--out", out.path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // Read before waiting, so a chatty browser cannot fill the pipe and block; on a thread
            // of its own, so the in-process server's handlers keep the cooperative pool.
            let reader = output.fileHandleForReading
            let text = try await RawHTTP.offPool { () -> String in
                let data = reader.readDataToEndOfFile()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("150x90 translated") && text.contains("drawing translated"), "\(text)")
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("serve-model-page.png").path))
    }
}
