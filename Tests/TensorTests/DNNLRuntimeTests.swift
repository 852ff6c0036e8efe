import Base
import Foundation
import Testing
@testable import Tensor
import COneDNN

/// A mutable value handed to another thread and read after it has finished.
private final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

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

    @Test("a primitive created on one thread runs on another: the scratchpad is the runtime's, not the creating thread's")
    func primitivesMoveBetweenThreads() throws {
        let rt = try DNNLRuntime.shared()
        var mode = dnnl_scratchpad_mode_library
        #expect(dnnl_primitive_attr_get_scratchpad_mode(rt.attributes, &mode) == dnnl_success)
        #expect(mode == dnnl_scratchpad_mode_user)
        // Shapes no other test uses. A 4-channel convolution's backward-data runs on oneDNN's gemm
        // kernel on AVX2 (whose scratchpad was null on any thread but the creating one: "invalid
        // arguments"); batch norm's backward keeps per-thread sums in its scratchpad on every ISA.
        @Sendable func pass() throws -> [[Float]] {
            let x = TestData.normal([1, 38, 30, 4], seed: 411), w = TestData.normal([4, 4, 4, 4], seed: 412)
            x.requiresGrad = true
            w.requiresGrad = true
            let y = try Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1)
            try y.backward(gradient: TestData.normal(y.shape, seed: 413))
            let z = TestData.normal([3, 9, 7, 24], seed: 414)
            z.requiresGrad = true
            let mean = Tensor.zeros([24]), variance = Tensor.ones([24])
            let n = try Tensor.batchNorm(z, weight: nil, bias: nil, runningMean: mean, runningVar: variance,
                                         training: true, momentum: 0.1, eps: 1e-5)
            try n.backward(gradient: TestData.normal(n.shape, seed: 415))
            return [y.scalars, try #require(x.grad).scalars, try #require(w.grad).scalars, n.scalars,
                    try #require(z.grad).scalars]
        }
        func onNewThread(_ body: @escaping @Sendable () throws -> [[Float]]) throws -> [[Float]] {
            let done = DispatchSemaphore(value: 0)
            let result = UncheckedBox<Result<[[Float]], any Error>>(.success([]))
            let thread = Thread { result.value = Result { try body() }; done.signal() }
            thread.start()
            done.wait()
            return try result.value.get()
        }
        let first = try onNewThread(pass)
        let used = rt.cachedKeys(containing: "|1,4,38,30|") + rt.cachedKeys(containing: "bnorm|3,24,9,7|")
        #expect(!used.isEmpty)
        #expect(used.contains { rt.cachedPrimitive($0)?.scratchpad != nil }, "no primitive of the test needs a scratchpad: \(used)")
        for _ in 0..<3 { #expect(try onNewThread(pass) == first) }
        #expect(try pass() == first)
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
