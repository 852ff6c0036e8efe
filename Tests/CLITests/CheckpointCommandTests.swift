import ArgumentParser
import Base
import Checkpoint
import Foundation
import Testing
@testable import pix2pix

@Suite("pix2pix ckpt")
struct CheckpointCommandTests {
    // MARK: Fixtures

    static let model: JSONValue = [
        "generator": ["name": "unet_64", "family": "unet", "config": ["ngf": 8, "norm": "batch"], "parameters": 4200],
        "conditional": true,
    ]
    static let metadata: [String: JSONValue] = ["dataset": "facades", "epoch": 12]
    static let sections: [String: JSONValue] = ["training": ["progress": ["step": 345]]]

    /// Weight-like values (normal-ish, std 0.02) from a fixed seed.
    static func weights(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            var s: Float = 0
            for _ in 0..<4 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                s += Float(state >> 40) / Float(1 << 24)
            }
            return 0.02 * (s - 2) * 1.7320508
        }
    }

    static let tensors: [TensorRecord] = [
        TensorRecord(name: "generator.down.0.weight", shape: [64, 3, 4, 4], values: weights(3072, seed: 1)),
        TensorRecord(name: "generator.down.0.bias", shape: [64], values: weights(64, seed: 2)),
        TensorRecord(name: "generator.step", shape: [], values: [7]),
        TensorRecord(name: "generator.empty", shape: [0, 3], values: []),
    ]

    /// A fresh directory with one F32 training checkpoint, `in.pzck`.
    static func fixture() throws -> (dir: URL, file: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("in.pzck")
        try CheckpointWriter(storage: .f32, producer: "Pix2PixZoo test").write(
            to: file, kind: .training, model: model, tensors: tensors, metadata: metadata, sections: sections)
        return (dir, file)
    }

    static func inspect(_ arguments: [String]) throws -> String {
        let parsed = try Pix2PixCommand.parseAsRoot(["ckpt", "inspect"] + arguments)
        let command = try #require(parsed as? CheckpointCommand.Inspect)
        var lines: [String] = []
        try command.output { lines.append($0) }
        return lines.joined(separator: "\n")
    }

    /// Runs `ckpt convert` as the command does, without printing; returns what it would print.
    @discardableResult
    static func convert(_ arguments: [String]) throws -> String {
        let parsed = try Pix2PixCommand.parseAsRoot(["ckpt", "convert"] + arguments)
        let command = try #require(parsed as? CheckpointCommand.Convert)
        return CheckpointCommand.Convert.describe(try command.convert())
    }

    static func size(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
    }

    // MARK: inspect

    @Test("inspect prints the header, every tensor and the totals")
    func inspectText() throws {
        let (dir, file) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try Self.inspect([file.path])
        #expect(text.hasPrefix(file.path))
        for fragment in [".pzck 1.0", "Pix2PixZoo test", "training", "dataset = \"facades\"", "epoch = 12",
                         "\"unet_64\"", "generator.down.0.weight", "[64, 3, 4, 4]", "generator.step", "[]",
                         "generator.empty", "[0, 3]", "total (4 tensors)", "3,137 elements",
                         "raw F32 12,548 bytes", "file \(Format.grouped(try Self.size(file))) bytes"] {
            #expect(text.contains(fragment), "missing \(fragment) in:\n\(text)")
        }
        // One table row per tensor, each naming its dtype.
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("  generator.") }
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.contains("F32") })
        #expect(!text.contains("verify:"))
        let verified = try Self.inspect([file.path, "--verify"])
        #expect(verified.contains("verify: 3 chunks of 4 tensors decoded"))
    }

    @Test("inspect --json: one object with the header fields, per-tensor sizes, totals and ratios")
    func inspectJSON() throws {
        let (dir, file) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try Self.inspect([file.path, "--json"])
        let json = try JSONValue(parsing: Array(text.utf8))
        let fileSize = try Self.size(file)
        #expect(json["file"]?.stringValue == file.path)
        #expect(json["file_size"]?.intValue == fileSize)
        #expect(json["format_version"]?.stringValue == "1.0")
        #expect(json["producer"]?.stringValue == "Pix2PixZoo test")
        #expect(json["kind"]?.stringValue == "training")
        #expect(json["model"] == Self.model)
        #expect(json["metadata"] == .object(Self.metadata))
        #expect(json["sections"] == ["training"])
        #expect(json["verified"] == nil)
        let rows = try #require(json["tensors"]?.arrayValue)
        #expect(rows.map { $0["name"]?.stringValue } == Self.tensors.map(\.name))
        for (row, record) in zip(rows, Self.tensors) {
            #expect(row["dtype"]?.stringValue == "F32")
            #expect(row["shape"] == .array(record.shape.map { .int($0) }))
            #expect(row["elements"]?.intValue == record.elementCount)
            #expect(row["raw_bytes"]?.intValue == record.elementCount * 4)
            #expect(row["chunks"]?.intValue == (record.elementCount == 0 ? 0 : 1))
            let stored = try #require(row["stored_bytes"]?.intValue)
            if record.elementCount == 0 {
                #expect(row["ratio"] == .null)
            } else {
                let ratio = try #require(row["ratio"]?.doubleValue)
                #expect(abs(ratio - Double(record.elementCount * 4) / Double(stored)) < 1e-4)
            }
        }
        let totals = try #require(json["totals"])
        #expect(totals["tensors"]?.intValue == 4)
        #expect(totals["elements"]?.intValue == 3137)
        #expect(totals["chunks"]?.intValue == 3)
        #expect(totals["raw_f32_bytes"]?.intValue == 3137 * 4)
        #expect(totals["raw_bytes"]?.intValue == 3137 * 4)
        #expect(totals["dtypes"] == ["F32": 4])
        let storedSum = rows.compactMap { $0["stored_bytes"]?.intValue }.reduce(0, +)
        #expect(totals["stored_bytes"]?.intValue == storedSum)
        let ratio = try #require(json["compression"]?["ratio_vs_f32"]?.doubleValue)
        #expect(abs(ratio - Double(3137 * 4) / Double(fileSize)) < 1e-4)
        // Keys are sorted: the serializer's output is stable.
        #expect(text == json.serializedString(pretty: true))

        let verified = try JSONValue(parsing: Array(try Self.inspect([file.path, "--json", "--verify"]).utf8))
        #expect(verified["verified"] == true)
    }

    @Test("inspect is linear in the header: a 100 KB tensor name prints fast, shortened, with every line bounded")
    func inspectHugeNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("long.pzck")
        let longName = "generator." + String(repeating: "a", count: 100_000) + ".weight"
        let model: JSONValue = ["generator": ["name": .string(String(repeating: "n", count: 50_000)), "family": "unet",
                                              "config": ["ngf": 8]], "conditional": true]
        try CheckpointWriter().write(
            to: file, kind: .inference, model: model,
            tensors: Self.tensors + [TensorRecord(name: longName, shape: [2, 2], values: [1, 2, 3, 4]),
                                     TensorRecord(name: "generator.wide", shape: [0] + Array(repeating: 1 << 40, count: 5_000), values: [])],
            metadata: [String(repeating: "k", count: 20_000): "v"])
        let clock = ContinuousClock()
        let start = clock.now
        let text = try Self.inspect([file.path])
        #expect(clock.now - start < .seconds(2), "took \(clock.now - start)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let longest = lines.map(\.count).max() ?? 0
        #expect(longest < 400, "a line of \(longest) characters")
        #expect(text.contains("generator.aaaa") && text.contains("aaaa.weight") && text.contains("…"))
        #expect(lines.filter { $0.hasPrefix("  generator.") }.count == 6, "every tensor still has its row")
        // --json prints everything, verbatim.
        let json = try JSONValue(parsing: Array(try Self.inspect([file.path, "--json"]).utf8))
        #expect(json["tensors"]?.arrayValue?.contains { $0["name"]?.stringValue == longName } == true)
    }

    @Test("inspect of a damaged file: a typed error naming the file")
    func inspectDamaged() throws {
        let (dir, file) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try [UInt8](Data(contentsOf: file))

        // A flipped header byte: opening fails.
        var header = good
        header[40] ^= 0x20
        let badHeader = dir.appendingPathComponent("bad-header.pzck")
        try Data(header).write(to: badHeader)
        let headerError = try #require(throws: CheckpointError.self) { try Self.inspect([badHeader.path]) }
        #expect(headerError.file == badHeader.path)
        #expect(String(describing: headerError).contains(badHeader.path))
        guard case .checksumMismatch(_, nil, "header", _, _) = headerError else {
            Issue.record("expected a header checksum mismatch, got \(headerError)")
            return
        }

        // A flipped data byte (inside the first chunk): the header still reads, --verify finds it.
        let headerLength = good[16..<24].reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataStart = (32 + headerLength + 63) / 64 * 64
        let chunk = try #require(try CheckpointFile(contentsOf: file).entries.first?.chunks.first)
        var data = good
        data[dataStart + chunk.offset + chunk.storedLength / 2] ^= 0x01
        let badData = dir.appendingPathComponent("bad-data.pzck")
        try Data(data).write(to: badData)
        _ = try Self.inspect([badData.path])
        let dataError = try #require(throws: CheckpointError.self) { try Self.inspect([badData.path, "--verify"]) }
        #expect(dataError.file == badData.path)
        #expect(String(describing: dataError).contains(badData.path))
        #expect(throws: CheckpointError.self) { try Self.inspect([badData.path, "--verify", "--json"]) }

        // Not a checkpoint at all, and a missing file.
        let text = dir.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: text)
        let foreign = try #require(throws: CheckpointError.self) { try Self.inspect([text.path]) }
        #expect(foreign.file == text.path)
        let missing = dir.appendingPathComponent("missing.pzck").path
        let io = try #require(throws: CheckpointError.self) { try Self.inspect([missing]) }
        #expect(io.file == missing)
    }

    // MARK: convert

    @Test("convert F32 → BF16 → F32: values within BF16 rounding, header kept, file smaller")
    func convertRoundTrip() throws {
        let (dir, file) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bf16 = dir.appendingPathComponent("bf16.pzck")
        let back = dir.appendingPathComponent("back.pzck")
        let narrowing = try Self.convert([file.path, "--storage", "bf16", "-o", bf16.path])
        #expect(narrowing.hasPrefix("\(bf16.path): 4 tensors, F32 → BF16 (zstd level 3)"), "\(narrowing)")
        #expect(narrowing.contains("note: \(file.path) is a training checkpoint"), "narrowing a training checkpoint warns")
        let widening = try Self.convert([bf16.path, "--storage", "f32", "--level", "19", "--output", back.path])
        #expect(widening.hasPrefix("\(back.path): 4 tensors, BF16 → F32 (zstd level 19)") && !widening.contains("note:"))

        let original = try CheckpointFile(contentsOf: file)
        let narrow = try CheckpointFile(contentsOf: bf16)
        let wide = try CheckpointFile(contentsOf: back)
        #expect(try Self.size(bf16) < Self.size(file))
        for converted in [narrow, wide] {
            #expect(converted.header.kind == .training)
            #expect(converted.header.producer == "Pix2PixZoo test")
            #expect(converted.header.model == Self.model)
            #expect(converted.header.metadata == Self.metadata)
            #expect(converted.header.sections == Self.sections)
            #expect(converted.entries.map(\.name) == original.entries.map(\.name))
            #expect(converted.entries.map(\.shape) == original.entries.map(\.shape))
            try converted.verifyData()
        }
        #expect(narrow.entries.allSatisfy { $0.dtype == .bf16 })
        #expect(wide.entries.allSatisfy { $0.dtype == .f32 })
        for record in Self.tensors {
            let n = try narrow.tensor(named: record.name).values
            let w = try wide.tensor(named: record.name).values
            for (x, y) in zip(record.values, n) {
                // bfloat16: 8-bit significand (7 stored), round to nearest → relative error ≤ 2⁻⁸.
                #expect(abs(x - y) <= abs(x) * 0x1p-8, "\(record.name): \(x) stored as \(y)")
            }
            #expect(w == n, "widening BF16 → F32 must be exact (\(record.name))")
        }
        // Something actually changed: the BF16 values are not all the F32 ones.
        #expect(try narrow.tensor(named: "generator.down.0.weight").values != Self.tensors[0].values)
    }

    @Test("convert refuses an existing output without --force, and its own input")
    func convertRefusals() throws {
        let (dir, file) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.pzck")
        try Data("keep me".utf8).write(to: out)
        let exists = try #require(throws: CheckpointConversionError.self) {
            try Self.convert([file.path, "--storage", "f16", "-o", out.path])
        }
        #expect(exists == .outputExists(file: out.path))
        #expect(exists.description.contains(out.path) && exists.description.contains("--force"))
        #expect(try Data(contentsOf: out) == Data("keep me".utf8))

        try Self.convert([file.path, "--storage", "f16", "-o", out.path, "--force"])
        #expect(try CheckpointFile(contentsOf: out).entries.allSatisfy { $0.dtype == .f16 })

        // The same file, by the same path, another spelling, and a symbolic link; even with --force.
        let spelled = dir.path + "/./in.pzck"
        let link = dir.appendingPathComponent("link.pzck")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        let before = try Data(contentsOf: file)
        for target in [file.path, spelled, link.path] {
            let same = try #require(throws: CheckpointConversionError.self) {
                try Self.convert([file.path, "--storage", "bf16", "-o", target, "--force"])
            }
            #expect(same == .sameFile(input: file.path, output: target))
            #expect(same.description.contains(target))
        }
        #expect(try Data(contentsOf: file) == before)

        // A damaged input names the input file; nothing is written.
        var bytes = [UInt8](before)
        bytes[40] ^= 0x20
        let bad = dir.appendingPathComponent("bad.pzck")
        try Data(bytes).write(to: bad)
        let fresh = dir.appendingPathComponent("fresh.pzck")
        let error = try #require(throws: CheckpointError.self) {
            try Self.convert([bad.path, "--storage", "bf16", "-o", fresh.path])
        }
        #expect(error.file == bad.path)
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
    }

    @Test("options are checked before any work")
    func parsing() throws {
        let cases: [([String], [String])] = [
            (["ckpt", "convert", "a.pzck", "--storage", "f8", "-o", "b.pzck"], ["--storage", "f8", "'bf16'"]),
            (["ckpt", "convert", "a.pzck", "--storage", "bf16"], ["--output"]),
            (["ckpt", "convert", "a.pzck", "--storage", "bf16", "--level", "99", "-o", "b"], ["--level 99"]),
            (["bench", "ckpt", "--iters", "0"], ["--iters"]),
        ]
        for (arguments, fragments) in cases {
            let message = try #require(CLITests.parseError(arguments), "\(arguments) parsed")
            for fragment in fragments { #expect(message.contains(fragment), "\(arguments): \(message)") }
        }
        #expect(try Pix2PixCommand.parseAsRoot(["ckpt", "convert", "a.pzck", "--storage", "f16", "--level", "1", "-o", "b"]) is CheckpointCommand.Convert)
        #expect(try Pix2PixCommand.parseAsRoot(["ckpt", "convert", "a.pzck", "--storage", "BF16", "-o", "b"]) is CheckpointCommand.Convert,
                "the format's upper-case names are accepted too")
        #expect(try Pix2PixCommand.parseAsRoot(["bench", "ckpt", "--generator", "unet_64", "--iters", "2"]) is BenchCheckpointCommand)
        #expect(Pix2PixCommand.helpMessage().contains("ckpt"))
        #expect(BenchCommand.helpMessage().contains("ckpt"))
    }
}
