import COneDNN

/// oneDNN's own convolution and deconvolution primitives: ``Path/oneDNN``, the path for every pass
/// no other path takes (and for all passes when a caller asks for `direct`). The primitive
/// descriptors are also used by ``Path/flipped`` (the forward primitive) and ``Path/phases``.
extension DNNLConvolution {
    // MARK: primitive descriptors

    static func forwardPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, training: Bool, bias: Bool,
                                 bf16: Bool = false, key given: String? = nil) throws -> DNNLPrimitive {
        let op = g.opName
        let key = given ?? "\(g.key)|fwd|\(training ? "train" : "infer")|b\(bias ? 1 : 0)" + precisionKey(bf16)
        return try rt.primitive(key, op: op) {
            var src = try srcDesc(g, compute(bf16)), weights = try anyWeightsDesc(g, compute(bf16))
            var dst = try dstDesc(g)
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

    static func backwardDataPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bf16: Bool = false) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive("\(g.key)|bwd_data" + precisionKey(bf16), op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: false, bf16: bf16)
            var diffSrc = try srcDesc(g), weights = try anyWeightsDesc(g, compute(bf16))
            var diffDst = try dstDesc(g, compute(bf16))
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

    /// The backward-weights primitive. oneDNN is first asked to write dL/dweight straight into the
    /// plain (PyTorch) layout, which saves reordering the gradient back; when it can do that only
    /// with a reference kernel (oneDNN 2.6 on AVX-512 does), it picks its own layout and the
    /// gradient is reordered.
    static func backwardWeightsPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bias: Bool,
                                         bf16: Bool = false) throws -> DNNLPrimitive {
        let key = "\(g.key)|bwd_weights|b\(bias ? 1 : 0)" + precisionKey(bf16)
        if let cached = rt.cachedPrimitive(key) { return cached }
        if let direct = try? backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16, plain: true, key: key + "|plain"),
           !direct.implementation.hasPrefix("ref") {
            rt.setPrimitive(key, direct)
            return direct
        }
        let p = try backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16, plain: false, key: key + "|any")
        rt.setPrimitive(key, p)
        return p
    }

    static func backwardWeightsPrimitive(_ rt: DNNLRuntime, _ g: ConvGeometry, bias: Bool, bf16: Bool, plain: Bool,
                                         key: String) throws -> DNNLPrimitive {
        let op = g.opName
        return try rt.primitive(key, op: op) {
            let hint = try forwardPrimitive(rt, g, training: true, bias: bias, bf16: bf16)
            var src = try srcDesc(g, compute(bf16)), diffWeights = try plain ? plainWeightsDesc(g) : anyWeightsDesc(g)
            var diffDst = try dstDesc(g, compute(bf16))
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
        try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, hint), op, "dnnl_primitive_desc_create(\(what))")
        return pd!
    }

    // MARK: the three passes

    /// ``forward(_:input:weight:bias:training:bf16:keepSource:direct:)`` on oneDNN's primitive.
    static func oneDNNForward(_ g: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor?, training: Bool,
                              bf16: Bool, keepSource: Bool) throws -> (output: Tensor, source: DNNLMemory?) {
        let rt = try DNNLRuntime.shared()
        let out = Tensor.empty(g.outputShape)
        let op = g.opName
        let source: DNNLMemory? = try rt.run {
            let p = try forwardPrimitive(rt, g, training: training, bias: bias != nil, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_weights_md)
            let w = try weightsMemory(rt, g, weight, chosen: chosen,
                                      stage: "fwd\(training ? "train" : "infer")b\(bias != nil ? 1 : 0)" + precisionKey(bf16))
            let src = try activation(rt, input, srcDesc(g, compute(bf16)), key: "\(g.key)|src_in", op: op)
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, src),
                (DNNLArg.weights, w),
                (DNNLArg.dst, try DNNLMemory(dstDesc(g), out, engine: rt.engine, op: op)),
            ]
            if let bias {
                args.append((DNNLArg.bias, try DNNLMemory(DNNLDesc.vector(g.outC, op: op), bias, engine: rt.engine, op: op)))
            }
            try rt.execute(p, args, op: op)
            return keepSource && bf16 ? src : nil
        }
        return (out, source)
    }

    /// ``backwardData(_:gradOutput:weight:bf16:gradOutputMemory:direct:)`` on oneDNN's primitive.
    static func oneDNNBackwardData(_ g: ConvGeometry, gradOutput: Tensor, weight: Tensor, bf16: Bool,
                                   gradOutputMemory given: DNNLMemory?) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let gradInput = Tensor.empty(g.inputShape)
        let op = g.opName
        try rt.run {
            let p = try backwardDataPrimitive(rt, g, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_weights_md)
            let w = try weightsMemory(rt, g, weight, chosen: chosen, stage: "bwd_data" + precisionKey(bf16))
            try rt.execute(p, [
                (DNNLArg.diffDst, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
                (DNNLArg.weights, w),
                (DNNLArg.diffSrc, try DNNLMemory(srcDesc(g), gradInput, engine: rt.engine, op: op)),
            ], op: op)
        }
        return gradInput
    }

    /// ``backwardWeights(_:input:gradOutput:bias:bf16:gradOutputMemory:sourceMemory:direct:)`` on
    /// oneDNN's primitive.
    static func oneDNNBackwardWeights(_ g: ConvGeometry, input: Tensor, gradOutput: Tensor, bias: Bool, bf16: Bool,
                                      gradOutputMemory given: DNNLMemory?,
                                      sourceMemory: DNNLMemory?) throws -> (weight: Tensor, bias: Tensor?) {
        let rt = try DNNLRuntime.shared()
        let gradWeight = Tensor.empty(g.weightShape)
        let gradBias = bias ? Tensor.empty([g.outC]) : nil
        let op = g.opName
        try rt.run {
            let p = try backwardWeightsPrimitive(rt, g, bias: bias, bf16: bf16)
            p.flops = g.flops
            let chosen = p.desc(dnnl_query_diff_weights_md)
            let plain = try plainWeightsDesc(g)
            let user = try DNNLMemory(plain, gradWeight, engine: rt.engine, op: op)
            let direct = DNNLDesc.equal(plain, chosen)
            let diffWeights = direct ? user : try DNNLMemory(allocating: chosen, engine: rt.engine, op: op)
            var args: [(Int32, DNNLMemory)] = [
                (DNNLArg.src, try sourceMemory ?? activation(rt, input, srcDesc(g, compute(bf16)), key: "\(g.key)|src_in", op: op)),
                (DNNLArg.diffDst, try given ?? gradOutputMemory(rt, g, gradOutput, bf16: bf16)),
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
