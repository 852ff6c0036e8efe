import Testing
import Tensor

/// Finite-difference checks of the oneDNN-backed ops' backward rules (tolerances: GradCheck's
/// defaults, |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric|, ε = 1e-2 on Float32, unless stated).
@Suite("Gradient checks: oneDNN ops")
struct OpGradientTests {
    @Test("conv2d k3 s1 p1 with bias, batch 2, non-square")
    func conv2dK3() throws {
        let x = TestData.normal([2, 5, 4, 3], seed: 1)
        let w = TestData.normal([4, 3, 3, 3], seed: 2, std: 0.5)
        let b = TestData.normal([4], seed: 3)
        try GradCheck.check("conv2d k3s1p1", [x, w, b]) { try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 1) }
    }

    @Test("conv2d k4 s2 p1 without bias, odd input")
    func conv2dK4() throws {
        let x = TestData.normal([1, 7, 6, 2], seed: 4)
        let w = TestData.normal([3, 2, 4, 4], seed: 5, std: 0.5)
        try GradCheck.check("conv2d k4s2p1", [x, w]) { try Tensor.conv2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1) }
    }

    @Test("conv2d: only the weight requires a gradient")
    func conv2dWeightOnly() throws {
        let x = TestData.normal([1, 4, 4, 2], seed: 6)
        let w = TestData.normal([2, 2, 3, 3], seed: 7)
        try GradCheck.check("conv2d weight only", [x, w], differentiate: [1]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: nil, stride: 1, padding: 0)
        }
    }

    @Test("convTranspose2d k4 s2 p1 with bias, batch 2")
    func deconvK4() throws {
        let x = TestData.normal([2, 3, 2, 3], seed: 8)
        let w = TestData.normal([3, 2, 4, 4], seed: 9, std: 0.5)
        let b = TestData.normal([2], seed: 10)
        try GradCheck.check("convTranspose2d k4s2p1", [x, w, b]) {
            try Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1)
        }
    }

    @Test("convTranspose2d k3 s1 p1 without bias")
    func deconvK3() throws {
        let x = TestData.normal([1, 4, 3, 2], seed: 11)
        let w = TestData.normal([2, 3, 3, 3], seed: 12, std: 0.5)
        try GradCheck.check("convTranspose2d k3s1p1", [x, w]) {
            try Tensor.convTranspose2d($0[0], weight: $0[1], bias: nil, stride: 1, padding: 1)
        }
    }

    /// Affine variants: 0 none, 1 scale only, 2 shift only, 3 both.
    @Test("batchNorm training, affine variants", arguments: [0, 1, 2, 3])
    func batchNormTraining(affine: Int) throws {
        let x = TestData.normal([2, 3, 2, 3], seed: 13, std: 2)
        let w = TestData.uniform([3], seed: 14, low: 0.5, high: 1.5)
        let b = TestData.normal([3], seed: 15)
        let scale = affine & 1 != 0, shift = affine & 2 != 0
        try GradCheck.check("batchNorm train scale=\(scale) shift=\(shift)", [x, w, b],
                            differentiate: Set([0] + (scale ? [1] : []) + (shift ? [2] : [])),
                            eps: 1e-2, atol: 3e-3, rtol: 2e-2) { t in
            try Tensor.batchNorm(t[0], weight: scale ? t[1] : nil, bias: shift ? t[2] : nil,
                                 runningMean: Tensor.zeros([3]), runningVar: Tensor.ones([3]),
                                 training: true, momentum: 0.1, eps: 1e-5)
        }
    }

    @Test("batchNorm eval uses the running statistics in backward too")
    func batchNormEval() throws {
        let x = TestData.normal([2, 2, 3, 3], seed: 16)
        let w = TestData.uniform([3], seed: 17, low: 0.5, high: 1.5)
        let b = TestData.normal([3], seed: 18)
        let rm = TestData.normal([3], seed: 19, std: 0.3)
        let rv = TestData.uniform([3], seed: 20, low: 0.5, high: 2)
        try GradCheck.check("batchNorm eval", [x, w, b]) { t in
            try Tensor.batchNorm(t[0], weight: t[1], bias: t[2], runningMean: rm, runningVar: rv,
                                 training: false, momentum: 0.1, eps: 1e-5)
        }
    }

    /// Affine variants: 0 none, 1 scale only, 2 shift only, 3 both.
    @Test("instanceNorm, affine variants", arguments: [0, 1, 2, 3])
    func instanceNorm(affine: Int) throws {
        let x = TestData.normal([2, 3, 3, 2], seed: 21, std: 1.5)
        let w = TestData.uniform([2], seed: 22, low: 0.5, high: 1.5)
        let b = TestData.normal([2], seed: 23)
        let scale = affine & 1 != 0, shift = affine & 2 != 0
        try GradCheck.check("instanceNorm scale=\(scale) shift=\(shift)", [x, w, b],
                            differentiate: Set([0] + (scale ? [1] : []) + (shift ? [2] : [])),
                            eps: 1e-2, atol: 3e-3, rtol: 2e-2) { t in
            try Tensor.instanceNorm(t[0], weight: scale ? t[1] : nil, bias: shift ? t[2] : nil, eps: 1e-5)
        }
    }

    @Test("relu, leakyReLU, tanh, sigmoid")
    func activations() throws {
        let x = TestData.awayFromZero([2, 3, 2, 4], seed: 24, margin: 0.05)
        try GradCheck.check("relu", [x]) { $0[0].relu() }
        try GradCheck.check("leakyReLU(0.2)", [x]) { $0[0].leakyReLU(0.2) }
        try GradCheck.check("leakyReLU(-0.5)", [x]) { $0[0].leakyReLU(-0.5) }
        try GradCheck.check("tanh", [x]) { $0[0].tanh() }
        try GradCheck.check("sigmoid", [x]) { $0[0].sigmoid() }
    }

    @Test("a small chain: conv → batchNorm → leakyReLU → deconv → tanh")
    func chain() throws {
        let x = TestData.normal([1, 4, 4, 2], seed: 25)
        let w1 = TestData.normal([3, 2, 4, 4], seed: 26, std: 0.4)
        let w2 = TestData.normal([3, 2, 4, 4], seed: 27, std: 0.4)
        try GradCheck.check("chain", [x, w1, w2], atol: 3e-3, rtol: 2e-2) { t in
            let h = try Tensor.conv2d(t[0], weight: t[1], bias: nil, stride: 2, padding: 1)
            let n = try Tensor.batchNorm(h, weight: nil, bias: nil, runningMean: Tensor.zeros([3]),
                                         runningVar: Tensor.ones([3]), training: true, momentum: 0.1, eps: 1e-5)
            return try Tensor.convTranspose2d(n.leakyReLU(0.2), weight: t[2], bias: nil, stride: 2, padding: 1).tanh()
        }
    }
}
