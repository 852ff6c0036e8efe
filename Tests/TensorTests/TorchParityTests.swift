import Foundation
import Testing
import Tensor

/// Golden parity with PyTorch: each op's forward result and gradients against
/// fixtures written by `scripts/make_fixtures.py` (PyTorch CPU, float32).
///
/// Tolerance, elementwise in fp32: |ours − ref| ≤ 1e-5 + 1e-4·|ref| (``Tolerance/parity``).
/// The fixtures' meta `fp32_vs_fp64_tolerance_used` (≤ 0.05 for every op case) shows PyTorch's own
/// float32 rounding uses a small share of it. Gradients come from `backward(gradient: R)` with
/// the fixture's `grad_output` R, i.e. of L = sum(output · R); losses use `backward()`.
@Suite("PyTorch parity: ops")
struct TorchParityTests {
    /// Compares each (ours, fixture key) pair and records one issue per tensor out of tolerance.
    func check(_ fixture: TorchFixture, _ pairs: [(Tensor?, String)],
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (ours, key) in pairs {
            let report = compare(ours, try fixture.tensor(key), "\(fixture.name) \(key)")
            #expect(report.passed, "\(report); tolerance \(Tolerance.parity)", sourceLocation: sourceLocation)
        }
    }

    @Test("conv2d k4 s2 p1 with bias: output, grad input / weight / bias")
    func conv2d() throws {
        let f = try TorchFixture("conv2d_k4s2p1")
        let x = try f.tensor("input", requiresGrad: true)
        let w = try f.tensor("weight", requiresGrad: true)
        let b = try f.tensor("bias", requiresGrad: true)
        let y = try Tensor.conv2d(x, weight: w, bias: b, stride: Int(f.number("stride")),
                                  padding: Int(f.number("padding")))
        try y.backward(gradient: f.tensor("grad_output"))
        try check(f, [(y, "output"), (x.grad, "grad_input"), (w.grad, "grad_weight"), (b.grad, "grad_bias")])
    }

    @Test("conv-transpose2d k4 s2 p1 with bias: output, grad input / weight / bias")
    func convTranspose2d() throws {
        let f = try TorchFixture("conv_transpose2d_k4s2p1")
        let x = try f.tensor("input", requiresGrad: true)
        let w = try f.tensor("weight", requiresGrad: true)
        let b = try f.tensor("bias", requiresGrad: true)
        let y = try Tensor.convTranspose2d(x, weight: w, bias: b, stride: Int(f.number("stride")),
                                           padding: Int(f.number("padding")))
        try y.backward(gradient: f.tensor("grad_output"))
        try check(f, [(y, "output"), (x.grad, "grad_input"), (w.grad, "grad_weight"), (b.grad, "grad_bias")])
    }

    @Test("batch norm, training: batch statistics, running-statistic update, gradients")
    func batchNormTrain() throws {
        let f = try TorchFixture("batch_norm_train")
        #expect(try f.flag("training"))
        let x = try f.tensor("input", requiresGrad: true)
        let w = try f.tensor("weight", requiresGrad: true)
        let b = try f.tensor("bias", requiresGrad: true)
        let runningMean = try f.tensor("running_mean"), runningVar = try f.tensor("running_var")
        let y = try Tensor.batchNorm(x, weight: w, bias: b, runningMean: runningMean, runningVar: runningVar,
                                     training: true, momentum: Float(f.number("momentum")),
                                     eps: Float(f.number("eps")))
        try y.backward(gradient: f.tensor("grad_output"))
        try check(f, [(y, "output"), (runningMean, "running_mean_after"), (runningVar, "running_var_after"),
                      (x.grad, "grad_input"), (w.grad, "grad_weight"), (b.grad, "grad_bias")])
    }

    @Test("batch norm, eval: running statistics, unchanged, gradients")
    func batchNormEval() throws {
        let f = try TorchFixture("batch_norm_eval")
        #expect(try !f.flag("training"))
        let x = try f.tensor("input", requiresGrad: true)
        let w = try f.tensor("weight", requiresGrad: true)
        let b = try f.tensor("bias", requiresGrad: true)
        let runningMean = try f.tensor("running_mean"), runningVar = try f.tensor("running_var")
        let y = try Tensor.batchNorm(x, weight: w, bias: b, runningMean: runningMean, runningVar: runningVar,
                                     training: false, momentum: Float(f.number("momentum")),
                                     eps: Float(f.number("eps")))
        try y.backward(gradient: f.tensor("grad_output"))
        try check(f, [(y, "output"), (runningMean, "running_mean"), (runningVar, "running_var"),
                      (x.grad, "grad_input"), (w.grad, "grad_weight"), (b.grad, "grad_bias")])
    }

