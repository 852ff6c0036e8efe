import Foundation
import Testing
import Tensor

/// Batch- and instance-norm values against Double-precision formulas (tolerance 1e-4 relative to
/// the output scale, 1e-5 relative for running statistics).
@Suite("Normalization")
struct NormalizationTests {
    /// Per-channel mean and biased variance of NHWC data over the given rows (N·H·W positions).
    static func stats(_ t: Tensor, rows: Range<Int>) -> (mean: [Double], variance: [Double]) {
        let c = t.shape[3]
        var mean = [Double](repeating: 0, count: c), sq = [Double](repeating: 0, count: c)
        let p = t.pointer
        for r in rows {
            for k in 0..<c { mean[k] += Double(p[r * c + k]) }
        }
        let n = Double(rows.count)
        for k in 0..<c { mean[k] /= n }
        for r in rows {
            for k in 0..<c { let d = Double(p[r * c + k]) - mean[k]; sq[k] += d * d }
        }
        return (mean, sq.map { $0 / n })
    }

    @Test("batchNorm training: output and running statistics (momentum 0.1, unbiased variance)")
    func trainingValues() throws {
        let x = TestData.normal([2, 3, 4, 5], seed: 201, std: 3)
        for k in 0..<x.count { x.pointer[k] += Float(k % 5) }  // per-channel offsets
        let w = TestData.uniform([5], seed: 202, low: 0.5, high: 1.5)
        let b = TestData.normal([5], seed: 203)
        let rm = TestData.normal([5], seed: 204), rv = TestData.uniform([5], seed: 205, low: 0.5, high: 2)
        let rm0 = rm.scalars, rv0 = rv.scalars
        let y = try Tensor.batchNorm(x, weight: w, bias: b, runningMean: rm, runningVar: rv,
                                     training: true, momentum: 0.1, eps: 1e-5)
        let rows = 2 * 3 * 4
        let (mean, variance) = Self.stats(x, rows: 0..<rows)
        let expected = Tensor.empty(x.shape)
        for r in 0..<rows {
            for k in 0..<5 {
                let v = (Double(x.pointer[r * 5 + k]) - mean[k]) / (variance[k] + 1e-5).squareRoot()
                expected.pointer[r * 5 + k] = Float(v * Double(w.pointer[k]) + Double(b.pointer[k]))
            }
        }
        let closeness = Closeness(y, expected)
        #expect(closeness.within(1e-4), "batchNorm output: \(closeness)")
        for k in 0..<5 {
            let expectedMean = 0.9 * Double(rm0[k]) + 0.1 * mean[k]
            let expectedVar = 0.9 * Double(rv0[k]) + 0.1 * variance[k] * Double(rows) / Double(rows - 1)
            #expect(abs(Double(rm.scalars[k]) - expectedMean) <= 1e-5 * max(1, abs(expectedMean)),
                    "running mean[\(k)] \(rm.scalars[k]) vs \(expectedMean)")
            #expect(abs(Double(rv.scalars[k]) - expectedVar) <= 1e-5 * max(1, expectedVar),
                    "running var[\(k)] \(rv.scalars[k]) vs \(expectedVar)")
        }
    }

    @Test("batchNorm momentum 1 copies the batch statistics, momentum 0 keeps the running ones")
    func momentumExtremes() throws {
        let x = TestData.normal([1, 2, 2, 3], seed: 206)
        let (mean, variance) = Self.stats(x, rows: 0..<4)
        let rm = Tensor.zeros([3]), rv = Tensor.ones([3])
        _ = try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: rm, runningVar: rv, training: true, momentum: 1, eps: 1e-5)
        for k in 0..<3 {
            #expect(abs(Double(rm.scalars[k]) - mean[k]) < 1e-5)
            #expect(abs(Double(rv.scalars[k]) - variance[k] * 4 / 3) < 1e-5)
        }
        let keepMean = Tensor.full([3], 0.25), keepVar = Tensor.full([3], 2)
        _ = try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: keepMean, runningVar: keepVar,
                                 training: true, momentum: 0, eps: 1e-5)
        #expect(keepMean.scalars == [0.25, 0.25, 0.25])
        #expect(keepVar.scalars == [2, 2, 2])
    }

    @Test("batchNorm eval normalises with the running statistics and leaves them unchanged")
    func evalMode() throws {
        let x = TestData.normal([2, 2, 3, 4], seed: 207)
        let rm = try Tensor(shape: [4], values: [0.5, -1, 0, 2])
        let rv = try Tensor(shape: [4], values: [4, 0.25, 1, 9])
        let w = try Tensor(shape: [4], values: [1, 2, -1, 0.5])
        let b = try Tensor(shape: [4], values: [0, 1, 0.5, -2])
        let y = try Tensor.batchNorm(x, weight: w, bias: b, runningMean: rm, runningVar: rv,
                                     training: false, momentum: 0.1, eps: 1e-5)
        let expected = Tensor.empty(x.shape)
        for r in 0..<(2 * 2 * 3) {
            for k in 0..<4 {
                let v = (Double(x.pointer[r * 4 + k]) - Double(rm.pointer[k])) / (Double(rv.pointer[k]) + 1e-5).squareRoot()
                expected.pointer[r * 4 + k] = Float(v * Double(w.pointer[k]) + Double(b.pointer[k]))
            }
        }
        let closeness = Closeness(y, expected)
        #expect(closeness.within(1e-5), "eval output: \(closeness)")
        #expect(rm.scalars == [0.5, -1, 0, 2])
        #expect(rv.scalars == [4, 0.25, 1, 9])
        // A single value per channel is fine in eval.
        let single = try Tensor.batchNorm(TestData.normal([1, 1, 1, 4], seed: 208), weight: nil, bias: nil,
                                          runningMean: rm, runningVar: rv, training: false, momentum: 0.1, eps: 1e-5)
        #expect(single.shape == [1, 1, 1, 4])
    }

    @Test("instanceNorm: per-sample, per-channel statistics, optional affine")
    func instanceNormValues() throws {
        let x = TestData.normal([3, 4, 2, 3], seed: 209, std: 2)
        for k in 0..<x.count { x.pointer[k] += Float(k / 24) }  // a different offset per sample
        let w = try Tensor(shape: [3], values: [1.5, 0.5, -1])
        let b = try Tensor(shape: [3], values: [0.1, 0, 2])
        for affine in [false, true] {
            let y = try Tensor.instanceNorm(x, weight: affine ? w : nil, bias: affine ? b : nil, eps: 1e-5)
            let expected = Tensor.empty(x.shape)
            for n in 0..<3 {
                let (mean, variance) = Self.stats(x, rows: (n * 8)..<(n * 8 + 8))
                for r in (n * 8)..<(n * 8 + 8) {
                    for k in 0..<3 {
                        var v = (Double(x.pointer[r * 3 + k]) - mean[k]) / (variance[k] + 1e-5).squareRoot()
                        if affine { v = v * Double(w.pointer[k]) + Double(b.pointer[k]) }
                        expected.pointer[r * 3 + k] = Float(v)
                    }
                }
            }
            let closeness = Closeness(y, expected)
            #expect(closeness.within(1e-4), "instanceNorm affine=\(affine): \(closeness)")
        }
    }

    @Test("bad normalization arguments throw errors naming the shapes")
    func errors() throws {
        let x = Tensor.zeros([2, 3, 3, 4])
        func bn(_ input: Tensor, weight: Tensor? = nil, rm: Tensor = .zeros([4]), rv: Tensor = .ones([4]),
                training: Bool = true, momentum: Float = 0.1, eps: Float = 1e-5) throws -> Tensor {
            try Tensor.batchNorm(input, weight: weight, bias: nil, runningMean: rm, runningVar: rv,
                                 training: training, momentum: momentum, eps: eps)
        }
        #expect(throws: TensorError.self) { try bn(Tensor.zeros([3, 3, 4])) }
        #expect(throws: TensorError.self) { try bn(x, weight: Tensor.ones([3])) }
        #expect(throws: TensorError.self) { try bn(x, rm: Tensor.zeros([3])) }
        #expect(throws: TensorError.self) { try bn(x, rv: Tensor.ones([1, 4])) }
        #expect(throws: TensorError.self) { try bn(x, momentum: 1.5) }
        #expect(throws: TensorError.self) { try bn(x, eps: 0) }
        #expect(throws: TensorError.self) { try bn(Tensor.zeros([1, 1, 1, 4])) }
        #expect(throws: TensorError.self) { try Tensor.instanceNorm(Tensor.zeros([2, 1, 1, 4]), weight: nil, bias: nil, eps: 1e-5) }
        #expect(throws: TensorError.self) { try Tensor.instanceNorm(x, weight: nil, bias: Tensor.zeros([5]), eps: 1e-5) }
        do {
            _ = try bn(x, weight: Tensor.ones([3]))
            Issue.record("expected an error")
        } catch let error as TensorError {
            #expect(error.description.contains("[2, 3, 3, 4]") && error.description.contains("[3]"), "\(error)")
        }
    }
}
