import Base
import Checkpoint
import Testing

/// Damage a valid file systematically: every load must either succeed with identical tensors or throw
/// a CheckpointError. A crash fails the whole run.
@Suite struct RobustnessTests {
    @Test func truncationAtSixtyFourLengths() throws {
        let valid = try Fixtures.validFile(storage: .bf16)
        var kinds: [String: Int] = [:]
        for k in 0..<64 {
            let n = k * valid.count / 64
            let error = loadError(Array(valid.prefix(n)))
            guard let error = error as? CheckpointError else {
                Issue.record("truncation to \(n) of \(valid.count) bytes gave \(String(describing: error))")
                continue
            }
            kinds["\(error)".components(separatedBy: " — ").first!.components(separatedBy: ": ").dropFirst().first ?? "", default: 0] += 1
        }
        #expect(kinds.values.reduce(0, +) == 64)
    }

    @Test func twoHundredRandomBitFlips() throws {
        let valid = try Fixtures.validFile(storage: .bf16)
        let reference = try CheckpointFile(bytes: valid).allTensors()
        var rng = RandomGenerator(seed: 2024)
        var succeeded = 0, rejected = 0
        for copy in 0..<200 {
            var damaged = valid
            let flips = 1 + Int(rng.next() % 3)
            for _ in 0..<flips {
                let bit = Int(rng.next() % UInt64(valid.count * 8))
                damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            do {
                let file = try CheckpointFile(bytes: damaged, name: "flip\(copy).pzck")
                let tensors = try file.allTensors()
                #expect(tensors.count == reference.count && zip(tensors, reference).allSatisfy {
                    $0.name == $1.name && $0.shape == $1.shape && bitsEqual($0.values, $1.values)
                }, "copy \(copy) loaded with different tensors")
                succeeded += 1
            } catch is CheckpointError {
                rejected += 1
            } catch {
                Issue.record("copy \(copy): untyped error \(error)")
            }
        }
        #expect(succeeded + rejected == 200)
        #expect(rejected > 150, "most flips land in checksummed bytes; succeeded \(succeeded)")
    }
}

/// Shapes whose extents are huge: element counts never trap.
@Suite struct ElementCountTests {
    @Test func elementCountIsOverflowSafe() {
        #expect(elementCount(of: []) == 1)
        #expect(elementCount(of: [3, 4]) == 12)
        #expect(elementCount(of: [1 << 40, 1 << 40, 0]) == 0)
        #expect(elementCount(of: [0, Int.max, Int.max]) == 0)
        #expect(elementCount(of: [1 << 40, 1 << 40]) == nil)
        #expect(elementCount(of: [4, -1]) == nil)
        #expect(TensorRecord(name: "x", shape: [1 << 40, 1 << 40], values: []).elementCount == .max)
    }

    @Test("a valid empty tensor of shape [2^40, 2^40, 0] is read and written without trapping")
    func emptyTensorWithHugeExtents() throws {
        let huge = [1 << 40, 1 << 40, 0]
        // Read: a file whose empty tensor declares huge extents.
        var a = Anatomy(try Fixtures.validFile())
        a.editTensor(a.tensorIndex("empty")) { $0["shape"] = .array(huge.map { .int($0) }) }
        let file = try CheckpointFile(bytes: a.bytes(), name: "huge-empty.pzck")
        let entry = try #require(file.entry(named: "empty"))
        #expect(entry.shape == huge && entry.elementCount == 0)
        #expect(try file.tensor(named: "empty").values.isEmpty)
        try file.verifyData()
        // Write: the writer takes it and the reader gives it back.
        let bytes = try CheckpointWriter().encode(kind: .inference, model: Fixtures.model,
                                                  tensors: [TensorRecord(name: "e", shape: huge, values: [])])
        #expect(try CheckpointFile(bytes: bytes).tensor(named: "e").shape == huge)
        // A non-empty shape whose product overflows is still refused, by both.
        #expect(throws: CheckpointError.self) {
            try CheckpointWriter().encode(kind: .inference, model: Fixtures.model,
                                          tensors: [TensorRecord(name: "e", shape: [1 << 40, 1 << 40], values: [])])
        }
        var b = Anatomy(try Fixtures.validFile())
        b.editTensor(b.tensorIndex("empty")) { $0["shape"] = [.int(1 << 40), .int(1 << 40), 1] }
        #expect {
            _ = try CheckpointFile(bytes: b.bytes(), name: "overflow.pzck")
        } throws: { error in
            guard case CheckpointError.invalidShape(_, "empty", _, let reason) = error else { return false }
            return reason.contains("overflows")
        }
    }

    @Test("verifying data decodes chunk by chunk: tensors of several chunks check out")
    func verifyManyChunks() throws {
        let count = 3 << 20  // 12 MiB as F32: three chunks
        let values = (0..<count).map { Float($0 % 1000) }
        let bytes = try CheckpointWriter(storage: .f32).encode(kind: .inference, model: Fixtures.model,
                                                                tensors: [TensorRecord(name: "big", shape: [count], values: values)])
        let file = try CheckpointFile(bytes: bytes)
        #expect(try #require(file.entry(named: "big")).chunks.count == 3)
        try file.verifyData()
        try file.checkDeclaredSizes()
        var damaged = Anatomy(bytes)
        damaged.data[damaged.chunk(0, 2).offset + 7] ^= 0x10
        #expect(throws: CheckpointError.self) { try CheckpointFile(bytes: damaged.bytes()).verifyData() }
    }
}
