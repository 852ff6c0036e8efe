import Testing
@testable import Tensor

/// `Profiler.isDetailed` (`pix2pix bench train --profile-detail`): the GEMM-based convolution
/// paths record the parts of their profile entries, apart from the entries themselves.
@Suite("Profiler parts", .serialized)
struct ProfilerTests {
    typealias C = DNNLConvolution

    /// Runs a forward pass of `g` with profiling on (and detail as given); returns its entry's
    /// seconds and parts. Shapes are unusual enough that no other test's entries share the name.
    static func profiled(_ g: ConvGeometry, detailed: Bool, entry: String) throws -> (seconds: Double, parts: [Profiler.Part]) {
        let x = TestData.normal(g.inputShape, seed: 7)
        let w = TestData.normal(g.weightShape, seed: 8, std: 0.05)
        Profiler.reset()
        Profiler.isDetailed = detailed
        Profiler.isEnabled = true
        defer { Profiler.isEnabled = false; Profiler.isDetailed = false }
        _ = try C.forward(g, input: x, weight: w, bias: nil, training: true)
        let seconds = Profiler.entries().first { $0.name == entry }?.seconds ?? 0
        return (seconds, Profiler.parts().filter { $0.owner == entry })
    }

    @Test("Winograd (stride 1 and 2) and GEMM entries split into their parts, which add up to at most the entry")
    func parts() throws {
        func geometry(_ input: [Int], _ weight: [Int], stride: Int) throws -> ConvGeometry {
            try ConvGeometry(transposed: false, op: "profiled", input: input, weight: weight, bias: nil, stride: stride, padding: 1)
        }
        let cases: [(ConvGeometry, C.Path, [String])] = [
            (try geometry([1, 13, 13, 80], [96, 80, 4, 4], stride: 1), .winograd, ["input transform", "GEMMs", "output transform"]),
            (try geometry([1, 64, 64, 80], [96, 80, 4, 4], stride: 2), .winogradS2, ["input transform", "GEMMs", "output transform"]),
            (try geometry([1, 16, 16, 80], [96, 80, 4, 4], stride: 2), .gemm, ["im2col", "GEMM", "transpose"]),
        ]
        for (g, path, expected) in cases {
            #expect(C.path(g, .forward, bf16: false) == path, "\(g.key)")
            let entry = "\(g.key)|fwd|\(path == .gemm ? "gemm" : "winograd")"
            let plain = try Self.profiled(g, detailed: false, entry: entry)
            #expect(plain.seconds > 0, "\(entry): no entry")
            #expect(plain.parts.isEmpty, "\(entry): parts recorded without isDetailed")

            let detailed = try Self.profiled(g, detailed: true, entry: entry)
            let names = Set(detailed.parts.map(\.part))
            #expect(names.isSuperset(of: expected), "\(entry): parts \(names.sorted())")
            #expect(detailed.parts.allSatisfy { $0.calls > 0 && $0.seconds >= 0 })
            // The parts are disjoint stretches of the entry's own interval, on the same clock.
            let sum = detailed.parts.reduce(0) { $0 + $1.seconds }
            #expect(sum <= detailed.seconds + 1e-9, "\(entry): parts \(sum) s > entry \(detailed.seconds) s")
        }
        // Parts are kept apart from the entries: no entry carries a part's name.
        #expect(!Profiler.entries().contains { $0.name.contains("GEMMs") })
        Profiler.reset()
        #expect(Profiler.parts().isEmpty)
    }
}
