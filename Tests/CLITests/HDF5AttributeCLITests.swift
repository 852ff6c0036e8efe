import Foundation
import Testing

/// `pix2pix data inspect` on HDF5 files whose string attributes were forged (issue 16): libhdf5
/// 1.10.8 followed a forged global-heap reference (`H5HG_read`) or freed table slots it never filled
/// after a damaged attribute message (`H5Aiterate2` → `H5A__close`), and the tool died with SIGSEGV.
/// Run with glibc's MALLOC_PERTURB_ so that uninitialised heap memory is never zero: the crashes
/// then happen every time rather than by the luck of the heap.
@Suite("HDF5 forged attributes through the CLI")
struct HDF5AttributeCLITests {
    /// A `data build` file of an earlier version, with variable-length string attributes.
    static let legacy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImagingTests/Fixtures/hdf5/legacy_vlen_attributes.h5").path

    static func le(_ value: UInt64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }

    /// The forged variants: (name, bytes, what stdout must say).
    static func forgeries() throws -> [(String, [UInt8], String)] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: legacy)))
        let collection = try #require(bytes.firstRange(of: Array("GCOL".utf8))?.lowerBound)
        let reference = try #require(bytes.firstRange(of: le(UInt64(collection), 8))?.lowerBound)   // address in a heap ID
        let transform = try #require(bytes.firstRange(of: Array("transform\0".utf8))?.lowerBound)
        var index = bytes, size = bytes, message = bytes
        index.replaceSubrange(reference + 8..<reference + 12, with: le(60_000, 4))                  // object index
        size.replaceSubrange(collection + 24..<collection + 32, with: le(1 << 40, 8))              // first object's size
        message[transform - 8] = 9                                                                 // attribute message version
        return [("heap object index", index, "unreadable string: global heap object 60000 is not in its collection"),
                ("heap object size", size, "unreadable string: global heap object 1 declares 1099511627776 bytes"),
                ("attribute message", message, "note: attributes not shown: the attribute messages of '/' are damaged")]
    }

    @Test("data inspect reports forged string attributes and exits 0; no signal")
    func inspect() throws {
        let tool = try MalformedInputTests.toolPath()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5-attr-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, bytes, expected) in try Self.forgeries() {
            let path = dir.appendingPathComponent("forged.h5").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["data", "inspect", path, "--no-preview"]
            var environment = ProcessInfo.processInfo.environment
            environment["MALLOC_PERTURB_"] = "190"
            process.environment = environment
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(name): \(process.terminationStatus) \(stderr.suffix(400))")
            #expect(stdout.contains(expected), "\(name): \(stdout)")
            #expect(stdout.contains("train: 1 pairs"), "\(name): the pairs are still described")
        }
    }
}
