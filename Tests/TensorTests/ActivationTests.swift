import Foundation
import Testing
import Tensor

/// Activation values against their formulas (tolerance 1e-6 absolute; oneDNN's tanh/logistic are
/// polynomial approximations accurate to a few ulps).
@Suite("Activations")
struct ActivationTests {
    let values: [Float] = [-30, -4, -1.5, -0.25, 0, 0.25, 1.5, 4, 30, -0.001, 0.001, 7]

    func check(_ name: String, _ f: (Tensor) -> Tensor, _ reference: (Double) -> Double) throws {
        let x = try Tensor(shape: [1, 2, 2, 3], values: values)
        let y = f(x)
        #expect(y.shape == x.shape)
        for (v, got) in zip(values, y.scalars) {
            let want = reference(Double(v))
            #expect(abs(Double(got) - want) <= 1e-6 * max(1, abs(want)), "\(name)(\(v)) = \(got), want \(want)")
        }
    }

    @Test func relu() throws { try check("relu", { $0.relu() }) { max($0, 0) } }
    @Test func leakyReLU() throws { try check("leakyReLU", { $0.leakyReLU(0.2) }) { $0 > 0 ? $0 : 0.2 * $0 } }
    @Test func tanh() throws { try check("tanh", { $0.tanh() }) { Foundation.tanh($0) } }
    @Test func sigmoid() throws { try check("sigmoid", { $0.sigmoid() }) { 1 / (1 + Foundation.exp(-$0)) } }

    @Test("gradients at 0 follow PyTorch: relu 0, leakyReLU slope")
    func kinks() throws {
        let x = Tensor.zeros([4])
        x.requiresGrad = true
        try x.relu().sum().backward()
        #expect(x.grad?.scalars == [0, 0, 0, 0])
        x.zeroGrad()
        try x.leakyReLU(0.2).sum().backward()
        #expect(x.grad?.scalars == [0.2, 0.2, 0.2, 0.2])
    }

    @Test("a large tensor (several threads' worth) and an empty one")
    func sizes() throws {
        let big = TestData.normal([1, 64, 64, 32], seed: 301)
        let y = big.leakyReLU(0.2)
        var worst: Float = 0
        for (a, b) in zip(big.scalars, y.scalars) { worst = max(worst, abs((a > 0 ? a : 0.2 * a) - b)) }
        #expect(worst <= 1e-7)
        #expect(Tensor.zeros([0, 3]).tanh().shape == [0, 3])
    }
}
