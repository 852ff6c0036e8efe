import Testing
@testable import Tensor

/// The backward graph's memory and bookkeeping: which intermediate tensors it keeps, and that
/// gradients through freed intermediates equal those through kept ones.
@Suite("Autograd graph")
struct AutogradGraphTests {
    /// conv → batch norm → LeakyReLU → conv → concat(skip) → ReLU → sum: a U-Net level in small.
    /// Returns the loss and weak references to the intermediates the graph need not keep.
    static func level(_ x: Tensor, _ w1: Tensor, _ w2: Tensor, _ gamma: Tensor, _ beta: Tensor,
                      keepAlive: inout [Tensor]) throws -> (loss: Tensor, freeable: [Weak]) {
        let rm = Tensor.zeros([8]), rv = Tensor.ones([8])
        let c1 = try Tensor.conv2d(x, weight: w1, bias: nil, stride: 2, padding: 1)
        let bn = try Tensor.batchNorm(c1, weight: gamma, bias: beta, runningMean: rm, runningVar: rv,
                                      training: true, momentum: 0.1, eps: 1e-5)
        let act = bn.leakyReLU(0.2)
        let c2 = try Tensor.conv2d(act, weight: w2, bias: nil, stride: 1, padding: 1)
        let cat = try Tensor.concat([c2, act], axis: 3)
        let out = cat.relu()
        keepAlive += [c1, bn, act, c2, cat, out]
        // bn (LeakyReLU's input), c2 and cat (read by nobody's rule) need not outlive the forward pass.
        return (out.sum(), [Weak(bn), Weak(c2), Weak(cat)])
    }

    final class Weak {
        weak var tensor: Tensor?
        init(_ tensor: Tensor) { self.tensor = tensor }
    }

    @Test("inputs no rule reads are freed after forward; gradients equal those with every intermediate kept")
    func freesUnreadInputs() throws {
        let x = TestData.normal([2, 8, 8, 4], seed: 1400)
        let w1 = TestData.normal([8, 4, 4, 4], seed: 1401, std: 0.2)
        let w2 = TestData.normal([6, 8, 3, 3], seed: 1402, std: 0.2)
        let gamma = TestData.uniform([8], seed: 1403, low: 0.5, high: 1.5)
        let beta = TestData.normal([8], seed: 1404)
        let params = [x, w1, w2, gamma, beta]
        for p in params { p.requiresGrad = true }

        // Everything kept alive by the test: the reference gradients.
        var kept: [Tensor] = []
        let (refLoss, _) = try Self.level(x, w1, w2, gamma, beta, keepAlive: &kept)
        try refLoss.backward()
        let reference = params.map { $0.grad!.scalars }
        for p in params { p.grad = nil }

        // Nothing kept but the loss: the unread intermediates are gone before backward.
        var dropped: [Tensor] = []
        let (loss, freeable) = try Self.level(x, w1, w2, gamma, beta, keepAlive: &dropped)
        dropped.removeAll()
        for (name, ref) in zip(["batch-norm output", "second conv output", "concat output"], freeable) {
            #expect(ref.tensor == nil, "\(name) is still held by the graph")
        }
        try loss.backward()
        for (i, p) in params.enumerated() {
            #expect(p.grad!.scalars == reference[i], "gradient \(i) differs when intermediates are freed")
        }
        // The graph is released: a second backward finds none.
        #expect(throws: TensorError.self) { try loss.backward() }
    }

    @Test("an output its producer's rule reads is kept although no consumer reads it; an input a rule reads is kept")
    func keepsWhatRulesRead() throws {
        let x = TestData.normal([1, 4, 4, 8], seed: 1410)
        let w = TestData.normal([8, 8, 3, 3], seed: 1411, std: 0.2)
        w.requiresGrad = true
        var tanhOut, tanhIn, slopeIn: Weak?
        let loss: Tensor = try {
            let c = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
            let t = c.tanh()  // tanh's backward reads t; relu below keeps no input, so only the edge rule keeps t
            tanhOut = Weak(t)
            tanhIn = Weak(c)
            let c2 = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
            slopeIn = Weak(c2)  // a negative slope differentiates from the input: c2 stays
            return try Tensor.concat([t.relu(), c2.leakyReLU(-0.5)], axis: 3).sum()
        }()
        #expect(tanhOut?.tensor != nil, "tanh's output is read by its own backward")
        #expect(tanhIn?.tensor == nil, "tanh's input is read by no rule")
        #expect(slopeIn?.tensor != nil, "leakyReLU(-0.5) reads its input")
        try loss.backward()
        #expect(w.grad != nil)
        #expect(tanhOut?.tensor == nil && slopeIn?.tensor == nil, "released with the graph")
    }

    @Test("a shared intermediate read through two paths gets both gradients (diamond)")
    func diamond() throws {
        let x = TestData.normal([1, 4, 4, 8], seed: 1420)
        let w = TestData.normal([8, 8, 3, 3], seed: 1421, std: 0.2)
        w.requiresGrad = true
        func loss() throws -> Tensor {
            let c = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
            // c reaches the loss through a node edge (relu) and a tensor edge (mul reads it).
            return try (Tensor.concat([c.relu(), c * c], axis: 3)).sum()
        }
        try loss().backward()
        let analytic = w.grad!.scalars
        w.grad = nil
        // The same function as two sums (c kept alive here, so the relu edge is the only difference).
        let c = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
        try (c.relu().sum() + (c * c).sum()).backward()
        #expect(w.grad!.scalars.elementsEqual(analytic) { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }
}
