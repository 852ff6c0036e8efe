import COneDNN

/// oneDNN convolution and deconvolution (transposed convolution) kernels.
///
/// Activations are passed as NHWC (`dnnl_nhwc`): plain nchw would send deconvolution to
/// oneDNN's reference loop (FACTS.md). Weights are created with `format_tag any`, so oneDNN picks
/// its blocked layout; the plain PyTorch-layout weights (OIHW, or IOHW for deconvolution) are
/// reordered into it, and weight gradients are reordered back. When oneDNN picks the plain layout
/// itself, no reorder happens.
enum DNNLConvolution {
    static func strides2(_ v: Int) -> [Int64] { [Int64(v), Int64(v)] }

    /// The plain (PyTorch-layout) weight descriptor in oneDNN's logical [outC, inC, kh, kw] order.
    static func plainWeightsDesc(_ g: ConvGeometry) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.outC, g.inC, g.kh, g.kw], g.transposed ? dnnl_iohw : dnnl_oihw, op: g.opName)
    }

    static func anyWeightsDesc(_ g: ConvGeometry) throws -> dnnl_memory_desc_t {
        try DNNLDesc.make([g.outC, g.inC, g.kh, g.kw], dnnl_format_tag_any, op: g.opName)
    }

    static func srcDesc(_ g: ConvGeometry) throws -> dnnl_memory_desc_t {
        try DNNLDesc.nhwc(g.batch, g.inC, g.inH, g.inW, op: g.opName)
    }

    static func dstDesc(_ g: ConvGeometry) throws -> dnnl_memory_desc_t {
        try DNNLDesc.nhwc(g.batch, g.outC, g.outH, g.outW, op: g.opName)
    }

    // MARK: primitive descriptors

    static func forwardPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, training: Bool, bias: Bool) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive("\(g.key)|fwd|\(training ? "train" : "infer")|b\(bias ? 1 : 0)", op: op) {
            var src = try srcDesc(g), weights = try anyWeightsDesc(g), dst = try dstDesc(g)
            var biasDesc = try DNNLDesc.vector(g.outC, op: op)
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            let prop = training ? dnnl_forward_training : dnnl_forward_inference
            if g.transposed {
                try dnnlCheck(withOptionalPointer(bias, &biasDesc) {
                    dnnl_deconvolution_forward_desc_init(&desc, prop, dnnl_deconvolution_direct, &src, &weights, $0, &dst, s, p, p)
                }, op, "dnnl_deconvolution_forward_desc_init(\(g))")
            } else {
                try dnnlCheck(withOptionalPointer(bias, &biasDesc) {
                    dnnl_convolution_forward_desc_init(&desc, prop, dnnl_convolution_direct, &src, &weights, $0, &dst, s, p, p)
                }, op, "dnnl_convolution_forward_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: nil, op: op, what: "forward primitive for \(g)")
        }
    }

    static func backwardDataPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive("\(g.key)|bwd_data", op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: false)
            var diffSrc = try srcDesc(g), weights = try anyWeightsDesc(g), diffDst = try dstDesc(g)
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            if g.transposed {
                try dnnlCheck(dnnl_deconvolution_backward_data_desc_init(&desc, dnnl_deconvolution_direct, &diffSrc, &weights,
                                                                         &diffDst, s, p, p),
                              op, "dnnl_deconvolution_backward_data_desc_init(\(g))")
            } else {
                try dnnlCheck(dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &diffSrc, &weights,
                                                                       &diffDst, s, p, p),
                              op, "dnnl_convolution_backward_data_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: hint.pd, op: op, what: "backward-data primitive for \(g)")
        }
    }

    static func backwardWeightsPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bias: Bool) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive("\(g.key)|bwd_weights|b\(bias ? 1 : 0)", op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: bias)
            var src = try srcDesc(g), diffWeights = try anyWeightsDesc(g), diffDst = try dstDesc(g)
            var diffBias = try DNNLDesc.vector(g.outC, op: op)
            let s = strides2(g.stride), p = strides2(g.padding)
            var desc = dnnl_convolution_desc_t()
            if g.transposed {
                try dnnlCheck(withOptionalPointer(bias, &diffBias) {
                    dnnl_deconvolution_backward_weights_desc_init(&desc, dnnl_deconvolution_direct, &src, &diffWeights, $0,
                                                                  &diffDst, s, p, p)
                }, op, "dnnl_deconvolution_backward_weights_desc_init(\(g))")
            } else {
                try dnnlCheck(withOptionalPointer(bias, &diffBias) {
                    dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &src, &diffWeights, $0,
                                                                &diffDst, s, p, p)
                }, op, "dnnl_convolution_backward_weights_desc_init(\(g))")
            }
            return try createPD(&desc, rt, hint: hint.pd, op: op, what: "backward-weights primitive for \(g)")
        }
    }

    static func createPD(_ desc: inout dnnl_convolution_desc_t, _ rt: DNNLRuntime, hint: dnnl_primitive_desc_t?,
                         op: String, what: String) throws -> dnnl_primitive_desc_t {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, nil, rt.engine, hint), op, "dnnl_primitive_desc_create(\(what))")
        return pd!
    }

    // MARK: weights in oneDNN's layout

    /// The weights as the primitive wants them: the tensor itself when the chosen layout is the
    /// plain one, otherwise a reordered copy.
    static func weightsMemory(_ rt: DNNLRuntime, _ g: ConvGeometry, _ weight: Tensor, chosen: dnnl_memory_desc_t,
                              stage: String) throws -> DNNLMemory {
        let plain = try plainWeightsDesc(g)
        let user = try DNNLMemory(plain, weight, engine: rt.engine, op: g.opName)
        if DNNLDesc.equal(plain, chosen) { return user }
        let reordered = try DNNLMemory(allocating: chosen, engine: rt.engine, op: g.opName)
        try rt.reorder(user, into: reordered, key: "\(g.key)|\(stage)|weights_in", op: g.opName)
        return reordered
    }

    // MARK: kernels

    /// Forward pass. With `keepWeightsForBackwardData`, also returns the weights in the layout the
    /// primitive used when the backward-data primitive wants that same layout (it can then skip
    /// its own reorder); otherwise nil, so that no copy of the weights is held until backward.
    static func forward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?, training: Bool,
                        keepWeightsForBackwardData: Bool = false) throws -> (output: Tensor, weights: DNNLMemory?) {
        let rt = try DNNLRuntime.shared()
        let out = Tensor.empty(g.outputShape)
        let op = g.opName
        let weights: DNNLMemory? = try rt.run {
            let p = try forwardPrimitive(rt, g, training: training, bias: bias != nil)
            let chosen = p.desc(dnnl_query_weights_md)
            let w = try weightsMemory(rt, g, weight, chosen: chosen,
                                      stage: "fwd\(training ? "train" : "infer")b\(bias != nil ? 1 : 0)")
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, try DNNLMemory(srcDesc(g), input, engine: rt.engine, op: op)),
                (DNNLArg.weights, w),
                (DNNLArg.dst, try DNNLMemory(dstDesc(g), out, engine: rt.engine, op: op)),
            ]
            if let bias {
                args.append((DNNLArg.bias, try DNNLMemory(DNNLDesc.vector(g.outC, op: op), bias, engine: rt.engine, op: op)))
            }
            try rt.execute(p, args, op: op)
            guard keepWeightsForBackwardData else { return nil }
            let backward = try backwardDataPrimitive(rt, g)
            return DNNLDesc.equal(backward.desc(dnnl_query_weights_md), chosen) ? w : nil
        }
        return (out, weights)
    }

    /// dL/dinput from dL/doutput. `cachedWeights` (from ``forward``) is used when its layout fits.
    static func backwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor,
                             cachedWeights: DNNLMemory? = nil) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let gradInput = Tensor.empty(g.inputShape)
        let op = g.opName
        try rt.run {
            let p = try backwardDataPrimitive(rt, g)
            let chosen = p.desc(dnnl_query_weights_md)
            let w: DNNLMemory
            if let cachedWeights, DNNLDesc.equal(cachedWeights.desc, chosen) {
                w = cachedWeights
            } else {
                w = try weightsMemory(rt, g, weight, chosen: chosen, stage: "bwd_data")
            }
            try rt.execute(p, [
                (DNNLArg.diffDst, try DNNLMemory(dstDesc(g), gradOutput, engine: rt.engine, op: op)),
                (DNNLArg.weights, w),
                (DNNLArg.diffSrc, try DNNLMemory(srcDesc(g), gradInput, engine: rt.engine, op: op)),
            ], op: op)
        }
        return gradInput
    }

    /// dL/dweight (PyTorch layout) and, when `bias`, dL/dbias.
    static func backwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor,
                                bias: Bool) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let gradWeight = Tensor.empty(g.weightShape)
        let gradBias = bias ? Tensor.empty([g.outC]) : nil
        let op = g.opName
        try rt.run {
            let p = try backwardWeightsPrimitive(rt, g, bias: bias)
            let chosen = p.desc(dnnl_query_diff_weights_md)
            let plain = try plainWeightsDesc(g)
            let user = try DNNLMemory(plain, gradWeight, engine: rt.engine, op: op)
            let direct = DNNLDesc.equal(plain, chosen)
            let diffWeights = direct ? user : try DNNLMemory(allocating: chosen, engine: rt.engine, op: op)
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, try DNNLMemory(srcDesc(g), input, engine: rt.engine, op: op)),
                (DNNLArg.diffDst, try DNNLMemory(dstDesc(g), gradOutput, engine: rt.engine, op: op)),
                (DNNLArg.diffWeights, diffWeights),
            ]
            if let gradBias {
                args.append((DNNLArg.diffBias, try DNNLMemory(DNNLDesc.vector(g.outC, op: op), gradBias,
                                                              engine: rt.engine, op: op)))
            }
            try rt.execute(p, args, op: op)
            if !direct {
                try rt.reorder(diffWeights, into: user, key: "\(g.key)|bwd_weights|b\(bias ? 1 : 0)|weights_out", op: op)
            }
        }
        return (gradWeight, gradBias)
    }
}

/// Calls `body` with a pointer to `value` when `present`, else with nil (an absent descriptor).
@inline(__always)
func withOptionalPointer<T, R>(_ present: Bool, _ value: inout T, _ body: (UnsafePointer<T>?) throws -> R) rethrows -> R {
    if present {
        return try withUnsafePointer(to: &value) { try body($0) }
    }
    return try body(nil)
}
