import COneDNN

/// oneDNN eltwise forward / backward over a tensor viewed as a flat vector (layout-agnostic).
enum DNNLEltwise {
    struct Kind {
        let name: String
        let algorithm: dnnl_alg_kind_t
        let alpha: Float
        /// Whether backward reads the forward output (`*_use_dst_for_bwd`) instead of the input.
        let backwardFromOutput: Bool
    }

    static func relu(slope: Float) -> Kind {
        // relu_use_dst_for_bwd needs alpha ≥ 0; for a negative slope backward reads the input.
        slope >= 0 ? Kind(name: slope == 0 ? "relu" : "leakyReLU", algorithm: dnnl_eltwise_relu_use_dst_for_bwd,
                          alpha: slope, backwardFromOutput: true)
                   : Kind(name: "leakyReLU", algorithm: dnnl_eltwise_relu, alpha: slope, backwardFromOutput: false)
    }
    static let tanh = Kind(name: "tanh", algorithm: dnnl_eltwise_tanh_use_dst_for_bwd, alpha: 0, backwardFromOutput: true)
    static let sigmoid = Kind(name: "sigmoid", algorithm: dnnl_eltwise_logistic_use_dst_for_bwd, alpha: 0,
                              backwardFromOutput: true)

    private static func key(_ kind: Kind, _ count: Int) -> String {
        "eltwise|\(kind.algorithm.rawValue)|\(kind.alpha.bitPattern)|\(count)"
    }

    static func forwardPrimitive(_ rt: DNNLRuntime, _ kind: Kind, count: Int, training: Bool) throws -> DNNLPrimitive {
        try rt.primitive(key(kind, count) + "|fwd|\(training ? "train" : "infer")", op: kind.name) {
            var data = try DNNLDesc.vector(count, op: kind.name)
            var desc = dnnl_eltwise_desc_t()
            try dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, training ? dnnl_forward_training : dnnl_forward_inference,
                                                         kind.algorithm, &data, kind.alpha, 0),
                          kind.name, "dnnl_eltwise_forward_desc_init(\(count) elements)")
            var pd: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, nil), kind.name,
                          "dnnl_primitive_desc_create(eltwise forward)")
            return pd!
        }
    }

    static func forward(_ kind: Kind, _ input: Tensor, training: Bool) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let out = Tensor.empty(input.shape)
        if input.count == 0 { return out }
        try rt.run {
            let p = try forwardPrimitive(rt, kind, count: input.count, training: training)
            let md = try DNNLDesc.vector(input.count, op: kind.name)
            try rt.execute(p, [(DNNLArg.src, try DNNLMemory(md, input, engine: rt.engine, op: kind.name)),
                               (DNNLArg.dst, try DNNLMemory(md, out, engine: rt.engine, op: kind.name))], op: kind.name)
        }
        return out
    }

    /// dL/dinput; `saved` is the forward output when `kind.backwardFromOutput`, else the input.
    static func backward(_ kind: Kind, gradOutput: Tensor, saved: Tensor) throws -> Tensor {
        let rt = try DNNLRuntime.shared()
        let gradInput = Tensor.empty(gradOutput.shape)
        let count = gradOutput.count
        if count == 0 { return gradInput }
        try rt.run {
            let p = try rt.primitive(key(kind, count) + "|bwd", op: kind.name) {
                let hint = try forwardPrimitive(rt, kind, count: count, training: true)
                var data = try DNNLDesc.vector(count, op: kind.name), diff = data
                var desc = dnnl_eltwise_desc_t()
                try dnnlCheck(dnnl_eltwise_backward_desc_init(&desc, kind.algorithm, &diff, &data, kind.alpha, 0),
                              kind.name, "dnnl_eltwise_backward_desc_init(\(count) elements)")
                var pd: dnnl_primitive_desc_t?
                try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, hint.pd), kind.name,
                              "dnnl_primitive_desc_create(eltwise backward)")
                return pd!
            }
            let md = try DNNLDesc.vector(count, op: kind.name)
            try rt.execute(p, [
                (kind.backwardFromOutput ? DNNLArg.dst : DNNLArg.src, try DNNLMemory(md, saved, engine: rt.engine, op: kind.name)),
                (DNNLArg.diffDst, try DNNLMemory(md, gradOutput, engine: rt.engine, op: kind.name)),
                (DNNLArg.diffSrc, try DNNLMemory(md, gradInput, engine: rt.engine, op: kind.name)),
            ], op: kind.name)
        }
        return gradInput
    }
}
