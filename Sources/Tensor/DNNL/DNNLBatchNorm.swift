import COneDNN

/// oneDNN batch normalization over NHWC data, the building block of batch- and instance-norm.
///
/// Buffers are raw pointers so that instance-norm can run the same primitive once per sample on
/// a slice of the batch. Statistics are per channel: mean and *biased* variance over N·H·W.
enum DNNLBatchNorm {
    struct Shape {
        let n: Int, h: Int, w: Int, c: Int
        let eps: Float
        let scale: Bool, shift: Bool
        /// Normalise with given statistics (`use_global_stats`) instead of computing them.
        let globalStats: Bool
        let op: String

        var flags: UInt32 {
            var f: UInt32 = 0
            if scale { f |= dnnl_use_scale.rawValue }
            if shift { f |= dnnl_use_shift.rawValue }
            if globalStats { f |= dnnl_use_global_stats.rawValue }
            return f
        }
        var key: String { "bnorm|\(n),\(c),\(h),\(w)|eps\(eps.bitPattern)|f\(flags)" }
        func data() throws -> dnnl_memory_desc_t { try DNNLDesc.nhwc(n, c, h, w, op: op) }
        func vector() throws -> dnnl_memory_desc_t { try DNNLDesc.vector(c, op: op) }
    }

    static func forwardPrimitive(_ rt: DNNLRuntime, _ s: Shape, training: Bool) throws -> DNNLPrimitive {
        try rt.primitive(s.key + "|fwd|\(training ? "train" : "infer")", op: s.op) {
            var data = try s.data()
            var desc = dnnl_batch_normalization_desc_t()
            try dnnlCheck(dnnl_batch_normalization_forward_desc_init(
                &desc, training ? dnnl_forward_training : dnnl_forward_inference, &data, s.eps, s.flags),
                s.op, "dnnl_batch_normalization_forward_desc_init([\(s.n), \(s.h), \(s.w), \(s.c)])")
            var pd: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, nil), s.op,
                          "dnnl_primitive_desc_create(batch normalization forward)")
            return pd!
        }
    }

    /// Forward. With `globalStats`, `mean` / `variance` are read; otherwise they are written (batch stats).
    /// Call inside `rt.run`.
    static func forward(_ rt: DNNLRuntime, _ s: Shape, training: Bool,
                        src: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>,
                        scale: UnsafeMutablePointer<Float>?, shift: UnsafeMutablePointer<Float>?,
                        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) throws {
        let p = try forwardPrimitive(rt, s, training: training)
        let data = try s.data(), vec = try s.vector()
        var args: [(Int32, DNNLMemory)] = [
            (DNNLArg.src, try DNNLMemory(data, src, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.dst, try DNNLMemory(data, dst, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.mean, try DNNLMemory(vec, mean, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.variance, try DNNLMemory(vec, variance, keepAlive: nil, engine: rt.engine, op: s.op)),
        ]
        if let scale { args.append((DNNLArg.scale, try DNNLMemory(vec, scale, keepAlive: nil, engine: rt.engine, op: s.op))) }
        if let shift { args.append((DNNLArg.shift, try DNNLMemory(vec, shift, keepAlive: nil, engine: rt.engine, op: s.op))) }
        try rt.execute(p, args, op: s.op)
    }

    /// Backward: dL/dsrc and, for the affine parts present, dL/dscale and dL/dshift (written, not
    /// accumulated). `mean` / `variance` are those the forward used. Call inside `rt.run`.
    ///
    /// oneDNN 2.6 checks that a backward primitive with `use_shift` also receives the shift as an
    /// input (it does not read it), so `shift` is passed along.
    static func backward(_ rt: DNNLRuntime, _ s: Shape,
                         src: UnsafeMutablePointer<Float>, diffDst: UnsafeMutablePointer<Float>,
                         mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                         scale: UnsafeMutablePointer<Float>?, shift: UnsafeMutablePointer<Float>?,
                         diffSrc: UnsafeMutablePointer<Float>,
                         diffScale: UnsafeMutablePointer<Float>?, diffShift: UnsafeMutablePointer<Float>?) throws {
        let affine = s.scale || s.shift
        let p = try rt.primitive(s.key + "|bwd", op: s.op) {
            let hint = try forwardPrimitive(rt, s, training: true)
            var data = try s.data(), diff = data
            var desc = dnnl_batch_normalization_desc_t()
            try dnnlCheck(dnnl_batch_normalization_backward_desc_init(
                &desc, affine ? dnnl_backward : dnnl_backward_data, &diff, &data, s.eps, s.flags),
                s.op, "dnnl_batch_normalization_backward_desc_init([\(s.n), \(s.h), \(s.w), \(s.c)])")
            var pd: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, hint.pd), s.op,
                          "dnnl_primitive_desc_create(batch normalization backward)")
            return pd!
        }
        let data = try s.data(), vec = try s.vector()
        var args: [(Int32, DNNLMemory)] = [
            (DNNLArg.src, try DNNLMemory(data, src, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.diffDst, try DNNLMemory(data, diffDst, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.mean, try DNNLMemory(vec, mean, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.variance, try DNNLMemory(vec, variance, keepAlive: nil, engine: rt.engine, op: s.op)),
            (DNNLArg.diffSrc, try DNNLMemory(data, diffSrc, keepAlive: nil, engine: rt.engine, op: s.op)),
        ]
        if s.scale, let scale, let diffScale {
            args.append((DNNLArg.scale, try DNNLMemory(vec, scale, keepAlive: nil, engine: rt.engine, op: s.op)))
            args.append((DNNLArg.diffScale, try DNNLMemory(vec, diffScale, keepAlive: nil, engine: rt.engine, op: s.op)))
        }
        if s.shift, let shift, let diffShift {
            args.append((DNNLArg.shift, try DNNLMemory(vec, shift, keepAlive: nil, engine: rt.engine, op: s.op)))
            args.append((DNNLArg.diffShift, try DNNLMemory(vec, diffShift, keepAlive: nil, engine: rt.engine, op: s.op)))
        }
        try rt.execute(p, args, op: s.op)
    }
}