    @Test("instance norm, affine and not: output and gradients", arguments: [true, false])
    func instanceNorm(affine: Bool) throws {
        let f = try TorchFixture(affine ? "instance_norm_affine" : "instance_norm")
        #expect(try f.flag("affine") == affine)
        let x = try f.tensor("input", requiresGrad: true)
        let w = try affine ? f.tensor("weight", requiresGrad: true) : nil
        let b = try affine ? f.tensor("bias", requiresGrad: true) : nil
        let y = try Tensor.instanceNorm(x, weight: w, bias: b, eps: Float(f.number("eps")))
        try y.backward(gradient: f.tensor("grad_output"))
        var pairs: [(Tensor?, String)] = [(y, "output"), (x.grad, "grad_input")]
        if affine { pairs += [(w?.grad, "grad_weight"), (b?.grad, "grad_bias")] }
        try check(f, pairs)
    }

    @Test("activations: output and gradient", arguments: ["leaky_relu", "relu", "tanh", "sigmoid"])
    func activation(name: String) throws {
        let f = try TorchFixture(name)
        let x = try f.tensor("input", requiresGrad: true)
        let y: Tensor
        switch name {
        case "leaky_relu": y = try x.leakyReLU(Float(f.number("negative_slope")))
        case "relu": y = x.relu()
        case "tanh": y = x.tanh()
        case "sigmoid": y = x.sigmoid()
        default: Issue.record("no op for fixture \(name)"); return
        }
        try y.backward(gradient: f.tensor("grad_output"))
        try check(f, [(y, "output"), (x.grad, "grad_input")])
    }

    @Test("L1 and MSE losses (mean): value and gradient", arguments: ["l1_loss", "mse_loss"])
    func regressionLoss(name: String) throws {
        let f = try TorchFixture(name)
        let prediction = try f.tensor("prediction", requiresGrad: true)
        let target = try f.tensor("target")
        let loss = try name == "l1_loss" ? Loss.l1(prediction, target) : Loss.mse(prediction, target)
        try loss.backward()
        try check(f, [(loss, "loss"), (prediction.grad, "grad_prediction")])
    }

    @Test("BCE with logits (mean), stable at |logit| 30 to 100: value and gradient")
    func bceWithLogits() throws {
        let f = try TorchFixture("bce_with_logits")
        let logits = try f.tensor("logits", requiresGrad: true)
        let loss = try Loss.bceWithLogits(logits, f.tensor("target"))
        try loss.backward()
        #expect(loss.item.isFinite && (logits.grad?.scalars.allSatisfy(\.isFinite) ?? false))
        try check(f, [(loss, "loss"), (logits.grad, "grad_logits")])
    }

    @Test("BCE with logits against a constant label (the GAN loss)", arguments: [1, 0])
    func bceWithLogitsLabel(label: Int) throws {
        let f = try TorchFixture("bce_with_logits_label\(label)")
        #expect(try f.number("label") == Double(label))
        let logits = try f.tensor("logits", requiresGrad: true)
        let loss = try Loss.bceWithLogits(logits, label: Float(label))
        try loss.backward()
        try check(f, [(loss, "loss"), (logits.grad, "grad_logits")])
    }

    @Test("the comparison fails on a shape mismatch, a NaN and an error of twice the tolerance")
    func comparisonCanFail() throws {
        let f = try TorchFixture("tanh")
        let ref = try f.tensor("output")
        #expect(compare(ref, ref, "same").passed)
        #expect(!compare(nil, ref, "missing").passed)
        #expect(!compare(try ref.reshaped([ref.count]), ref, "flat").passed)
        let index = 7
        let value = ref.scalars[index]
        let off = ref.copy()
        off.pointer[index] = value + 2 * (Tolerance.parity.absolute + Tolerance.parity.relative * abs(value))
        let report = compare(off, ref, "off")
        #expect(!report.passed && report.worstIndex == index)
        off.pointer[index] = .nan
        #expect(!compare(off, ref, "nan").passed)
    }

    @Test("every op fixture is present, and PyTorch's float32 rounding uses < 10% of the tolerance")
    func fixturesPresent() throws {
        let names = ["conv2d_k4s2p1", "conv_transpose2d_k4s2p1", "batch_norm_train", "batch_norm_eval",
                     "instance_norm_affine", "instance_norm", "leaky_relu", "relu", "tanh", "sigmoid",
                     "l1_loss", "mse_loss", "bce_with_logits", "bce_with_logits_label1", "bce_with_logits_label0"]
        for name in names {
            let f = try TorchFixture(name)
            #expect(try f.number("fp32_vs_fp64_tolerance_used") < 0.1, "\(name)")
        }
    }
}
