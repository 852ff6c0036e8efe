import CKernels

/// Convolutions with few output channels (a PatchGAN's last layer, 512 → 1) as GEMMs over the
/// input channels.
///
/// oneDNN 2.6.3 pads output channels to a block of 16, so patchgan_70's 512 → 1 layer ran at
/// 10–45 GF/s (~8 ms per training step over its seven calls). Here every pass is one GEMM per
/// output channel on the plain OIHW weight, which read as `[outC][inC, kh·kw]` needs no copy,
/// plus a cheap gather or scatter over the kernel taps:
///
/// - forward: `z[r, o, t] = Σ_c x[r, c]·w[o, c, t]` at every input position r, then each output
///   sums the taps it covers (`ck_tap_gather`);
/// - backward-data: `d[r, o, t]` = the output gradient of the output that reads input r through
///   tap t (`ck_tap_scatter`), then `dx[r, c] = Σ_o Σ_t d[r, o, t]·w[o, c, t]`;
/// - backward-weights: `dw[o, c, t] = Σ_r x[r, c]·d[r, o, t]`.
///
/// Any kernel size, stride and padding; for stride s the forward GEMM computes s² times the
/// useful products, which is cheap with so few output channels. Computed in fp32 under bf16 too.
extension DNNLConvolution {
    /// Channel counts below this are "narrow": oneDNN pads them to 16.
    static let narrowChannels = 16

    /// Whether `g` runs on the tap GEMMs: a convolution (not transposed) with fewer than
    /// ``narrowChannels`` output channels and at least that many input channels.
    static func tapEligible(_ g: ConvGeometry) -> Bool {
        !g.transposed && g.outC < narrowChannels && g.inC >= narrowChannels
    }

    private static func tapScatter(_ g: ConvGeometry, _ gradOutput: Tensor) -> Tensor {
        let d = Tensor.empty([g.batch * g.inH * g.inW, g.outC * g.kh * g.kw])
        ck_tap_scatter(d.pointer, gradOutput.pointer, g.batch, g.inH, g.inW, g.outH, g.outW, g.outC,
                       g.kh, g.kw, g.stride, g.padding)
        return d
    }

    static func tapForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            try Profiler.measure("\(g.key)|fwd|taps", flops: g.flops) {
                let taps = g.kh * g.kw, rows = g.batch * g.inH * g.inW
                let z = Tensor.empty([rows, g.outC * taps])
                for o in 0..<g.outC {
                    try sgemm("N", "N", rows, taps, g.inC, input.pointer, g.inC, weight.pointer + o * g.inC * taps, taps,
                              z.pointer + o * taps, g.outC * taps, op: g.opName)
                }
                let out = Tensor.empty(g.outputShape)
                ck_tap_gather(out.pointer, z.pointer, bias.map { UnsafePointer($0.pointer) }, g.batch, g.inH, g.inW,
                              g.outH, g.outW, g.outC, g.kh, g.kw, g.stride, g.padding)
                return out
            }
        }
    }

    static func tapBackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            try Profiler.measure("\(g.key)|bwd_data|taps", flops: g.flops) {
                let taps = g.kh * g.kw, rows = g.batch * g.inH * g.inW
                let d = tapScatter(g, gradOutput)
                let gradInput = Tensor.empty(g.inputShape)
                for o in 0..<g.outC {
                    try sgemm("N", "T", rows, g.inC, taps, d.pointer + o * taps, g.outC * taps,
                              weight.pointer + o * g.inC * taps, taps, gradInput.pointer, g.inC,
                              beta: o == 0 ? 0 : 1, op: g.opName)
                }
                return gradInput
            }
        }
    }

    static func tapBackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor,
                                   bias: Bool) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        return try rt.run {
            try Profiler.measure("\(g.key)|bwd_weights|taps", flops: g.flops) {
                let taps = g.kh * g.kw, rows = g.batch * g.inH * g.inW
                let d = tapScatter(g, gradOutput)
                let gradWeight = Tensor.empty(g.weightShape)
                for o in 0..<g.outC {
                    try sgemm("T", "N", g.inC, taps, rows, input.pointer, g.inC, d.pointer + o * taps, g.outC * taps,
                              gradWeight.pointer + o * g.inC * taps, taps, op: g.opName)
                }
                return (gradWeight, bias ? biasGradient(gradOutput, channels: g.outC) : nil)
            }
        }
    }
}
