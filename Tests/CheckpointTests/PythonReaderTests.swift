import Checkpoint
import Foundation
import Testing

/// Cross-checks the Swift writer against scripts/pzck_reader.py, an independent reader written from
/// the specification. Runs only when `python3` with numpy and zstandard is available
/// (scripts/bootstrap installs them); otherwise the test is skipped and says why.
@Suite struct PythonReaderTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/pzck_reader.py")

    static let pythonAvailable: Bool = {
        (try? run(["-c", "import numpy, zstandard"]))?.status == 0
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    static func floats(fromHex hex: String) -> [Float] {
        let digits = Array(hex.utf8).map { $0 <= UInt8(ascii: "9") ? $0 - UInt8(ascii: "0") : $0 - UInt8(ascii: "a") + 10 }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) { bytes.append(digits[i] << 4 | digits[i + 1]) }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    @Test(.enabled(if: PythonReaderTests.pythonAvailable, "python3 with numpy and zstandard is not installed"))
    func pythonReaderLoadsWhatSwiftWrote() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var tensors = Fixtures.smallTensors()
        tensors[0].storage = .f16
        tensors[1].storage = .f32
        tensors[5].storage = .f16
        tensors.append(TensorRecord(name: "multi_chunk", shape: [1100, 1000], values: Fixtures.normals(1_100_000, seed: 9),
                                    storage: .f32))
        let url = dir.appendingPathComponent("cross.pzck")
        try CheckpointWriter(storage: .bf16).write(to: url, kind: .training, model: Fixtures.model, tensors: tensors,
                                                   metadata: ["note": "ünïcode"], sections: ["training": ["step": 5]])
        let swiftSide = try CheckpointFile(contentsOf: url).allTensors()

        let result = try PythonReaderTests.run([PythonReaderTests.script.path, url.path, "--dump-tensors"])
        #expect(result.status == 0, "reader failed: \(result.stderr)")
        let json = try JSONValue(parsing: [UInt8](result.stdout))
        let rows = try #require(json["tensors"]?.arrayValue)
        #expect(rows.map { $0["name"]?.stringValue } == swiftSide.map(\.name))
        for (row, swift) in zip(rows, swiftSide) {
            #expect(row["shape"]?.arrayValue?.compactMap(\.intValue) == swift.shape)
            #expect(row["dtype"]?.stringValue == swift.storage?.rawValue)
            let python = PythonReaderTests.floats(fromHex: row["float32_le_hex"]?.stringValue ?? "")
            #expect(bitsEqual(python, swift.values), "\(swift.name): Python and Swift disagree")
        }
        #expect(Set(rows.compactMap { $0["dtype"]?.stringValue }) == ["F32", "F16", "BF16"])

        let header = try PythonReaderTests.run([PythonReaderTests.script.path, url.path, "--dump-json"])
        let parsed = try JSONValue(parsing: [UInt8](header.stdout))
        #expect(parsed == (try CheckpointFile(contentsOf: url)).header.json)
    }

    @Test("the Python reader dequantises Q8 (per channel on axis 0 and 1, per tensor) to the same bits as Swift",
          .enabled(if: PythonReaderTests.pythonAvailable, "python3 with numpy and zstandard is not installed"))
    func pythonReaderLoadsQ8() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var tensors = Q8Tests.tensors()
        // A tensor of several chunks: the scale of each element depends on its position in the tensor.
        tensors.append(Q8Tests.weight("big.weight", shape: [600, 20, 4, 4], axis: 1, seed: 21))
        tensors.append(Q8Tests.weight("wide.weight", shape: [3, 2_000_000], axis: 0, seed: 22))
        let url = dir.appendingPathComponent("q8.pzck")
        try CheckpointWriter(storage: .q8).write(to: url, kind: .inference, model: Fixtures.model, tensors: tensors)
        let file = try CheckpointFile(contentsOf: url)
        #expect(file.entry(named: "wide.weight")?.chunks.count == 2)
        let swiftSide = try file.allTensors()
        let result = try PythonReaderTests.run([PythonReaderTests.script.path, url.path, "--dump-tensors"])
        #expect(result.status == 0, "reader failed: \(result.stderr)")
        let rows = try #require(try JSONValue(parsing: [UInt8](result.stdout))["tensors"]?.arrayValue)
        #expect(rows.map { $0["name"]?.stringValue } == swiftSide.map(\.name))
        for (row, swift) in zip(rows, swiftSide) {
            #expect(row["dtype"]?.stringValue == swift.storage?.rawValue)
            let python = PythonReaderTests.floats(fromHex: row["float32_le_hex"]?.stringValue ?? "")
            #expect(bitsEqual(python, swift.values), "\(swift.name): Python and Swift disagree")
        }
        #expect(Set(rows.compactMap { $0["dtype"]?.stringValue }) == ["F32", "Q8"])

        // A bad scale is refused by the Python reader too.
        var a = Anatomy(try Data(contentsOf: url).map { $0 })
        a.editTensor(a.tensorIndex("matrix")) { row in
            var q = row["quantization"]!.objectValue!
            q["scale"] = .number(JSONNumber(text: "1e39")!)
            row["quantization"] = .object(q)
        }
        let bad = dir.appendingPathComponent("bad.pzck")
        try Data(a.bytes()).write(to: bad)
        let refused = try PythonReaderTests.run([PythonReaderTests.script.path, bad.path])
        #expect(refused.status == 1 && refused.stderr.contains("not a positive binary32"), "\(refused.stderr)")
    }

    @Test("the Python reader reads the committed format 1.0 file",
          .enabled(if: PythonReaderTests.pythonAvailable, "python3 with numpy and zstandard is not installed"))
    func pythonReaderReadsVersion10() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("v10.pzck")
        try Data(LegacyFixture.version10).write(to: url)
        let result = try PythonReaderTests.run([PythonReaderTests.script.path, url.path, "--dump-tensors"])
        #expect(result.status == 0, "reader failed: \(result.stderr)")
        let rows = try #require(try JSONValue(parsing: [UInt8](result.stdout))["tensors"]?.arrayValue)
        let swiftSide = try CheckpointFile(bytes: LegacyFixture.version10).allTensors()
        for (row, swift) in zip(rows, swiftSide) {
            #expect(bitsEqual(PythonReaderTests.floats(fromHex: row["float32_le_hex"]?.stringValue ?? ""), swift.values), "\(swift.name)")
        }
    }

    @Test(.enabled(if: PythonReaderTests.pythonAvailable, "python3 with numpy and zstandard is not installed"))
    func pythonReaderRejectsACorruptChunk() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var a = Anatomy(try Fixtures.validFile(storage: .bf16))
        a.data[a.chunk(0, 0).offset + 3] ^= 0x40
        let url = dir.appendingPathComponent("corrupt.pzck")
        try Data(a.bytes()).write(to: url)
        let result = try PythonReaderTests.run([PythonReaderTests.script.path, url.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("checksum mismatch"), "\(result.stderr)")
    }
}
