import Base
import Tensor

/// A whole-network initialisation scheme: the PyTorch reference's `init_weights(net, init_type,
/// init_gain)` (junyanz/pytorch-CycleGAN-and-pix2pix, `models/networks.py`).
///
/// Applied by ``Module/initialize(_:using:)``, it touches exactly the layers the reference touches:
/// - **convolutions** (``Conv2d``, ``ConvTranspose2d`` — every class whose name contains "Conv"):
///   the weight from ``kind`` and the bias, if any, set to 0;
/// - **``BatchNorm2d``**: weight from N(1, gain²) and bias 0, *whatever the kind*;
/// - everything else (``InstanceNorm2d`` included) keeps its values.
///
/// Codable as `{"type": "normal", "gain": 0.02}` (the reference's `--init_type`, `--init_gain`);
/// missing fields take the reference defaults.
public struct WeightInit: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// N(0, gain²).
        case normal
        /// Xavier normal with `gain`.
        case xavier
        /// Kaiming normal, a = 0, fan-in mode. Ignores `gain`, as the reference does.
        case kaiming
        /// Orthogonal scaled by `gain`.
        case orthogonal
    }

    public var kind: Kind
    /// The standard deviation for `normal`, the gain for `xavier` / `orthogonal`, and the standard
    /// deviation of BatchNorm weights around 1 for every kind.
    public var gain: Float

    public init(_ kind: Kind = .normal, gain: Float = 0.02) {
        self.kind = kind
        self.gain = gain
    }

    /// The reference default: normal with gain 0.02.
    public static let reference = WeightInit(.normal, gain: 0.02)

    enum CodingKeys: String, CodingKey {
        case kind = "type"
        case gain
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .normal
        gain = try c.decodeIfPresent(Float.self, forKey: .gain) ?? 0.02
        guard gain.isFinite, gain >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .gain, in: c, debugDescription: "gain must be finite and ≥ 0, got \(gain)")
        }
    }

    public var description: String { "\(kind.rawValue)(gain \(gain))" }

    /// Initialises one convolution-like weight by ``kind`` (the reference's rule for "Conv" and "Linear").
    public func initializeWeight(_ weight: Tensor, using rng: inout RandomGenerator) throws {
        try validate()
        switch kind {
        case .normal: try Initializers.normal(weight, mean: 0, std: gain, using: &rng)
        case .xavier: try Initializers.xavierNormal(weight, gain: gain, using: &rng)
        case .kaiming: try Initializers.kaimingNormal(weight, a: 0, using: &rng)
        case .orthogonal: try Initializers.orthogonal(weight, gain: gain, using: &rng)
        }
    }

    /// Throws when `gain` is negative or not finite.
    public func validate() throws {
        guard gain.isFinite, gain >= 0 else {
            throw NNError.invalidArgument(what: "WeightInit", message: "gain must be finite and ≥ 0, got \(gain) (the reference uses 0.02)")
        }
    }
}
