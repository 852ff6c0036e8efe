import Base
import Checkpoint
import Foundation
import Testing

/// Q8 storage (format 1.1): int8 with a Float32 scale per output channel (symmetric) or one scale and
/// zero point per tensor (affine); rank-0/1 and empty tensors stay F32.
@Suite("Q8 storage")
struct Q8Tests {
    /// Channel c of a weight scaled by 2^(c mod 8) / 16, so channels span two orders of magnitude
    /// (what per-channel scales are for); channel `zeroChannel` is all zeros.
    static func weight(_ name: String, shape: [Int], axis: Int, seed: UInt64, zeroChannel: Int? = nil) -> TensorRecord {
        var values = Fixtures.normals(shape.reduce(1, *), std: 0.5, seed: seed)
        let inner = shape[(axis + 1)...].reduce(1, *)
        for i in values.indices {
            let c = (i / inner) % shape[axis]
            values[i] = c == zeroChannel ? 0 : values[i] * Float(1 << (c % 8)) / 16
        }
        return TensorRecord(name: name, shape: shape, values: values, channelAxis: axis)
    }

    static func tensors() -> [TensorRecord] {
        [
            weight("conv.weight", shape: [8, 3, 4, 4], axis: 0, seed: 1, zeroChannel: 5),
            weight("deconv.weight", shape: [6, 5, 4, 4], axis: 1, seed: 2),
            // No channel axis given: one scale and zero point; values mostly positive (affine pays off).
            TensorRecord(name: "matrix", shape: [5, 7], values: Fixtures.normals(35, std: 0.3, seed: 3).map { $0 + 0.8 }),
            TensorRecord(name: "conv.bias", shape: [8], values: Fixtures.normals(8, seed: 4)),
            TensorRecord(name: "bn.running_var", shape: [8], values: Fixtures.normals(8, seed: 5).map { 1 + abs($0) }),
            TensorRecord(name: "step", shape: [], values: [77]),
            TensorRecord(name: "empty", shape: [0, 5], values: []),
        ]
    }

    static func q8File() throws -> [UInt8] {
        try CheckpointWriter(storage: .q8).encode(kind: .inference, model: Fixtures.model, tensors: tensors(),
                                                  metadata: ["note": "q8"])
    }

