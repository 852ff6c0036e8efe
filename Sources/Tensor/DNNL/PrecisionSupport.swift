import COneDNN

extension Precision {
    /// Why this machine cannot compute in this precision, or nil when it can.
    ///
    /// fp32 runs everywhere. oneDNN 2.6 (Debian's libdnnl) has bf16 convolution kernels only for
    /// CPUs with AVX-512 (fast with AVX512-BF16 or AMX, emulated on plain AVX-512); on an AVX2 CPU
    /// it has none, not even a reference one, and every bf16 convolution would fail with
    /// "unimplemented". The answer comes from asking oneDNN for a small bf16 convolution once.
    public var unavailableReason: String? { self == .bf16 ? Self.bf16Unavailable : nil }

    /// Throws ``TensorError/unavailable(feature:reason:)`` when ``unavailableReason`` is set.
    public func requireAvailable() throws {
        if let reason = unavailableReason { throw TensorError.unavailable(feature: "bf16 convolutions", reason: reason) }
    }

    private static let bf16Unavailable: String? = {
        let implementation = bf16ProbeImplementation()
        return bf16UnavailableReason(isa: OneDNNInfo.instructionSet, library: OneDNNInfo.version, implementation: implementation)
    }()

    /// The reason for a probe's outcome: `implementation` is oneDNN's kernel name for a small bf16
    /// convolution, nil when it has none. A reference kernel (`ref:…`) counts as none: it would take
    /// minutes per training step.
    static func bf16UnavailableReason(isa: String, library: String, implementation: String?) -> String? {
        if let implementation, !implementation.hasPrefix("ref") { return nil }
        return "this CPU (\(isa)) has no bf16 convolution kernel in oneDNN \(library)"
            + (implementation.map { " other than the reference loop (\($0))" } ?? "")
            + "; bf16 needs AVX-512, and is fast with AVX512-BF16 or AMX. Use --precision fp32"
    }

    /// oneDNN's kernel for a forward bf16 convolution 16 → 16 channels, 3×3, 8×8, or nil.
    private static func bf16ProbeImplementation() -> String? {
        guard let rt = try? DNNLRuntime.shared() else { return nil }
        return rt.run {
            let op = "bf16 probe"
            guard var src = try? DNNLDesc.make([1, 16, 8, 8], dnnl_nhwc, type: dnnl_bf16, op: op),
                  var weights = try? DNNLDesc.make([16, 16, 3, 3], dnnl_format_tag_any, type: dnnl_bf16, op: op),
                  var dst = try? DNNLDesc.make([1, 16, 8, 8], dnnl_nhwc, op: op) else { return nil }
            let one: [Int64] = [1, 1]
            var desc = dnnl_convolution_desc_t()
            guard dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, dnnl_convolution_direct, &src, &weights,
                                                     nil, &dst, one, one, one) == dnnl_success else { return nil }
            var pd: dnnl_primitive_desc_t?
            guard dnnl_primitive_desc_create(&pd, &desc, rt.attributes, rt.engine, nil) == dnnl_success, let pd else { return nil }
            defer { dnnl_primitive_desc_destroy(pd) }
            var text: UnsafePointer<CChar>?
            guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &text) == dnnl_success, let text else { return "?" }
            return String(cString: text)
        }
    }
}
