import Testing
import Tensor

/// The gradient checker itself must catch wrong backward rules, or a passing check means nothing.
@Suite("GradCheck catches wrong gradients")
struct GradCheckSelfTests {
    /// y = 2x with a backward rule that claims dy/dx = 2.1.
    static func slightlyWrongDouble(_ x: Tensor) -> Tensor {
        let out = x.detached() * Float(2)
        return Tensor.record(out, op: "wrong_double", inputs: [x]) { g, _ in [g * Float(2.1)] }
    }

    @Test("a 5 % error in a backward rule is reported")
    func detectsWrongRule() throws {
        let x = TestData.normal([3, 4], seed: 501)
        withKnownIssue("the rule is wrong on purpose") {
            try GradCheck.check("wrong_double", [x]) { Self.slightlyWrongDouble($0[0]) }
        }
    }

    @Test("a missing gradient (rule returns nil) is reported")
    func detectsMissingGradient() throws {
        let x = TestData.normal([2, 2], seed: 502)
        withKnownIssue("the rule drops the gradient on purpose") {
            try GradCheck.check("no_grad", [x]) { t in
                Tensor.record(t[0].detached() * Float(3), op: "no_grad", inputs: [t[0]]) { _, _ in [nil] }
            }
        }
    }
}
