import Base
import Foundation
import Testing
import Tensor

/// The synchronised batch norm's own arithmetic (sums in double, the backward written out) against
/// oneDNN's batch norm: in a group of one both compute the same thing. The equality across real
/// ranks is tested under mpirun (DistributedTests).
@Suite("Synchronised batch norm")
struct SynchronizedBatchNormTests {
    /// Output, running statistics and the three gradients of both paths for one input.
    static func bothPaths(affine: Bool) throws -> [(String, Tensor, Tensor)] {
        let x = TestData.normal([2, 5, 3, 4], seed: 301, std: 2)
        for k in 0..<x.count { x.pointer[k] += Float(k % 4) - 1 }
        let upstream = TestData.normal([2, 5, 3, 4], seed: 302)
        var results: [[Tensor]] = []
        for synchronized in [false, true] {
            let input = x.copy()
            input.requiresGrad = true
            let w = TestData.uniform([4], seed: 303, low: 0.5, high: 1.5), b = TestData.normal([4], seed: 304)
            w.requiresGrad = affine
            b.requiresGrad = affine
            let rm = TestData.normal([4], seed: 305), rv = TestData.uniform([4], seed: 306, low: 0.5, high: 2)
            let y = synchronized
                ? try Tensor.synchronizedBatchNorm(input, weight: affine ? w : nil, bias: affine ? b : nil, runningMean: rm,
                                                   runningVar: rv, momentum: 0.1, eps: 1e-5, group: SingleProcess())
                : try Tensor.batchNorm(input, weight: affine ? w : nil, bias: affine ? b : nil, runningMean: rm, runningVar: rv,
                                       training: true, momentum: 0.1, eps: 1e-5)
            try (y * upstream).sum().backward()
            results.append([y.detached(), rm, rv, input.grad ?? Tensor.zeros(x.shape)]
                           + (affine ? [w.grad ?? Tensor.zeros([4]), b.grad ?? Tensor.zeros([4])] : []))
        }
        let names = ["output", "running mean", "running variance", "input gradient", "weight gradient", "bias gradient"]
        return zip(names, zip(results[1], results[0])).map { ($0, $1.0, $1.1) }
    }

    @Test("In a group of one it matches batchNorm: output, running statistics, input / weight / bias gradients", arguments: [true, false])
    func matchesBatchNorm(affine: Bool) throws {
        for (name, synchronized, reference) in try Self.bothPaths(affine: affine) {
            let closeness = Closeness(synchronized, reference)
            #expect(closeness.within(2e-5), "\(name): \(closeness)")
        }
    }

    @Test("Finite differences agree with its backward pass")
    func gradientCheck() throws {
        let x = TestData.normal([2, 3, 2, 3], seed: 13, std: 2)
        let w = TestData.uniform([3], seed: 14, low: 0.5, high: 1.5)
        let b = TestData.normal([3], seed: 15)
        try GradCheck.check("synchronizedBatchNorm", [x, w, b], eps: 1e-2, atol: 3e-3, rtol: 2e-2) { t in
            try Tensor.synchronizedBatchNorm(t[0], weight: t[1], bias: t[2], runningMean: Tensor.zeros([3]),
                                             runningVar: Tensor.ones([3]), momentum: 0.1, eps: 1e-5, group: SingleProcess())
        }
    }

    @Test("One value per channel over the whole group is refused, naming the shape")
    func singleValue() {
        #expect(throws: TensorError.self) {
            try Tensor.synchronizedBatchNorm(Tensor.ones([1, 1, 1, 2]), weight: nil, bias: nil, runningMean: Tensor.zeros([2]),
                                             runningVar: Tensor.ones([2]), momentum: 0.1, eps: 1e-5, group: SingleProcess())
        }
    }
}
