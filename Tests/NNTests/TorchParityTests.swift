import Foundation
import Testing
import Tensor
import NN

/// Golden parity of ``Adam`` with `torch.optim.Adam`: three steps on a 3×5
/// parameter with given gradients, lr 2e-4, betas (0.5, 0.999), eps 1e-8, with and without L2
/// weight decay; fixtures from `scripts/make_fixtures.py`.
///
/// Tolerances (fp32):
/// - parameter after each step: |ours − ref| ≤ 1e-5 + 1e-4·|ref| (``Tolerance/parity``), and,
///   because an lr-2e-4 update is about that size, also the update itself:
///   |ours − ref| ≤ 1e-4·|ref − p₀| + 4 ulp(ref), i.e. the displacement from the start p₀ within
///   1e-4 relative plus float32 rounding of the parameter;
/// - exp_avg / exp_avg_sq after step 3: |ours − ref| ≤ 1e-12 + 1e-4·|ref| (the second moment is
///   ~1e-7, far below any absolute tolerance).
/// The first step's gradient holds an exact 0 and a 1e-9 (where eps dominates the denominator).
@Suite("PyTorch parity: Adam")
struct TorchParityTests {
    @Test("Adam: parameters after three steps and the moments match torch.optim.Adam",
          arguments: ["adam", "adam_weight_decay"])
    func adam(name: String) throws {
        let f = try TorchFixture(name)
        let hyper = try Adam.Hyperparameters(
            learningRate: Float(f.number("lr")), beta1: Float(f.number("beta1")), beta2: Float(f.number("beta2")),
            epsilon: Float(f.number("eps")), weightDecay: Float(f.number("weight_decay")))
        #expect(try f.number("steps") == 3)
        let start = try f.tensor("param")
        let p = try f.tensor("param", requiresGrad: true)
        let adam = try Adam(parameters: [(key: "param", tensor: p)], hyper)

        for step in 1...3 {
            p.grad = try f.tensor("grad_\(step)")
            adam.step()
            let ref = try f.tensor("param_after_\(step)")
            let loose = compare(p, ref, "\(name) param_after_\(step)")
            #expect(loose.passed, "\(loose); tolerance \(Tolerance.parity)")

            // The update: ours − ref against the displacement ref − p₀.
            var worst = 0.0, worstIndex = 0
            for i in 0..<ref.count {
                let r = ref.pointer[i], displacement = abs(r - start.pointer[i])
                let allowed = Double(1e-4 * displacement + 4 * r.ulp)
                let ratio = Double(abs(p.pointer[i] - r)) / allowed
                if ratio > worst { worst = ratio; worstIndex = i }
            }
            #expect(worst <= 1, """
                \(name) step \(step): element \(worstIndex) moved from \(start.pointer[worstIndex]) to \
                \(p.pointer[worstIndex]), torch to \(ref.pointer[worstIndex]) (\(worst) of 1e-4·|Δ| + 4 ulp)
                """)
        }

        let (state, tensors) = adam.exportState()
        #expect(state.steps["param"] == 3)
        let moments = Tolerance(absolute: 1e-12, relative: 1e-4)
        for (suffix, key) in [(Adam.firstMomentSuffix, "exp_avg_after_3"), (Adam.secondMomentSuffix, "exp_avg_sq_after_3")] {
            let r = compare(tensors["param" + suffix], try f.tensor(key), "\(name) \(key)", tolerance: moments)
            #expect(r.passed, "\(r); tolerance \(moments)")
        }
    }

    @Test("the Adam fixtures' updates are large against float32 rounding, so the update check means something")
    func fixturesDiscriminate() throws {
        for name in ["adam", "adam_weight_decay"] {
            let f = try TorchFixture(name)
            let start = try f.tensor("param"), end = try f.tensor("param_after_3")
            // Every element moves by at least 100 ulp over three steps (2e-4 per step against
            // parameters of magnitude ≤ ~2).
            for i in 0..<start.count {
                let moved = abs(end.pointer[i] - start.pointer[i])
                #expect(moved > 100 * end.pointer[i].ulp, "\(name) element \(i) moved only \(moved)")
            }
        }
    }
}
