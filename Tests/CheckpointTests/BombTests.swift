import Checkpoint
import Foundation
import Testing

/// Decompression bombs (issue 16): a small file whose table declares a huge tensor made of valid
/// zstd frames. Nothing is allocated from the declared size beyond the memory budget, and a table
/// cannot declare more than zstd can produce from the bytes present.
@Suite("Decompression bombs and the memory budget")
struct BombTests {
    /// One zstd frame of 4 MiB of zeros, as the writer stores it (≈ 150 bytes).
    static let zeroFrame: (bytes: [UInt8], crc: UInt32) = {
        let bytes = try! CheckpointWriter(storage: .f32).encode(
            kind: .inference, model: [:], tensors: [TensorRecord(name: "z", shape: [1 << 20], values: [Float](repeating: 0, count: 1 << 20))])
        let a = Anatomy(bytes)
        let c = a.chunk(0, 0)
        let frame = Array(a.data[c.offset..<c.offset + c.stored])
        return (frame, Checksum.crc32(frame))
    }()

    /// A file with one F32 tensor `bomb` of `chunks` × 4 MiB zeros (plus a small honest tensor).
    static func bomb(chunks: Int) -> [UInt8] {
        var data: [UInt8] = []
        var rows: [JSONValue] = []
        for _ in 0..<chunks {
            data += [UInt8](repeating: 0, count: (data.count + 63) / 64 * 64 - data.count)
            rows.append(["offset": .int(data.count), "stored_length": .int(zeroFrame.bytes.count),
                         "raw_length": .int(4 << 20), "crc32": .int(Int(zeroFrame.crc))])
            data += zeroFrame.bytes
        }
        data += [UInt8](repeating: 0, count: (data.count + 63) / 64 * 64 - data.count)
        let header: JSONValue = [
            "producer": "bomb", "kind": "inference", "model": [:], "data_length": .int(data.count),
            "tensors": [["name": "bomb", "dtype": "F32", "codec": "zstd", "filter": "byteshuffle",
                         "shape": [.int(chunks << 20)], "chunks": .array(rows)]],
        ]
        return ContainerFraming.file(header: header.serialized(), data: data)
    }

    @Test("an 8 GiB tensor declared by a 0.5 MB file: every read refuses it before allocating, with a typed error")
    func overBudget() throws {
        let bytes = Self.bomb(chunks: 2048)
        #expect(bytes.count < 600_000, "\(bytes.count) bytes")
        let file = try CheckpointFile(bytes: bytes, name: "bomb.pzck")  // a well-formed file: opening is fine
        func isOverBudget(_ error: any Error) -> Bool {
            guard case let .overBudget(file, "bomb", _, bytes, budget) = error as? CheckpointError else { return false }
            return file == "bomb.pzck" && bytes == 8 << 30 && budget == CheckpointFile.defaultMemoryBudget
                && "\(error)".contains("decompression bomb") && "\(error)".contains("Hint:")
        }
        #expect(performing: { _ = try file.tensor(named: "bomb") }, throws: isOverBudget)
        #expect(performing: { _ = try file.allTensors() }, throws: isOverBudget)
        var asked = false
        do {
            try file.readTensors { _ in asked = true; return UnsafeMutableBufferPointer(start: nil, count: 0) }
            Issue.record("readTensors accepted the bomb")
        } catch {
            #expect(isOverBudget(error), "\(error)")
        }
        #expect(!asked, "the caller was never asked for a buffer")
        // Verifying decodes chunk by chunk (bounded memory), so it may read what is really there.
        try CheckpointFile(bytes: Self.bomb(chunks: 4)).verifyData()
    }

    @Test("the budget is the caller's: a 4 MiB tensor under a 1 MiB budget is refused, under 16 MiB it loads")
    func callerBudget() throws {
        let bytes = Self.bomb(chunks: 1)
        #expect(throws: CheckpointError.self) { _ = try CheckpointFile(bytes: bytes, memoryBudget: 1 << 20).tensor(named: "bomb") }
        let values = try CheckpointFile(bytes: bytes, memoryBudget: 16 << 20).tensor(named: "bomb").values
        #expect(values.count == 1 << 20 && values.allSatisfy { $0 == 0 })
    }

    @Test("a chunk claiming more than any zstd frame of its size can hold is refused when the file is opened")
    func impossibleRatio() throws {
        var a = Anatomy(Self.bomb(chunks: 1))
        // 4 MiB needs 32 blocks of at most 128 KiB, each at least 4 bytes, plus 6 bytes of frame header.
        a.editChunk(0, 0, "stored_length", .int(6 + 4 * 32 - 1))
        #expect {
            _ = try CheckpointFile(bytes: a.bytes(), name: "ratio.pzck")
        } throws: { error in
            guard case let .invalidChunk("ratio.pzck", "bomb", 0, reason) = error as? CheckpointError else { return false }
            return reason.contains("outside 134...") && reason.contains("no zstd frame")
        }
    }

    @Test("ckpt convert of a bomb over the budget fails before writing anything and leaves no scratch file")
    func convertRefusesOverBudget() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("bomb.pzck")
        try Data(Self.bomb(chunks: 2048)).write(to: input)
        let output = dir.appendingPathComponent("out.pzck")
        #expect {
            _ = try CheckpointConverter.convert(input: input.path, output: output.path, storage: .f16, level: 3, force: false)
        } throws: { error in
            guard case .overBudget(input.path, "bomb", 1, 8 << 30, _) = error as? CheckpointError else { return false }
            return true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bomb.pzck"])
    }
}

