import Base
import Testing
import Tensor
@testable import NN

@Suite("Dropout")
struct DropoutTests {
    @Test("training: zeroes about p of the elements and scales survivors by 1/(1−p); eval: identity")
    func trainAndEval() throws {
        let layer = try Dropout(probability: 0.5, seed: 1)
        let x = Tensor.ones([4, 16, 16, 8])
        let y = try layer(x)
        let values = y.scalars
        let zeros = values.filter { $0 == 0 }.count
        #expect(values.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(abs(Double(zeros) / Double(values.count) - 0.5) < 0.03)
        layer.eval()
        #expect(try layer(x) === x)
        layer.train()
        #expect(try layer(x).scalars.contains(0))
    }

    @Test("the same seed drops the same elements; a shared source gives different masks to two layers")
    func seeded() throws {
        let x = Tensor.ones([1, 8, 8, 4])
        let a = try Dropout(probability: 0.3, seed: 7), b = try Dropout(probability: 0.3, seed: 7)
        #expect(try a(x).scalars == b(x).scalars)
        let shared = RandomSource(seed: 7)
        let c = try Dropout(probability: 0.3, randomSource: shared), d = try Dropout(probability: 0.3, randomSource: shared)
        #expect(try c(x).scalars != d(x).scalars)
        #expect(shared.generator != RandomGenerator(seed: 7))
    }

    @Test("probability outside [0, 1) is rejected; p = 0 passes input through; no parameters")
    func arguments() throws {
        #expect(throws: NNError.self) { try Dropout(probability: 1, seed: 0) }
        #expect(throws: NNError.self) { try Dropout(probability: -0.1, seed: 0) }
        let x = Tensor.ones([2, 2])
        #expect(try Dropout(probability: 0, seed: 0)(x) === x)
        #expect(try Dropout(seed: 0).parameterCount == 0)
        #expect(try Dropout(seed: 0).stateDict().isEmpty)
    }
}