    /// Checks a Q8 tensor read back: every value is exactly q × scale (symmetric, |q| ≤ 127) or
    /// (q − z) × scale (affine, q in −128…127) for an integer q, within half a step of the original.
    static func checkDequantized(_ original: TensorRecord, _ read: [Float], _ q: Quantization,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, (x, v)) in zip(original.values, read).enumerated() {
            let scale: Float, zero: Float, low: Float
            switch q {
            case let .perChannel(axis, scales):
                let inner = original.shape[(axis + 1)...].reduce(1, *)
                (scale, zero, low) = (scales[(i / inner) % original.shape[axis]], 0, -127)
            case let .perTensor(s, z):
                (scale, zero, low) = (s, Float(z), -128)
            }
            let level = (v / scale).rounded() + zero
            guard level >= low, level <= 127, ((level - zero) * scale).bitPattern == v.bitPattern else {
                Issue.record("\(original.name)[\(i)] = \(v) is not an int8 level of scale \(scale)", sourceLocation: sourceLocation)
                return
            }
            guard abs(x - v) <= scale / 2 * 1.0001 else {
                Issue.record("\(original.name)[\(i)]: |\(x) − \(v)| > half a step (\(scale / 2))", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test("rank ≥ 2 tensors become int8 with per-channel or per-tensor scales; biases, statistics, scalars and empty tensors stay F32")
    func roundTrip() throws {
        let bytes = try Self.q8File()
        #expect(bytes[10] == 1 && bytes[11] == 0, "a file with Q8 tensors is format 1.1")
        let file = try CheckpointFile(bytes: bytes)
        #expect(file.header.majorVersion == 1 && file.header.minorVersion == 1)
        let types = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0.dtype) })
        #expect(types == ["conv.weight": .q8, "deconv.weight": .q8, "matrix": .q8, "conv.bias": .f32,
                          "bn.running_var": .f32, "step": .f32, "empty": .f32])
        for original in Self.tensors() {
            let entry = try #require(file.entry(named: original.name))
            let read = try file.tensor(named: original.name)
            #expect(read.shape == original.shape && read.storage == entry.dtype)
            guard entry.dtype == .q8 else {
                #expect(entry.quantization == nil && bitsEqual(read.values, original.values), "\(original.name) is exact F32")
                continue
            }
            #expect(entry.filter == .none, "byte shuffle is meaningless for 1-byte elements")
            #expect(entry.rawByteCount == original.values.count, "one byte per element")
            let q = try #require(entry.quantization)
            #expect(read.channelAxis == original.channelAxis && q.channelAxis == original.channelAxis)
            Self.checkDequantized(original, read.values, q)
            switch q {
            case let .perChannel(axis, scales):
                // The scales are max |x| / 127 per channel (1 for an all-zero channel).
                let inner = original.shape[(axis + 1)...].reduce(1, *)
                var maxAbs = [Float](repeating: 0, count: original.shape[axis])
                for (i, x) in original.values.enumerated() { maxAbs[(i / inner) % maxAbs.count] = max(maxAbs[(i / inner) % maxAbs.count], abs(x)) }
                #expect(scales == maxAbs.map { $0 == 0 ? 1 : $0 / 127 }, "\(original.name)")
            case let .perTensor(scale, zeroPoint):
                #expect(original.name == "matrix" && scale > 0 && zeroPoint < -100, "mostly positive values use the low codes: z = \(zeroPoint)")
            }
        }
        let conv = try file.tensor(named: "conv.weight").values
        #expect(conv[(5 * 48)..<(6 * 48)].allSatisfy { $0 == 0 }, "an all-zero channel stays exactly zero")
        // Deterministic: the same bytes again, with any thread count.
        #expect(try CheckpointWriter(storage: .q8, threads: 1).encode(kind: .inference, model: Fixtures.model,
                                                                      tensors: Self.tensors(), metadata: ["note": "q8"]) == bytes)
    }

    @Test("per-channel scales keep a small channel as accurate as a large one; one scale per tensor would not")
    func perChannelBeatsPerTensor() throws {
        var values = Fixtures.normals(2 * 64, std: 1, seed: 8)
        for i in 0..<64 { values[i] *= 0.001 }  // channel 0 is 1000× smaller than channel 1
        let channel = TensorRecord(name: "w", shape: [2, 64], values: values, channelAxis: 0)
        var tensor = channel
        tensor.channelAxis = nil
        func smallChannelError(_ record: TensorRecord) throws -> Float {
            let bytes = try CheckpointWriter(storage: .q8).encode(kind: .inference, model: [:], tensors: [record])
            let read = try CheckpointFile(bytes: bytes).tensor(named: "w").values
            let range = values[0..<64].map(abs).max()!
            return zip(values[0..<64], read[0..<64]).map { abs($0 - $1) }.max()! / range
        }
        let perChannel = try smallChannelError(channel), perTensor = try smallChannelError(tensor)
        #expect(perChannel <= 0.5 / 127 * 1.001, "per channel: error \(perChannel) of the channel's range")
        #expect(perTensor > 0.1, "per tensor, the small channel is mostly rounded away: \(perTensor)")
    }

    @Test("the writer refuses what Q8 cannot hold, naming the tensor: NaN, infinity, values beyond 2^120 steps, an axis outside the shape")
    func writerRefusals() throws {
        func refusal(_ record: TensorRecord) -> String? {
            do {
                _ = try CheckpointWriter(storage: .q8).encode(kind: .inference, model: [:], tensors: [record])
                return nil
            } catch let error as CheckpointError {
                guard case .invalidArgument(_, "w", let reason) = error else { return "wrong case: \(error)" }
                return reason
            } catch {
                return "untyped: \(error)"
            }
        }
        var nan = [Float](repeating: 0.5, count: 16)
        nan[3] = .nan
        #expect(refusal(TensorRecord(name: "w", shape: [4, 4], values: nan, channelAxis: 0))?.contains("NaN") == true)
        var inf = [Float](repeating: 0.5, count: 16)
        inf[15] = -.infinity
        #expect(refusal(TensorRecord(name: "w", shape: [4, 4], values: inf))?.contains("infinite") == true)
        #expect(refusal(TensorRecord(name: "w", shape: [4, 4], values: [Float](repeating: 3e38, count: 16), channelAxis: 1))?
            .contains("too large") == true)
        #expect(refusal(TensorRecord(name: "w", shape: [4, 4], values: [Float](repeating: 1, count: 16), channelAxis: 2))?
            .contains("axis 2") == true)
        // The same values as F32 are fine (only Q8 refuses them).
        _ = try CheckpointWriter(storage: .f32).encode(kind: .inference, model: [:],
                                                       tensors: [TensorRecord(name: "w", shape: [4, 4], values: inf)])
    }

    @Test("a file of F32 / F16 / BF16 tensors is still written as format 1.0, and a committed 1.0 file reads exactly")
    func version10StillReads() throws {
        // Q8 asked for, but nothing of rank ≥ 2: no Q8 tensor, so nothing needs 1.1.
        let small = try CheckpointWriter(storage: .q8).encode(kind: .inference, model: [:],
                                                               tensors: [TensorRecord(name: "b", shape: [3], values: [1, 2, 3])])
        let smallFile = try CheckpointFile(bytes: small)
        #expect(small[10] == 0 && smallFile.header.minorVersion == 0)
        #expect(try Fixtures.validFile(storage: .bf16)[10] == 0)

        let file = try CheckpointFile(bytes: LegacyFixture.version10, name: "v1.0.pzck")
        #expect(file.header.majorVersion == 1 && file.header.minorVersion == 0 && file.header.producer == "pzck 1.0 fixture")
        #expect(try file.tensor(named: "conv.weight").values == (0..<12).map { (Float($0) - 5.5) / 8 })
        #expect(try file.tensor(named: "half").values == [0.5, -1.25, 0x1p-20, 65504])
        #expect(try file.tensor(named: "brain").values == [1, -2.5, 0.15625])
        #expect(try file.tensor(named: "step").values == [42] && file.entry(named: "step")?.shape == [])
        #expect(try file.tensor(named: "empty").values.isEmpty)
        #expect(file.entries.map(\.dtype) == [.f32, .f16, .bf16, .f32, .f32] && file.entries.allSatisfy { $0.quantization == nil })
        try file.verifyData()
    }
}

