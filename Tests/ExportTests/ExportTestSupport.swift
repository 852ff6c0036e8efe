import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

/// Small networks, temporary folders, layout conversions and the Python engines for the export tests.
enum ExportFixtures {
    /// The package root (this file is Tests/ExportTests/ExportTestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("scripts/export_check.py")

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-export-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A registry generator with reference initialisation and batch-norm statistics that are not
    /// the identity (mean ≠ 0, var ≠ 1), so eval mode is really exercised. `overrides` set config keys.
    static func generator(_ name: String, _ overrides: ConfigOverrides = [:], seed: UInt64 = 7) throws -> any GeneratorNetwork {
        let entry = try Registry.shared.generator(named: name)
        let network = try entry.make(config: try entry.config(overrides: overrides), context: BuildContext(seed: seed))
        var rng = RandomGenerator(seed: seed)
        try network.initialize(.reference, using: &rng)
        for (key, tensor) in network.stateEntries() {
            if key.hasSuffix("running_mean") { tensor.assign(Tensor.normal(tensor.shape, mean: 0, std: 0.1, using: &rng)) }
            if key.hasSuffix("running_var") { tensor.assign(Tensor.uniform(tensor.shape, low: 0.5, high: 1.5, using: &rng)) }
            // Reference init leaves biases at 0; give them values so a dropped bias would show.
            if key.hasSuffix(".bias") { tensor.assign(Tensor.normal(tensor.shape, mean: 0, std: 0.05, using: &rng)) }
        }
        network.eval()
        return network
    }

    /// Values in [-1, 1], NHWC.
    static func input(_ shape: [Int], seed: UInt64 = 3) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.uniform(shape, low: -1, high: 1, using: &rng)
    }

    static func nhwcToNCHW(_ t: Tensor) -> [Float] {
        let (n, h, w, c) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let src = UnsafeBufferPointer(start: t.pointer, count: t.count)
        var out = [Float](repeating: 0, count: t.count)
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c {
            out[((b * c + k) * h + y) * w + x] = src[((b * h + y) * w + x) * c + k]
        } } } }
        return out
    }

    /// max |a − b| / max |b|: the relative error the tests bound.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var diff: Float = 0, scale: Float = 0
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(x - y))
            scale = max(scale, abs(y))
        }
        return diff / max(scale, 1e-12)
    }

    static func writeFloats(_ values: [Float], to url: URL) throws {
        try values.withUnsafeBytes { try Data($0).write(to: url) }
    }

    static func readFloats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
    }

    /// Runs scripts/export_check.py with python3. The packages it needs are the tests' own
    /// (scripts/bootstrap installs them): a missing one fails the test, with pip's command in the message.
    static func python(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        // stderr goes to a file, stdout through a pipe read to the end: neither can fill up and block the child.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("export-check-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let err = try FileHandle(forWritingTo: errURL)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try err.close()
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        if stderr.contains("ModuleNotFoundError") {
            Issue.record("python3 lacks a package the export tests need: \(stderr.split(separator: "\n").last ?? ""). Run scripts/bootstrap (pip install numpy onnx onnxruntime safetensors).")
        }
        return (process.terminationStatus, stdout, stderr)
    }

    /// The JSON object the script printed.
    static func json(_ result: (status: Int32, stdout: Data, stderr: String)) throws -> [String: Any] {
        #expect(result.status == 0, "export_check.py failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return try #require(object, "export_check.py printed no JSON object: \(String(decoding: result.stdout, as: UTF8.self)) \(result.stderr)")
    }
}
