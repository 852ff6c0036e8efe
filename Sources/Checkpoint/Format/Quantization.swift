/// How the 8-bit integers of a `Q8` tensor map back to Float32 (format 1.1; Docs: CheckpointFormat,
/// "Q8"). Elements are signed bytes `q` (−128…127); every dequantised value is one binary32
/// multiplication, so every reader gets the same bits.
public enum Quantization: Sendable, Hashable {
    /// Symmetric, one scale per index along `axis` (the output channel of a convolution weight):
    /// value = Float(q) × scales[c], where c is the element's index along `axis`.
    case perChannel(axis: Int, scales: [Float])
    /// Affine, one scale and zero point for the whole tensor (for tensors without a known channel
    /// axis): value = Float(q − zeroPoint) × scale.
    case perTensor(scale: Float, zeroPoint: Int)

    /// The largest scale a file may declare (2^120): every dequantised value, at most 255 scale steps
    /// from zero, stays finite.
    public static let maximumScale: Float = 0x1p120
    /// Zero points are integers in this range (the int8 range).
    public static let zeroPointRange = -128...127
    /// The writer quantises per channel when the axis has at most this many indices (each scale is a
    /// number in the header, which is bounded); tensors with more channels are quantised per tensor.
    public static let maximumChannels = 1 << 16

    /// The `scheme` names in a tensor entry's `quantization` object.
    static let perChannelScheme = "per_channel_symmetric"
    static let perTensorScheme = "per_tensor_affine"

    /// The channel axis, for per-channel quantisation.
    public var channelAxis: Int? {
        if case .perChannel(let axis, _) = self { return axis }
        return nil
    }

    /// The tensor entry's `quantization` object.
    var json: JSONValue {
        switch self {
        case let .perChannel(axis, scales):
            return ["scheme": .string(Self.perChannelScheme), "axis": .int(axis),
                    "scales": .array(scales.map { .double(Double($0)) })]
        case let .perTensor(scale, zeroPoint):
            return ["scheme": .string(Self.perTensorScheme), "scale": .double(Double(scale)), "zero_point": .int(zeroPoint)]
        }
    }

    /// Parses and checks a `quantization` object for a tensor of `shape`; the error is the reason
    /// (the caller names the file and tensor).
    static func decode(_ value: JSONValue, shape: [Int]) -> Result<Quantization, QuantizationProblem> {
        guard let o = value.objectValue else { return .failure("\"quantization\" is not an object") }
        guard let scheme = o["scheme"]?.stringValue else { return .failure("\"scheme\" is missing or not a string") }
        func scale(_ v: JSONValue?, _ what: String) -> Result<Float, QuantizationProblem> {
            guard let n = v?.numberValue else { return .failure("\(what) is missing or not a number") }
            let d = n.doubleValue
            let f = Float(d)
            guard d.isFinite, f > 0, f <= maximumScale else {
                return .failure("\(what) is \(n); scales must be positive binary32 values no larger than 2^120")
            }
            return .success(f)
        }
        switch scheme {
        case perChannelScheme:
            guard let axis = o["axis"]?.numberValue?.exactInt, axis >= 0, axis < shape.count else {
                return .failure("\"axis\" must be an integer in 0..<\(shape.count) (the tensor's rank)")
            }
            guard let list = o["scales"]?.arrayValue else { return .failure("\"scales\" is missing or not an array") }
            guard list.count == shape[axis] else {
                return .failure("\"scales\" has \(list.count) values, but axis \(axis) has \(shape[axis]) channels")
            }
            var scales: [Float] = []
            scales.reserveCapacity(list.count)
            for (c, v) in list.enumerated() {
                switch scale(v, "scale \(c)") {
                case .success(let s): scales.append(s)
                case .failure(let problem): return .failure(problem)
                }
            }
            return .success(.perChannel(axis: axis, scales: scales))
        case perTensorScheme:
            let s: Float
            switch scale(o["scale"], "\"scale\"") {
            case .success(let v): s = v
            case .failure(let problem): return .failure(problem)
            }
            guard let z = o["zero_point"]?.numberValue?.exactInt, zeroPointRange.contains(z) else {
                return .failure("\"zero_point\" must be an integer in -128...127")
            }
            return .success(.perTensor(scale: s, zeroPoint: z))
        default:
            return .failure("unknown scheme \"\(scheme)\" (known: \(perChannelScheme), \(perTensorScheme))")
        }
    }
}

/// Why a `quantization` object was refused.
struct QuantizationProblem: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    let reason: String
    init(stringLiteral value: String) { reason = value }
    init(stringInterpolation: DefaultStringInterpolation) { reason = String(stringInterpolation: stringInterpolation) }
}

/// Quantises and dequantises runs of a Q8 tensor's elements. A run is a stretch of consecutive
/// elements (row-major) that share one scale: `inner` elements per channel index.
struct Q8Codec {
    let quantization: Quantization
    /// Elements per channel run (the product of the extents after the axis); 0 for per tensor.
    private let inner: Int
    private let channels: Int
    private let scales: [Float]

    init(_ quantization: Quantization, shape: [Int]) {
        self.quantization = quantization
        switch quantization {
        case let .perChannel(axis, scales):
            inner = shape[(axis + 1)...].reduce(1, *)
            channels = shape[axis]
            self.scales = scales
        case let .perTensor(scale, _):
            inner = 0
            channels = 1
            scales = [scale]
        }
    }