/// `CheckpointConverter` streams: the output is exactly what `CheckpointWriter` writes for the same
/// values, whatever the input and output chunk sizes.
@Suite("Streaming conversion")
struct StreamingConversionTests {
    /// Small tensors plus one of three F32 chunks (and, as F16, two): chunk boundaries differ
    /// between input and output types.
    static func tensors() -> [TensorRecord] {
        var list = Fixtures.smallTensors()
        list.append(TensorRecord(name: "big", shape: [2_300_000], values: Fixtures.normals(2_300_000, seed: 11)))
        list.append(Q8Tests.weight("conv.weight", shape: [40, 30, 4, 4], axis: 0, seed: 12))
        list.append(Q8Tests.weight("deconv.weight", shape: [30, 40, 4, 4], axis: 1, seed: 13))
        return list
    }

    static let metadata: [String: JSONValue] = ["dataset": "facades"]
    static let sections: [String: JSONValue] = ["training": ["progress": ["step": 9]]]

    func write(_ tensors: [TensorRecord], storage: StorageType, to url: URL) throws {
        try CheckpointWriter(storage: storage, producer: "stream test").write(
            to: url, kind: .training, model: Fixtures.model, tensors: tensors, metadata: Self.metadata, sections: Self.sections)
    }

    @Test("F32 → F16 / BF16 / F32: the same bytes as the writer; no scratch file left behind")
    func sameBytesAsTheWriter() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.pzck")
        try write(Self.tensors(), storage: .f32, to: input)
        for storage in [StorageType.f16, .bf16, .f32] {
            let output = dir.appendingPathComponent("out-\(storage.rawValue).pzck")
            let summary = try CheckpointConverter.convert(input: input.path, output: output.path, storage: storage, level: 3, force: false)
            #expect(summary.toTypes == [storage] && summary.tensors == Self.tensors().count)
            let expected = dir.appendingPathComponent("expected.pzck")
            try write(Self.tensors(), storage: storage, to: expected)
            #expect(try Data(contentsOf: output) == Data(contentsOf: expected), "\(storage)")
            try FileManager.default.removeItem(at: expected)
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == ["in.pzck", "out-F16.pzck", "out-BF16.pzck", "out-F32.pzck"])
    }

    @Test("→ Q8 with channel axes and overrides: the writer's bytes; Q8 → F32 dequantises, Q8 → Q8 keeps the axes")
    func quantising() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.pzck")
        try write(Self.tensors(), storage: .f16, to: input)
        let f16 = try CheckpointFile(contentsOf: input).allTensors()
        // `special` holds infinities, which Q8 refuses: it stays F32 by override.
        let q8 = dir.appendingPathComponent("q8.pzck")
        #expect {
            _ = try CheckpointConverter.convert(input: input.path, output: q8.path, storage: .q8, level: 3, force: false)
        } throws: { error in
            guard case .invalidArgument(input.path, "special", let reason) = error as? CheckpointError else { return false }
            return reason.contains("NaN or infinite")
        }
        let axes = ["conv.weight": 0, "deconv.weight": 1]
        let summary = try CheckpointConverter.convert(input: input.path, output: q8.path, storage: .q8, level: 3, force: false,
                                                      channelAxes: axes, storageOverrides: ["special": .f32])
        #expect(summary.toTypes == [.f32, .q8] && summary.fromTypes == [.f16] && !summary.resumesExactly)
        var records = f16
        for i in records.indices {
            records[i].storage = records[i].name == "special" ? .f32 : nil
            records[i].channelAxis = axes[records[i].name]
        }
        let expected = dir.appendingPathComponent("expected.pzck")
        try write(records, storage: .q8, to: expected)
        #expect(try Data(contentsOf: q8) == Data(contentsOf: expected))

        let file = try CheckpointFile(contentsOf: q8)
        #expect(file.entry(named: "down.0.weight")?.quantization?.channelAxis == nil, "no axis given: per tensor")
        #expect(file.entry(named: "deconv.weight")?.quantization?.channelAxis == 1)

        let back = dir.appendingPathComponent("back.pzck")
        _ = try CheckpointConverter.convert(input: q8.path, output: back.path, storage: .f32, level: 1, force: false)
        for record in try file.allTensors() {
            #expect(bitsEqual(try CheckpointFile(contentsOf: back).tensor(named: record.name).values, record.values), "\(record.name)")
        }
        let again = dir.appendingPathComponent("again.pzck")
        _ = try CheckpointConverter.convert(input: back.path, output: again.path, storage: .q8, level: 3, force: false,
                                            storageOverrides: ["special": .f32])
        #expect(try CheckpointFile(contentsOf: again).entry(named: "deconv.weight")?.quantization?.channelAxis == nil,
                "an F32 input carries no axis: without channelAxes, per tensor")
        let requantized = dir.appendingPathComponent("requantized.pzck")
        _ = try CheckpointConverter.convert(input: q8.path, output: requantized.path, storage: .q8, level: 3, force: false,
                                            storageOverrides: ["special": .f32])
        let kept = try CheckpointFile(contentsOf: requantized)
        #expect(kept.entry(named: "deconv.weight")?.quantization?.channelAxis == 1 && kept.entry(named: "conv.weight")?.quantization?.channelAxis == 0)
        let original = try file.tensor(named: "conv.weight").values
        let twice = try kept.tensor(named: "conv.weight").values
        let step = original.map(abs).max()! / 127
        #expect(zip(original, twice).allSatisfy { abs($0 - $1) <= step }, "quantising twice moves no value by more than a step")
    }
}
