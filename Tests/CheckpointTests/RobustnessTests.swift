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
