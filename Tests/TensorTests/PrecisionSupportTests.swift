import Testing
@testable import Tensor

@Suite("precision support")
struct PrecisionSupportTests {
    @Test("bf16 is available exactly when oneDNN has a non-reference bf16 kernel; the reason names the CPU and the way out")
    func reasons() {
        #expect(Precision.bf16UnavailableReason(isa: "AVX-512 BF16", library: "2.6.3", implementation: "brg:avx512_core_bf16") == nil)
        #expect(Precision.bf16UnavailableReason(isa: "AMX", library: "2.6.3", implementation: "jit:avx512_core_amx") == nil)
        let none = Precision.bf16UnavailableReason(isa: "AVX2", library: "2.6.3", implementation: nil)
        #expect(none == "this CPU (AVX2) has no bf16 convolution kernel in oneDNN 2.6.3; bf16 needs AVX-512, and is fast with "
                + "AVX512-BF16 or AMX. Use --precision fp32")
        let reference = Precision.bf16UnavailableReason(isa: "AVX2", library: "2.6.3", implementation: "ref:any")
        #expect(reference?.contains("other than the reference loop (ref:any)") == true)
        #expect(Precision.fp32.unavailableReason == nil)
    }

    @Test("on this machine: a bf16 convolution runs when bf16 is available, else fails with the typed error before any kernel")
    func thisMachine() throws {
        let x = Tensor.ones([1, 16, 16, 16]), w = Tensor.ones([16, 16, 4, 4])
        if let reason = Precision.bf16.unavailableReason {
            #expect(throws: TensorError.unavailable(feature: "bf16 convolutions", reason: reason)) {
                try Precision.with(.bf16) { try Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1) }
            }
            #expect(reason.contains("this CPU (\(OneDNNInfo.instructionSet))"))
        } else {
            let y = try Precision.with(.bf16) { try Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1) }
            // Interior outputs sum 4·4·16 ones: exact in bf16.
            #expect(y.shape == [1, 8, 8, 16] && y.scalars[(3 * 8 + 3) * 16] == 256)
        }
    }
}
