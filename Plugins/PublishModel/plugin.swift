import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory publish-model RUN_DIR|CHECKPOINT --id ID --version X.Y.Z [...]`
///
/// Publishes a trained model into this package's `Zoo/` by running `pix2pix zoo publish ... --zoo <package>/Zoo`;
/// every other argument is passed on unchanged (see `pix2pix zoo publish --help`). Relative paths are
/// resolved against the package directory.
///
/// The tool is the package's `pix2pix` product, built in release with `-enable-testing` — the
/// configuration `make build` uses, so `.build/release` is shared and not rebuilt. `PIX2PIX_TOOL=/path/to/pix2pix`
/// uses an already built tool instead (CI uses it to publish into a copy of the package without a build).
@main
struct PublishModel: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let zoo = context.package.directoryURL.appendingPathComponent("Zoo")
        // The permission flag is passed on to the plugin when it follows the verb; it is not the tool's.
        let passed = arguments.filter { $0 != "--allow-writing-to-package-directory" }
        if passed.contains(where: { $0 == "--zoo" || $0.hasPrefix("--zoo=") }) {
            throw PublishModelError.message("publish-model always publishes into \(zoo.path); for another zoo run `pix2pix zoo publish --zoo DIR`")
        }
        let tool = try pix2pixTool()
        let process = Process()
        process.executableURL = tool
        process.arguments = ["zoo", "publish"] + passed + ["--zoo", zoo.path]
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw PublishModelError.message("pix2pix zoo publish failed (status \(process.terminationStatus)); the zoo is unchanged")
        }
    }

    func pix2pixTool() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["PIX2PIX_TOOL"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw PublishModelError.message("PIX2PIX_TOOL=\(path) is not an executable file")
            }
            return URL(fileURLWithPath: path)
        }
        var parameters = PackageManager.BuildParameters(configuration: .release, logging: .concise)
        parameters.otherSwiftcFlags = ["-enable-testing"]
        let result = try packageManager.build(.product("pix2pix"), parameters: parameters)
        guard result.succeeded, let tool = result.builtArtifacts.first(where: { $0.kind == .executable }) else {
            throw PublishModelError.message("building pix2pix failed:\n\(result.logText)")
        }
        return tool.url
    }
}

enum PublishModelError: Error, CustomStringConvertible {
    case message(String)
    var description: String {
        switch self { case let .message(text): return text }
    }
}
