import Base
import Foundation
import Testing
import Tensor
@testable import NN

@Suite("Adam")
struct AdamTests {
    /// Runs Adam for the given gradients and returns the parameter after each step.
    func run(_ hyper: Adam.Hyperparameters, gradients: [[Float]], start: [Float]) throws -> [[Float]] {
        let p = try Tensor(shape: [start.count], values: start)
        p.requiresGrad = true
        let adam = try Adam(parameters: [("p", p)], hyper)
        var history: [[Float]] = []
        for g in gradients {
            p.grad = try Tensor(shape: [g.count], values: g)
            adam.step()
            history.append(p.scalars)
        }
        return history
    }

    // The third element has a zero gradient for two steps: torch still counts those steps.
    let gradients: [[Float]] = [[0.1, -0.2, 0.3, 0], [0.05, 0.4, -0.3, 0], [-0.2, 0.1, 0.25, 1e-3]]

    @Test("three steps equal the hand-computed torch.optim.Adam values (lr 0.1, β 0.9 / 0.999), ≤ 1e-6")
    func threeSteps() throws {
        // Computed in double precision with torch's formulas:
        // m = β1 m + (1−β1) g, v = β2 v + (1−β2) g², p -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
        let expected: [[Double]] = [
            [0.900000009999999, -1.9000000049999999, 0.4000000033333332, 0.25],
            [0.8067820579118706, -1.9366103565460369, 0.4052631610526314, 0.25],
            [0.8274177590722465, -1.9781754749638347, 0.3763187341123616, 0.1861197459454316],
        ]
        let got = try run(.init(learningRate: 0.1), gradients: gradients, start: [1, -2, 0.5, 0.25])
        for (step, (g, e)) in zip(got, expected).enumerated() {
            for (a, b) in zip(g, e) { #expect(abs(Double(a) - b) <= 1e-6, "step \(step + 1): \(g) vs \(e)") }
        }
    }

    @Test("L2 weight decay is added to the gradient as torch does (lr 0.01, β1 0.5, wd 0.1), ≤ 1e-6")
    func weightDecay() throws {
        let expected: [[Double]] = [
            [0.9900000005, -1.99000000025, 0.4900000002857143, 0.2400000039999984],
            [0.980586406486101, -1.9900210641415799, 0.4916637922943919, 0.23007000155149512],
            [0.979757555213326, -1.9878938828438129, 0.4867343436804077, 0.2201493034240328],
        ]
        let got = try run(.init(learningRate: 0.01, beta1: 0.5, weightDecay: 0.1), gradients: gradients, start: [1, -2, 0.5, 0.25])
        for (step, (g, e)) in zip(got, expected).enumerated() {
            for (a, b) in zip(g, e) { #expect(abs(Double(a) - b) <= 1e-6, "step \(step + 1): \(g) vs \(e)") }
        }
    }

    @Test("a large tensor (split across threads) gets the same update as the formula, element by element")
    func parallelMatchesFormula() throws {
        var rng = RandomGenerator(seed: 3)
        let n = 300_001   // above the parallel grain, not a multiple of 16
        let p = Tensor.normal([n], using: &rng)
        p.requiresGrad = true
        let start = p.scalars
        let grads = [Tensor.normal([n], using: &rng), Tensor.normal([n], using: &rng)]
        let h = Adam.Hyperparameters(learningRate: 2e-4, beta1: 0.5)
        let adam = try Adam(parameters: [("w", p)], h)
        for g in grads { p.grad = g; adam.step() }
        let g1 = grads[0].scalars, g2 = grads[1].scalars, out = p.scalars
        var worst = 0.0
        for i in stride(from: 0, to: n, by: 7) {
            var x = Double(start[i]), m = 0.0, v = 0.0
            for (t, g) in [(1, Double(g1[i])), (2, Double(g2[i]))] {
                m = 0.5 * m + 0.5 * g
                v = 0.999 * v + 0.001 * g * g
                let bc1 = 1 - Foundation.pow(0.5, Double(t)), bc2 = 1 - Foundation.pow(0.999, Double(t))
                x -= 2e-4 / bc1 * m / (v.squareRoot() / bc2.squareRoot() + 1e-8)
            }
            worst = max(worst, abs(x - Double(out[i])))
        }
        #expect(worst < 1e-6, "largest deviation \(worst)")
    }

    @Test("parameters without a gradient are skipped and get no state")
    func skipsMissingGradients() throws {
        let a = Tensor.ones([2]), b = Tensor.ones([3])
        let adam = try Adam(parameters: [("a", a), ("b", b)], .init(learningRate: 0.1))
        a.grad = Tensor.ones([2])
        adam.step()
        #expect(b.scalars == [1, 1, 1])
        #expect(a.scalars.allSatisfy { abs($0 - 0.9) < 1e-6 })
        let (state, tensors) = adam.exportState()
        #expect(state.steps == ["a": 1])
        #expect(Set(tensors.keys) == ["a.exp_avg", "a.exp_avg_sq"])
        adam.zeroGrad()
        #expect(a.grad == nil)
    }

    @Test("export → JSON + tensors → import into a fresh optimizer continues bit for bit")
    func stateRoundTrip() throws {
        var rng = RandomGenerator(seed: 9)
        let net = TwoLevel()
        for p in net.parameters() { p.assign(Tensor.normal(p.shape, using: &rng)) }
        let gradients = (0..<4).map { _ in net.parameters().map { Tensor.normal($0.shape, using: &rng) } }
        let h = Adam.Hyperparameters(learningRate: 0.01, beta1: 0.5)

        // Reference: 4 uninterrupted steps.
        let reference = TwoLevel()
        try reference.load(stateDict: net.stateDict().mapValues { $0.copy() })
        let refAdam = try Adam(module: reference, h)
        for step in 0..<4 {
            for (p, g) in zip(reference.parameters(), gradients[step]) { p.grad = g }
            refAdam.step()
        }

        // Interrupted after 2 steps, saved, restored into new objects, 2 more steps.
        let first = TwoLevel()
        try first.load(stateDict: net.stateDict().mapValues { $0.copy() })
        let firstAdam = try Adam(module: first, h)
        for step in 0..<2 {
            for (p, g) in zip(first.parameters(), gradients[step]) { p.grad = g }
            firstAdam.step()
        }
        let (state, tensors) = firstAdam.exportState()
        let json = try JSONEncoder().encode(state)
        #expect(String(decoding: json, as: UTF8.self).contains("\"step_count\":2"))
        let savedTensors = tensors.mapValues { $0.copy() }
        let savedWeights = first.stateDict().mapValues { $0.copy() }

        let resumed = TwoLevel()
        try resumed.load(stateDict: savedWeights)
        let resumedAdam = try Adam(module: resumed, .init(learningRate: 0.5))
        try resumedAdam.importState(try JSONDecoder().decode(AdamState.self, from: json), tensors: savedTensors)
        #expect(resumedAdam.hyperparameters == h)
        #expect(resumedAdam.stepCount == 2)
        for step in 2..<4 {
            for (p, g) in zip(resumed.parameters(), gradients[step]) { p.grad = g }
            resumedAdam.step()
        }
        for ((key, a), (_, b)) in zip(reference.namedParameters(), resumed.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(key)")
        }
    }

    @Test("checked import reports missing, unexpected and wrong-shape moments together, and changes nothing")
    func checkedImport() throws {
        let net = TwoLevel()
        let adam = try Adam(module: net, .init(learningRate: 0.1))
        for p in net.parameters() { p.grad = Tensor.ones(p.shape) }
        adam.step()
        var (state, tensors) = adam.exportState()
        tensors = tensors.mapValues { $0.copy() }
        tensors["head.scale.exp_avg_sq"] = nil
        tensors["head.shift.exp_avg"] = Tensor.zeros([2])
        tensors["head.bias.exp_avg"] = Tensor.zeros([2])
        state.steps["decoder.weight"] = 1

        let fresh = try Adam(module: TwoLevel(), .init(learningRate: 0.3))
        let error = try #require(throws: NNError.self) { try fresh.importState(state, tensors: tensors) }
        guard case let .stateDictMismatch(m) = error else { Issue.record("got \(error)"); return }
        #expect(m.target == "Adam state")
        #expect(m.missing.map(\.name) == ["head.scale.exp_avg_sq"])
        #expect(m.unexpected.map(\.name) == ["head.bias.exp_avg", "steps[decoder.weight]"])
        #expect(m.wrongShape == [.init(name: "head.shift.exp_avg", expected: [1, 2], found: [2])])
        #expect(fresh.stepCount == 0)
        #expect(fresh.learningRate == 0.3)
        #expect(fresh.exportState().state.steps.isEmpty)
    }

    @Test("invalid settings are rejected with the reason")
    func validation() throws {
        let p = Tensor.ones([1])
        #expect(throws: NNError.self) { try Adam(parameters: [("p", p)], .init(learningRate: -1)) }
        #expect(throws: NNError.self) { try Adam(parameters: [("p", p)], .init(beta1: 1)) }
        #expect(throws: NNError.self) { try Adam(parameters: [("p", p)], .init(epsilon: -1e-8)) }
        #expect(throws: NNError.self) { try Adam(parameters: [("p", p), ("p", Tensor.ones([1]))]) }
        #expect(throws: NNError.self) { try Adam(parameters: [("p", p), ("q", p)]) }
        let decoded = try JSONDecoder().decode(Adam.Hyperparameters.self, from: Data(#"{"lr":0.0002,"beta1":0.5}"#.utf8))
        #expect(decoded == .init(learningRate: 0.0002, beta1: 0.5))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Adam.Hyperparameters.self, from: Data(#"{"beta2":1.5}"#.utf8))
        }
    }
}
