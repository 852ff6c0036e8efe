import Base
import Foundation
import Testing
import Tensor
@testable import NN

/// Finite-difference gradient check (as TensorTests' GradCheck): L = Σ f(inputs) ⊙ R with a fixed
/// random R; the analytic side seeds `backward(gradient: R)`, the numeric side is the two-sided
/// difference per element in double precision. Returns the number of elements checked.
@discardableResult
func finiteDifferenceCheck(_ name: String, _ inputs: [Tensor], eps: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 1e-2,
                           sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> Tensor) throws -> Int {
    let leaves = inputs.map { t -> Tensor in
        let leaf = t.copy()
        leaf.requiresGrad = true
        return leaf
    }
    let output = try f(leaves)
    var rng = RandomGenerator(seed: 0x5EED)
    let weights = Tensor.normal(output.shape, using: &rng)
    try output.backward(gradient: weights)
    func loss() throws -> Double {
        let out = try withNoGrad { try f(leaves) }
        return (0..<out.count).reduce(0.0) { $0 + Double(out.pointer[$1]) * Double(weights.pointer[$1]) }
    }
    var checked = 0, failures = 0
    for (i, leaf) in leaves.enumerated() {
        let analytic = leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count)
        for k in 0..<leaf.count {
            let original = leaf.pointer[k]
            leaf.pointer[k] = original + eps
            let plus = try loss()
            leaf.pointer[k] = original - eps
            let minus = try loss()
            leaf.pointer[k] = original
            let numeric = (plus - minus) / (Double(original + eps) - Double(original - eps))
            let error = abs(Double(analytic[k]) - numeric)
            checked += 1
            if error > atol + rtol * abs(numeric) {
                failures += 1
                if failures <= 5 {
                    Issue.record("\(name): d/d input \(i)[\(k)]: analytic \(analytic[k]), numeric \(numeric)", sourceLocation: sourceLocation)
                }
            }
        }
    }
    return checked
}

@Suite("Layers for classifier heads and upsampling decoders")
struct HeadLayerTests {
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, using: &rng)
    }

    @Test("nearest upsampling copies each pixel into a scale × scale block")
    func upsampleForward() throws {
        let x = try Tensor(shape: [1, 2, 2, 2], values: [1, 10, 2, 20, 3, 30, 4, 40])
        let y = try UpsampleNearest2d(scale: 2)(x)
        #expect(y.shape == [1, 4, 4, 2])
        // Channel 0, row by row: each input value fills a 2 × 2 block.
        let channel0 = stride(from: 0, to: y.count, by: 2).map { y.scalars[$0] }
        #expect(channel0 == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(y.scalars[1] == 10 && y.scalars[31] == 40)
        let tripled = try Self.normal([2, 3, 5, 4], seed: 1).upsampledNearest(scale: 3)
        #expect(tripled.shape == [2, 9, 15, 4])
        #expect(try x.upsampledNearest(scale: 1).scalars == x.scalars)
        #expect(throws: NNError.self) { _ = try UpsampleNearest2d(scale: 0) }
        #expect(throws: NNError.self) { _ = try Tensor.zeros([4, 4]).upsampledNearest(scale: 2) }
    }

    @Test("nearest upsampling: finite-difference gradients (sums of the blocks)")
    func upsampleGradients() throws {
        for scale in [2, 3] {
            let checked = try finiteDifferenceCheck("upsample ×\(scale)", [Self.normal([2, 3, 2, 3], seed: 2)]) {
                try $0[0].upsampledNearest(scale: scale)
            }
            #expect(checked == 36)
        }
    }

    @Test("linear: x·Wᵀ + b, and finite-difference gradients for x, W and b")
    func linear() throws {
        let layer = try Linear(inputFeatures: 3, outputFeatures: 2)
        layer.weight.assign(try Tensor(shape: [2, 3], values: [1, 2, 3, -1, 0, 1]))
        layer.bias!.assign(try Tensor(shape: [2], values: [0.5, -0.5]))
        let y = try layer(try Tensor(shape: [2, 3], values: [1, 1, 1, 2, 0, -1]))
        #expect(y.shape == [2, 2])
        #expect(y.scalars == [6.5, -0.5, -0.5, -3.5])
        #expect(layer.parameterCount == 8)
        #expect(layer.stateEntries().map(\.key) == ["weight", "bias"])
        #expect(throws: NNError.self) { _ = try layer(Tensor.zeros([2, 4])) }
        #expect(throws: NNError.self) { _ = try Linear(inputFeatures: 0, outputFeatures: 2) }
        let checked = try finiteDifferenceCheck("linear", [Self.normal([3, 5], seed: 3), Self.normal([4, 5], seed: 4),
                                                           Self.normal([4], seed: 5)]) {
            try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
        #expect(checked == 15 + 20 + 4)
        try finiteDifferenceCheck("linear without bias", [Self.normal([2, 6], seed: 6), Self.normal([3, 6], seed: 7)]) {
            try Tensor.linear($0[0], weight: $0[1], bias: nil)
        }
    }

    @Test("linear initialises as the reference's init_weights treats a Linear")
    func linearInit() throws {
        let layer = try Linear(inputFeatures: 400, outputFeatures: 50)
        layer.bias!.assign(Tensor.full([50], 3))
        var rng = RandomGenerator(seed: 1)
        try layer.initialize(.reference, using: &rng)
        let (mean, std) = meanAndStd(layer.weight.scalars)
        #expect(abs(mean) < 0.002 && abs(std - 0.02) < 0.002)
        #expect(layer.bias!.scalars.allSatisfy { $0 == 0 })
    }

    @Test("softmax over the last axis: distributions, shift invariance, finite-difference gradients")
    func softmax() throws {
        let x = try Tensor(shape: [2, 3], values: [0, 0, 0, 1, 2, 3])
        let y = try Softmax()(x)
        #expect(y.shape == [2, 3])
        #expect(y.scalars[0...2].allSatisfy { abs($0 - 1.0 / 3) < 1e-6 })
        let e = [exp(1.0), exp(2.0), exp(3.0)], total = e.reduce(0, +)
        for k in 0..<3 { #expect(abs(Double(y.scalars[3 + k]) - e[k] / total) < 1e-6) }
        // Large logits do not overflow (the maximum is subtracted).
        let big = try Tensor(shape: [1, 2], values: [1000, 1001]).softmax()
        #expect(abs(Double(big.scalars[1]) - 1 / (1 + exp(-1.0))) < 1e-6)
        let checked = try finiteDifferenceCheck("softmax", [Self.normal([4, 2, 5], seed: 8)]) { try $0[0].softmax() }
        #expect(checked == 40)
        // Two classes: the second probability is the sigmoid of the difference (what seed_patch64 relies on).
        let pair = try Tensor(shape: [1, 2], values: [0.3, -1.2]).softmax()
        #expect(abs(Double(pair.scalars[1]) - 1 / (1 + exp(0.3 + 1.2))) < 1e-6)
    }

    @Test("flatten keeps the batch axis and the storage order; gradients pass through")
    func flatten() throws {
        let x = Self.normal([2, 3, 4, 5], seed: 9)
        let y = try Flatten()(x)
        #expect(y.shape == [2, 60])
        #expect(y.scalars == x.scalars)
        try finiteDifferenceCheck("flatten → linear", [Self.normal([2, 2, 2, 3], seed: 10), Self.normal([2, 12], seed: 11)]) {
            try Tensor.linear(Flatten()($0[0]), weight: $0[1], bias: nil)
        }
    }
}
