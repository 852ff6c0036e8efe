import Testing
import Tensor
import TestSupport

/// The oneDNN kernels against the plain-Swift reference kernels (Double accumulation) on random
/// shapes: forward, backward-data and backward-weights (+ bias). Tolerance: max |oneDNN − reference|
/// ≤ 1e-4 · max(1, max |reference|), i.e. 1e-4 relative to the result's scale.
@Suite("oneDNN kernels vs plain-Swift reference")
struct ReferenceKernelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let transposed: Bool
        let input: [Int]
        let weight: [Int]
        let stride: Int
        let padding: Int
        let bias: Bool
        var testDescription: String { name }
    }

    static let tolerance = 1e-4

    static let cases: [Case] = [
        Case(name: "conv k4s2p1 batch 2 non-square, bias", transposed: false, input: [2, 8, 6, 3], weight: [5, 3, 4, 4],
             stride: 2, padding: 1, bias: true),
        Case(name: "conv k3s1p1 batch 2", transposed: false, input: [2, 7, 9, 4], weight: [6, 4, 3, 3],
             stride: 1, padding: 1, bias: false),
        Case(name: "conv k4s2p1 32→48 (blocked weights)", transposed: false, input: [1, 8, 8, 32], weight: [48, 32, 4, 4],
             stride: 2, padding: 1, bias: true),
        Case(name: "conv k4s2p1 odd 7×5", transposed: false, input: [1, 7, 5, 3], weight: [4, 3, 4, 4],
             stride: 2, padding: 1, bias: false),
        Case(name: "conv k1s1p0 16→16", transposed: false, input: [2, 5, 3, 16], weight: [16, 16, 1, 1],
             stride: 1, padding: 0, bias: true),
        Case(name: "conv k4s1p1 16→32 (backward-data as a forward conv over flipped weights)", transposed: false,
             input: [2, 9, 7, 16], weight: [32, 16, 4, 4], stride: 1, padding: 1, bias: true),
        Case(name: "conv k3s1p2 24→16 (flipped, padding > k/2)", transposed: false,
             input: [1, 6, 5, 24], weight: [16, 24, 3, 3], stride: 1, padding: 2, bias: false),
        Case(name: "conv k5s3p2", transposed: false, input: [1, 11, 7, 3], weight: [4, 3, 5, 5],
             stride: 3, padding: 2, bias: true),
        Case(name: "deconv k4s2p1 batch 2 non-square, bias", transposed: true, input: [2, 4, 3, 6], weight: [6, 5, 4, 4],
             stride: 2, padding: 1, bias: true),
        Case(name: "deconv k4s2p1 32→48 (blocked weights)", transposed: true, input: [1, 4, 4, 32], weight: [32, 48, 4, 4],
             stride: 2, padding: 1, bias: false),
        Case(name: "deconv k4s2p1 1×1 input (U-Net innermost)", transposed: true, input: [1, 1, 1, 16], weight: [16, 8, 4, 4],
             stride: 2, padding: 1, bias: false),
        Case(name: "deconv k3s1p1 batch 2", transposed: true, input: [2, 5, 4, 3], weight: [3, 4, 3, 3],
             stride: 1, padding: 1, bias: true),
        Case(name: "deconv k3s2p0", transposed: true, input: [1, 3, 5, 2], weight: [2, 3, 3, 3],
             stride: 2, padding: 0, bias: false),
    ]

    @Test("forward, backward-data, backward-weights", arguments: cases)
    func matchesReference(_ c: Case) throws {
        let seed = UInt64(c.name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        let x = TestData.normal(c.input, seed: seed)
        let w = TestData.normal(c.weight, seed: seed &+ 1, std: 0.3)
        let outC = c.transposed ? c.weight[1] : c.weight[0]
        let b = c.bias ? TestData.normal([outC], seed: seed &+ 2) : nil

        let y: Tensor, yRef: Tensor
        if c.transposed {
            y = try withNoGrad { try Tensor.convTranspose2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding) }
            yRef = try Reference.convTranspose2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding)
        } else {
            y = try withNoGrad { try Tensor.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding) }
            yRef = try Reference.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding)
        }
        #expect(y.shape == yRef.shape)
        let forward = Closeness(y, yRef)
        #expect(forward.within(Self.tolerance), "\(c.name) forward: \(forward)")

        let gy = TestData.normal(y.shape, seed: seed &+ 3)
        let dx: Tensor, dxRef: Tensor
        let dw: (weight: Tensor, bias: Tensor?), dwRef: (weight: Tensor, bias: Tensor?)
        if c.transposed {
            dx = try Tensor.convTranspose2dBackwardData(gy, weight: w, inputShape: c.input, stride: c.stride, padding: c.padding)
            dxRef = try Reference.convTranspose2dBackwardData(gy, weight: w, inputShape: c.input, stride: c.stride, padding: c.padding)
            dw = try Tensor.convTranspose2dBackwardWeights(x, gradOutput: gy, weightShape: c.weight, bias: c.bias,
                                                           stride: c.stride, padding: c.padding)
            dwRef = try Reference.convTranspose2dBackwardWeights(x, gradOutput: gy, weightShape: c.weight, bias: c.bias,
                                                                 stride: c.stride, padding: c.padding)
        } else {
            dx = try Tensor.conv2dBackwardData(gy, weight: w, inputShape: c.input, stride: c.stride, padding: c.padding)
            dxRef = try Reference.conv2dBackwardData(gy, weight: w, inputShape: c.input, stride: c.stride, padding: c.padding)
            dw = try Tensor.conv2dBackwardWeights(x, gradOutput: gy, weightShape: c.weight, bias: c.bias,
                                                  stride: c.stride, padding: c.padding)
            dwRef = try Reference.conv2dBackwardWeights(x, gradOutput: gy, weightShape: c.weight, bias: c.bias,
                                                        stride: c.stride, padding: c.padding)
        }
        let data = Closeness(dx, dxRef)
        #expect(data.within(Self.tolerance), "\(c.name) backward-data: \(data)")
        let weights = Closeness(dw.weight, dwRef.weight)
        #expect(weights.within(Self.tolerance), "\(c.name) backward-weights: \(weights)")
        #expect((dw.bias == nil) == !c.bias)
        if let gb = dw.bias, let gbRef = dwRef.bias {
            let biasCloseness = Closeness(gb, gbRef)
            #expect(biasCloseness.within(Self.tolerance), "\(c.name) bias gradient: \(biasCloseness)")
        }

        // The autograd path gives the same gradients as the kernels called directly.
        let xs = x.copy(), ws = w.copy(), bs = b?.copy()
        for t in [xs, ws] + (bs.map { [$0] } ?? []) { t.requiresGrad = true }
        let out = c.transposed
            ? try Tensor.convTranspose2d(xs, weight: ws, bias: bs, stride: c.stride, padding: c.padding)
            : try Tensor.conv2d(xs, weight: ws, bias: bs, stride: c.stride, padding: c.padding)
        try out.backward(gradient: gy)
        #expect(try Closeness(#require(xs.grad), dxRef).within(Self.tolerance), "\(c.name) autograd dx")
        #expect(try Closeness(#require(ws.grad), dwRef.weight).within(Self.tolerance), "\(c.name) autograd dw")
        if let bs, let gbRef = dwRef.bias {
            #expect(try Closeness(#require(bs.grad), gbRef).within(Self.tolerance), "\(c.name) autograd db")
        }
    }

    @Test("the reference kernels agree with a hand-computed 1-channel example")
    func referenceByHand() throws {
        // 3×3 input 1..9, 2×2 kernel of ones, stride 1, no padding: sums of 2×2 windows.
        let x = try Tensor(shape: [1, 3, 3, 1], values: (1...9).map(Float.init))
        let w = Tensor.ones([1, 1, 2, 2])
        let y = try Reference.conv2d(x, weight: w, bias: Tensor.full([1], 0.5), stride: 1, padding: 0)
        #expect(y.scalars == [12.5, 16.5, 24.5, 28.5])
        // Transposed: a single 1 scattered through a 2×2 kernel [1 2; 3 4] at stride 2.
        let one = try Tensor(shape: [1, 1, 1, 1], values: [1])
        let k = try Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        let z = try Reference.convTranspose2d(one, weight: k, bias: nil, stride: 2, padding: 0)
        #expect(z.shape == [1, 2, 2, 1])
        #expect(z.scalars == [1, 2, 3, 4])
        // And oneDNN on the same inputs.
        #expect(try Tensor.conv2d(x, weight: w, bias: Tensor.full([1], 0.5), stride: 1, padding: 0).scalars == [12.5, 16.5, 24.5, 28.5])
        #expect(try Tensor.convTranspose2d(one, weight: k, bias: nil, stride: 2, padding: 0).scalars == [1, 2, 3, 4])
    }
}