    /// Calls `body(offset, length, channel)` for each run of `count` elements starting at element `first`.
    @inline(__always)
    private func runs(first: Int, count: Int, _ body: (Int, Int, Int) -> Void) {
        guard inner > 0 else { body(0, count, 0); return }
        var i = first
        let end = first + count
        while i < end {
            let block = i / inner
            let stop = min((block + 1) * inner, end)
            body(i - first, stop - i, block % channels)
            i = stop
        }
    }

    /// Float32 values of `count` int8 elements that start at element `first` of the tensor.
    func dequantize(_ src: UnsafePointer<Int8>, count: Int, first: Int, into dst: UnsafeMutablePointer<Float>) {
        let zero: Int32
        if case .perTensor(_, let z) = quantization { zero = Int32(z) } else { zero = 0 }
        scales.withUnsafeBufferPointer { scales in
            runs(first: first, count: count) { offset, length, channel in
                let s = scales[channel]
                let q = src + offset, out = dst + offset
                for k in 0..<length { out[k] = Float(Int32(q[k]) &- zero) * s }
            }
        }
    }

    /// int8 elements for `count` values starting at element `first`: round(x / scale) to nearest,
    /// ties to even, plus the zero point, clamped to −127…127 (symmetric) or −128…127 (affine).
    /// Values must be finite (``Q8Statistics`` checks).
    func quantize(_ src: UnsafePointer<Float>, count: Int, first: Int, into dst: UnsafeMutablePointer<Int8>) {
        let zero: Float, low: Float
        if case .perTensor(_, let z) = quantization { (zero, low) = (Float(z), -128) } else { (zero, low) = (0, -127) }
        scales.withUnsafeBufferPointer { scales in
            runs(first: first, count: count) { offset, length, channel in
                let s = scales[channel]
                let x = src + offset, q = dst + offset
                for k in 0..<length {
                    let v = (x[k] / s).rounded(.toNearestOrEven) + zero
                    q[k] = Int8(min(max(v, low), 127))
                }
            }
        }
    }
}

/// Collects what the scales are derived from — max |x| per channel, or the tensor's minimum and
/// maximum — over a tensor's values, fed in order in any number of pieces.
struct Q8Statistics {
    let shape: [Int]
    let axis: Int?
    private let inner: Int
    private var maxAbs: [Float]
    private var minimum: Float = 0, maximum: Float = 0
    /// Whether any value was NaN or infinite (Q8 cannot store them).
    private(set) var nonFinite = false

    /// Per channel along `axis` when it has at most ``Quantization/maximumChannels`` indices, else per tensor.
    init(shape: [Int], axis: Int?) {
        self.shape = shape
        if let axis, shape[axis] <= Quantization.maximumChannels {
            self.axis = axis
            inner = shape[(axis + 1)...].reduce(1, *)
            maxAbs = [Float](repeating: 0, count: shape[axis])
        } else {
            self.axis = nil
            inner = 0
            maxAbs = []
        }
    }

    mutating func add(_ values: UnsafePointer<Float>, count: Int, first: Int) {
        var bad = false
        if let axis {
            let channels = shape[axis]
            var i = first
            let end = first + count
            maxAbs.withUnsafeMutableBufferPointer { maxAbs in
                while i < end {
                    let block = i / inner
                    let stop = min((block + 1) * inner, end)
                    var m = maxAbs[block % channels]
                    for k in (i - first)..<(stop - first) {
                        let a = abs(values[k])
                        bad = bad || !a.isFinite
                        m = max(m, a)
                    }
                    maxAbs[block % channels] = m
                    i = stop
                }
            }
        } else {
            var lo = minimum, hi = maximum
            for k in 0..<count {
                let v = values[k]
                bad = bad || !v.isFinite
                lo = min(lo, v)
                hi = max(hi, v)
            }
            (minimum, maximum) = (lo, hi)
        }
        nonFinite = nonFinite || bad
    }

    /// The scales for what was added; nil when a scale would exceed ``Quantization/maximumScale``
    /// (values beyond about 1.3e38).
    func quantization() -> Quantization? {
        func positive(_ s: Float) -> Float { s > 0 ? s : .leastNonzeroMagnitude }
        if let axis {
            var scales: [Float] = []
            scales.reserveCapacity(maxAbs.count)
            for m in maxAbs {
                let s = m == 0 ? 1 : positive(m / 127)
                guard s <= Quantization.maximumScale else { return nil }
                scales.append(s)
            }
            return .perChannel(axis: axis, scales: scales)
        }
        // The range always includes 0, so that 0 is stored exactly (q = zero point).
        let lo = Double(min(minimum, 0)), hi = Double(max(maximum, 0))
        guard hi > lo else { return .perTensor(scale: 1, zeroPoint: 0) }
        let s = positive(Float((hi - lo) / 255))
        guard s <= Quantization.maximumScale else { return nil }
        let z = (-128 - lo / Double(s)).rounded(.toNearestOrEven)
        return .perTensor(scale: s, zeroPoint: Int(min(max(z, -128), 127)))
    }
}
