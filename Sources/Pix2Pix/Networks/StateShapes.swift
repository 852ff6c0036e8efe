// The state-dict shapes of a network, derived from its config without building it: what the
// checkpoint loader compares with a file's tensor table before it allocates anything.

/// The names and shapes of a network's state dict (parameters and buffers, PyTorch's dotted keys),
/// worked out from a config alone. Every variant returns one from `stateShapes(_:)`; the registry
/// checks that it matches the network `make` builds, and the checkpoint loader compares it with a
/// file's tensor table before building anything, so a header that declares a huge network fails
/// with a typed error instead of allocating.
///
/// Element counts are overflow-checked and capped at ``maximumElements`` (about 4.3 GB as F32),
/// so a family whose own bounds are generous still cannot describe a network that exhausts memory.
///
/// ```swift
/// var shapes = StateShapes(network: "shallow")
/// try shapes.conv2d("body.0", input: 3, output: 16, kernel: 3, bias: true)  // body.0.weight, body.0.bias
/// ```
public struct StateShapes: Sendable, Equatable {
    /// The total number of elements (parameters and buffers) any network may have: 2^30.
    public static let maximumElements = 1 << 30

    /// Names the network in errors (a family or preset name).
    public let network: String
    /// Key → shape, for parameters and buffers.
    public private(set) var shapes: [String: [Int]] = [:]
    /// Trained scalars (buffers not counted), as `NN.Module.parameterCount`.
    public private(set) var parameterCount = 0
    /// Elements of parameters and buffers together.
    public private(set) var elementCount = 0
    /// The output-channel axis of each convolution weight (0 for `conv2d`'s OIHW, 1 for
    /// `convTranspose2d`'s IOHW): what Q8 storage keeps one scale per index of.
    public private(set) var outputChannelAxes: [String: Int] = [:]

    public init(network: String) { self.network = network }

    /// Adds a trained tensor.
    public mutating func parameter(_ key: String, _ shape: [Int]) throws {
        parameterCount += try add(key, shape)
    }

    /// Adds a saved, untrained tensor (batch norm's running statistics).
    public mutating func buffer(_ key: String, _ shape: [Int]) throws {
        _ = try add(key, shape)
    }

    /// A `NN.Conv2d`'s tensors under `prefix`: `weight` `[output, input, kernel, kernel]`, and `bias` `[output]`.
    public mutating func conv2d(_ prefix: String, input: Int, output: Int, kernel: Int, bias: Bool) throws {
        try parameter(prefix + ".weight", [output, input, kernel, kernel])
        outputChannelAxes[prefix + ".weight"] = 0
        if bias { try parameter(prefix + ".bias", [output]) }
    }

    /// A `NN.ConvTranspose2d`'s tensors under `prefix`: `weight` `[input, output, kernel, kernel]` (IOHW), and `bias`.
    public mutating func convTranspose2d(_ prefix: String, input: Int, output: Int, kernel: Int, bias: Bool) throws {
        try parameter(prefix + ".weight", [input, output, kernel, kernel])
        outputChannelAxes[prefix + ".weight"] = 1
        if bias { try parameter(prefix + ".bias", [output]) }
    }

    /// The tensors of the norm layer ``NormKind`` makes under `prefix` (batch norm: weight, bias,
    /// running mean and variance; instance norm and none: nothing). Returns whether a layer exists
    /// (it takes a slot in a `Sequential`).
    @discardableResult
    public mutating func norm(_ kind: NormKind, _ prefix: String, channels: Int) throws -> Bool {
        switch kind {
        case .batch:
            try parameter(prefix + ".weight", [channels])
            try parameter(prefix + ".bias", [channels])
            try buffer(prefix + ".running_mean", [channels])
            try buffer(prefix + ".running_var", [channels])
            return true
        case .instance:
            return true
        case .none:
            return false
        }
    }

    private mutating func add(_ key: String, _ shape: [Int]) throws -> Int {
        guard shape.allSatisfy({ $0 >= 1 }) else {
            throw RegistryError.invalidConfig(name: network, message: "tensor \(key) would have shape \(shape); every extent must be ≥ 1")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= Self.maximumElements else { throw tooLarge(key) }
            count = product
        }
        let (total, overflow) = elementCount.addingReportingOverflow(count)
        guard !overflow, total <= Self.maximumElements else { throw tooLarge(key) }
        guard shapes.updateValue(shape, forKey: key) == nil else {
            throw RegistryError.invalidConfig(name: network, message: "the state-dict key \(key) appears twice")
        }
        elementCount = total
        return count
    }

    private func tooLarge(_ key: String) -> RegistryError {
        .invalidConfig(name: network, message: "the network would hold more than \(Self.maximumElements) elements (\(Self.maximumElements * 4 >> 30) GiB as F32) at \(key); lower its width (ngf / ndf), depth or channels")
    }
}

extension ClosedRange where Bound == Int {
    /// `2…12`, as bounds are written in messages and docs.
    var bounds: String { "\(lowerBound)…\(upperBound)" }
}
