import Foundation

/// The `pix2pix` executable for tests that run the command-line tool as a child process.
public enum Pix2PixExecutable {
    /// `pix2pix` next to the test runner (`swift build --build-tests` builds it there), else the
    /// package's `.build/release` or `.build/debug` one; a `CocoaError` naming the first place
    /// looked at when there is none.
    public static var url: URL {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pix2pix")]
            if let runner = Bundle.main.executableURL {
                candidates.append(runner.deletingLastPathComponent().appendingPathComponent("pix2pix"))
            }
            for config in ["release", "debug"] { candidates.append(root.appendingPathComponent(".build/\(config)/pix2pix")) }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates[0].path])
            }
            return found
        }
    }
}