/// Damaged Q8 tables and data: each gives a typed error naming the file and the tensor, with a hint.
@Suite("Q8 storage: damaged files")
struct Q8BadInputTests {
    let valid: [UInt8]
    init() throws { valid = try Q8Tests.q8File() }

    func expectError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation, _ match: (CheckpointError) -> Bool) {
        let error = loadError(bytes)
        guard let error = error as? CheckpointError else {
            Issue.record("expected a CheckpointError, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(match(error), "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == "crafted.pzck" && error.description.contains("Hint:"), "\(error)", sourceLocation: sourceLocation)
    }

    /// `valid` with the `quantization` object of tensor `name` edited.
    func editing(_ name: String, _ edit: (inout [String: JSONValue]) -> Void) -> [UInt8] {
        var a = Anatomy(valid)
        a.editTensor(a.tensorIndex(name)) { row in
            var q = row["quantization"]?.objectValue ?? [:]
            edit(&q)
            row["quantization"] = .object(q)
        }
        return a.bytes()
    }

    func invalidQuantization(_ tensor: String, _ words: String) -> (CheckpointError) -> Bool {
        { error in
            guard case .invalidQuantization(_, tensor, let reason) = error else { return false }
            return reason.contains(words)
        }
    }

    @Test("bad scales: negative, zero, beyond binary32, beyond 2^120, a string, the wrong count")
    func badScales() {
        func scales(_ first: JSONValue) -> [UInt8] {
            editing("conv.weight") { q in
                var list = q["scales"]!.arrayValue!
                list[0] = first
                q["scales"] = .array(list)
            }
        }
        for bad: JSONValue in [.double(-0.01), .int(0), .double(-0.0), .number(JSONNumber(text: "1e39")!),
                               .number(JSONNumber(text: "1e999")!), .double(0x1p121), .string("0.5"), .null] {
            expectError(scales(bad), invalidQuantization("conv.weight", "scale 0"))
        }
        expectError(editing("conv.weight") { $0["scales"] = .array(Array($0["scales"]!.arrayValue!.dropLast())) },
                    invalidQuantization("conv.weight", "has 7 values, but axis 0 has 8 channels"))
        expectError(editing("matrix") { $0["scale"] = .double(-1) }, invalidQuantization("matrix", "\"scale\""))
        expectError(editing("matrix") { $0["scale"] = nil }, invalidQuantization("matrix", "\"scale\""))
    }

    @Test("a NaN scale cannot even be written in JSON: the header is refused as invalid JSON")
    func nanScale() throws {
        var a = Anatomy(valid)
        let text = String(decoding: a.header, as: UTF8.self)
        let scales = try #require(text.range(of: "\"scales\":["))
        let end = try #require(text[scales.upperBound...].firstIndex(of: ","))
        a.header = Array((text[..<scales.upperBound] + "NaN" + text[end...]).utf8)
        expectError(a.bytes()) { error in
            guard case .invalidHeader(_, let reason) = error else { return false }
            return reason.contains("JSON")
        }
    }

    @Test("bad axis, zero point and scheme; a missing or misplaced quantization object")
    func badParameters() {
        expectError(editing("conv.weight") { $0["axis"] = 4 }, invalidQuantization("conv.weight", "\"axis\""))
        expectError(editing("conv.weight") { $0["axis"] = .double(0.5) }, invalidQuantization("conv.weight", "\"axis\""))
        expectError(editing("deconv.weight") { $0["axis"] = 0 }, invalidQuantization("deconv.weight", "axis 0 has 6 channels"))
        expectError(editing("matrix") { $0["zero_point"] = 128 }, invalidQuantization("matrix", "zero_point"))
        expectError(editing("matrix") { $0["zero_point"] = .double(1.5) }, invalidQuantization("matrix", "zero_point"))
        expectError(editing("matrix") { $0["scheme"] = "per_tensor_log" }, invalidQuantization("matrix", "unknown scheme"))
        var missing = Anatomy(valid)
        missing.editTensor(missing.tensorIndex("matrix")) { $0["quantization"] = nil }
        expectError(missing.bytes(), invalidQuantization("matrix", "needs a \"quantization\""))
        var misplaced = Anatomy(valid)
        misplaced.editTensor(misplaced.tensorIndex("conv.bias")) { $0["quantization"] = ["scheme": "per_tensor_affine", "scale": 1, "zero_point": 0] }
        expectError(misplaced.bytes(), invalidQuantization("conv.bias", "only valid with dtype Q8"))
        var notObject = Anatomy(valid)
        notObject.editTensor(notObject.tensorIndex("conv.weight")) { $0["quantization"] = [1, 2] }
        expectError(notObject.bytes(), invalidQuantization("conv.weight", "not an object"))
    }

    @Test("truncated or flipped Q8 data, and a table that miscounts the int8 bytes")
    func badData() {
        let a = Anatomy(valid)
        let conv = a.chunk(a.tensorIndex("conv.weight"), 0)
        expectError(Array(valid.prefix(valid.count - a.data.count - 16 + conv.offset + conv.stored / 2))) {
            if case .truncated = $0 { return true }
            return false
        }
        var flipped = a
        flipped.data[conv.offset + conv.stored / 2] ^= 0x20
        expectError(flipped.bytes()) {
            if case .checksumMismatch(_, "conv.weight", "chunk 0", _, _) = $0 { return true }
            return false
        }
        var miscounted = a
        miscounted.editChunk(miscounted.tensorIndex("conv.weight"), 0, "raw_length", .int(conv.raw * 4))
        expectError(miscounted.bytes()) {
            if case .invalidShape(_, "conv.weight", _, _) = $0 { return true }
            return false
        }
    }
}
