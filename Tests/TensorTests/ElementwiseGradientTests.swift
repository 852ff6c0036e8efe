import Base
import Testing
import Tensor

/// Finite-difference checks of the elementwise ops, shaping ops and losses (GradCheck defaults:
/// |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric|, ε = 1e-2 on Float32).
@Suite("Gradient checks: elementwise, shaping, losses")
struct ElementwiseGradientTests {
    let a = TestData.normal([2, 3, 4], seed: 101)
    let b = TestData.normal([2, 3, 4], seed: 102)
    let s = TestData.normal([1], seed: 103)
    /// Denominators and log arguments in [0.5, 2].
    let positive = TestData.uniform([2, 3, 4], seed: 104, low: 0.5, high: 2)

    @Test("add, sub, mul, div of equal shapes")
    func binary() throws {
        try GradCheck.check("add", [a, b]) { $0[0] + $0[1] }
        try GradCheck.check("sub", [a, b]) { $0[0] - $0[1] }
        try GradCheck.check("mul", [a, b]) { $0[0] * $0[1] }
        try GradCheck.check("div", [a, positive]) { $0[0] / $0[1] }
    }

    @Test("binary ops with a single-element operand on either side")
    func broadcast() throws {
        let d = TestData.uniform([1], seed: 105, low: 0.5, high: 2)
        try GradCheck.check("tensor + scalar tensor", [a, s]) { $0[0] + $0[1] }
        try GradCheck.check("scalar tensor + tensor", [s, a]) { $0[0] + $0[1] }
        try GradCheck.check("tensor - scalar tensor", [a, s]) { $0[0] - $0[1] }
        try GradCheck.check("scalar tensor - tensor", [s, a]) { $0[0] - $0[1] }
        try GradCheck.check("tensor * scalar tensor", [a, s]) { $0[0] * $0[1] }
        try GradCheck.check("scalar tensor * tensor", [s, a]) { $0[0] * $0[1] }
        try GradCheck.check("tensor / scalar tensor", [a, d]) { $0[0] / $0[1] }
        try GradCheck.check("scalar tensor / tensor", [s, positive]) { $0[0] / $0[1] }
    }

    @Test("ops with Float scalars and negation")
    func floatScalars() throws {
        try GradCheck.check("x + 1.5", [a]) { $0[0] + 1.5 }
        try GradCheck.check("1.5 + x", [a]) { 1.5 + $0[0] }
        try GradCheck.check("x - 0.5", [a]) { $0[0] - 0.5 }
        try GradCheck.check("0.5 - x", [a]) { 0.5 - $0[0] }
        try GradCheck.check("x * -3", [a]) { $0[0] * -3 }
        try GradCheck.check("2 * x", [a]) { 2 * $0[0] }
        try GradCheck.check("x / 4", [a]) { $0[0] / 4 }
        try GradCheck.check("-x", [a]) { -$0[0] }
    }

    @Test("abs, exp, log")
    func unary() throws {
        try GradCheck.check("abs", [TestData.awayFromZero([2, 3, 4], seed: 106)]) { $0[0].abs() }
        try GradCheck.check("exp", [a]) { $0[0].exp() }
        try GradCheck.check("log", [positive]) { $0[0].log() }
    }

    @Test("sum and mean")
    func reductions() throws {
        try GradCheck.check("sum", [a]) { $0[0].sum() }
        try GradCheck.check("mean", [a]) { $0[0].mean() }
        // A reduction inside a larger expression: mean(x²) + sum(x)·0.1
        try GradCheck.check("mean(x*x) + 0.1*sum(x)", [a]) { ($0[0] * $0[0]).mean() + $0[0].sum() * 0.1 }
    }

    @Test("reshape, slice, concat")
    func shaping() throws {
        try GradCheck.check("reshaped", [a]) { try ($0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6])) }
        let image = TestData.normal([3, 2, 3, 4], seed: 107)
        try GradCheck.check("slice batch", [image]) { try $0[0].slice(batch: 1..<3) }
        try GradCheck.check("slice channels", [image]) { try $0[0].slice(channels: 1..<3) }
        try GradCheck.check("slice axis 1", [image]) { try $0[0].slice(axis: 1, 1..<2) }
        let other = TestData.normal([3, 2, 3, 2], seed: 108)
        try GradCheck.check("concatChannels", [image, other]) { try Tensor.concatChannels([$0[0], $0[1]]) }
        try GradCheck.check("concat axis 0", [image, image]) { try Tensor.concat([$0[0], $0[1]], axis: 0) }
        // The same tensor twice: both gradient contributions must add up.
        try GradCheck.check("concat self", [image]) { try Tensor.concat([$0[0], $0[0]], axis: 2) }
    }

    @Test("dropout with a fixed mask seed")
    func dropout() throws {
        try GradCheck.check("dropout p=0.4", [a]) { t in
            var rng = RandomGenerator(seed: 99)
            return try t[0].dropout(p: 0.4, using: &rng)
        }
    }

    @Test("losses: l1, mse, bceWithLogits, against tensors and labels")
    func losses() throws {
        let target = TestData.normal([2, 3, 4], seed: 109)
        // Keep prediction − target away from 0, where L1 has its kink.
        let offset = TestData.awayFromZero([2, 3, 4], seed: 110, margin: 0.1)
        let prediction = target + offset
        try GradCheck.check("l1", [prediction, target], atol: 1e-4) { try Loss.l1($0[0], $0[1]) }
        try GradCheck.check("mse", [prediction, target], atol: 1e-4) { try Loss.mse($0[0], $0[1]) }
        let probabilities = TestData.uniform([2, 3, 4], seed: 111, low: 0, high: 1)
        let logits = TestData.normal([2, 3, 4], seed: 112, std: 3)
        try GradCheck.check("bceWithLogits", [logits, probabilities], atol: 1e-4) { try Loss.bceWithLogits($0[0], $0[1]) }
        try GradCheck.check("bceWithLogits label 1", [logits], atol: 1e-4) { try Loss.bceWithLogits($0[0], label: 1) }
        try GradCheck.check("bceWithLogits label 0", [logits], atol: 1e-4) { try Loss.bceWithLogits($0[0], label: 0) }
        try GradCheck.check("mse label 0.9", [logits], atol: 1e-4) { try Loss.mse($0[0], label: 0.9) }
    }
}
