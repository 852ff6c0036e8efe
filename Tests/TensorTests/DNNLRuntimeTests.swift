import Base
import Foundation
import Testing
@testable import Tensor

@Suite("oneDNN runtime")
struct DNNLRuntimeTests {
    @Test("primitives are created once per shape and reused")
    func primitiveReuse() throws {
        // A shape no other test uses, so parallel tests cannot add keys for it.
        let x = TestData.normal([1, 13, 11, 5], seed: 401), w = TestData.normal([7, 5, 3, 3], seed: 402)
        x.requiresGrad = true
        w.requiresGrad = true
        let rt = try DNNLRuntime.shared()
        let fragment = "conv|1,5,13,11|"
        #expect(rt.cachedKeys(containing: fragment).isEmpty)
        let first = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
        try first.backward(gradient: Tensor.ones(first.shape))
        let afterFirst = rt.cachedKeys(containing: fragment)
        // Forward (training), backward-data, backward-weights.
        #expect(afterFirst.contains { $0.contains("|fwd|train") })
        #expect(afterFirst.contains { $0.contains("|bwd_data") })
        #expect(afterFirst.contains { $0.contains("|bwd_weights") })
        let firstGrad = try #require(w.grad).scalars
        w.zeroGrad()
        let second = try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
        try second.backward(gradient: Tensor.ones(second.shape))
        #expect(rt.cachedKeys(containing: fragment) == afterFirst, "the second call created new primitives")
        #expect(second.scalars == first.scalars)
        #expect(try #require(w.grad).scalars == firstGrad)
    }

    @Test("oneDNN calls run with Threads.count OpenMP threads")
    func threadControl() throws {
        let rt = try DNNLRuntime.shared()
        #expect(rt.controlsThreadCount)
        let symbol = try #require(dlsym(nil, "omp_get_max_threads"), "libgomp is not loaded")
        let maxThreads = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
        let seen = rt.run { maxThreads() }
        #expect(Int(seen) == Threads.count)
    }
}
