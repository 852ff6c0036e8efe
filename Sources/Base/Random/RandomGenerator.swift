#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one seeded random generator of Pix2PixZoo: xoshiro256** (Blackman & Vigna), seeded through
/// SplitMix64.
///
/// Every source of randomness (weight init, dropout masks, data order, crops, flips, pair
/// building) takes one of these explicitly, so a run is reproduced by its seed and a generator's
/// state can be saved in a checkpoint and restored for an exact resume.
///
/// ## Streams
/// - ``init(seed:)``: the four state words are four successive SplitMix64 outputs of `seed`.
/// - ``init(seed:stream:)``: an independent generator for one *stream* of a seeded process, e.g.
///   `(seed, [epoch, sampleIndex])`. The stream words are folded into the seed one by one
///   (`h ← splitMix(h ⊕ word·φ)`, starting from `seed ⊕ 0x6A09E667F3BCC908`), so streams do not
///   depend on the order in which they are used.
///
/// ## Derived values
/// - ``nextInt(below:)``: Lemire's multiply-and-reject, written out so results never depend on
///   the standard library's version.
/// - ``nextDouble()``: 53 bits, uniform in [0, 1). ``nextUniform()``: 24 bits, uniform in [0, 1).
/// - ``nextNormal()``: Box–Muller, one value per call (two 53-bit uniforms).
/// - ``permutation(_:)``: Fisher–Yates from the last index down.
///
/// The fixed values of these streams are pinned by `BaseTests/RandomGeneratorTests`.
public struct RandomGenerator: RandomNumberGenerator, Codable, Sendable, Equatable {
    /// The four state words (never all zero).
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var sm = seed
        state = (0..<4).map { _ in Self.splitMix(&sm) }
    }

    /// A generator for one stream of a seeded process, e.g. `(seed, [epoch, sampleIndex])`.
    public init(seed: UInt64, stream: [UInt64]) {
        var h = seed ^ 0x6A09_E667_F3BC_C908
        for word in stream {
            var sm = h ^ (word &* 0x9E37_79B9_7F4A_7C15)
            h = Self.splitMix(&sm)
        }
        self.init(seed: h)
    }

    /// Restores a saved state (four words, not all zero).
    public init(state: [UInt64]) throws(InvalidRandomState) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { throw InvalidRandomState(state: state) }
        self.state = state
    }

    enum CodingKeys: String, CodingKey { case state }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(state: c.decode([UInt64].self, forKey: .state))
    }

    /// One SplitMix64 step: advances `x` and returns the mixed value.
    public static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always) public mutating func next() -> UInt64 {
        let result = Self.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotl(state[3], 45)
        return result
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound, got \(bound)")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Uniform in [0, 1) with 53 bits.
    @inline(__always) public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [0, 1) with 24 bits.
    @inline(__always) public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal by Box–Muller (one value per call; simple and deterministic).
    @inline(__always) public mutating func nextNormal() -> Float {
        var u1 = nextDouble()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = nextDouble()
        return Float((-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2))
    }

    /// A Fisher–Yates permutation of 0..<count.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<max(0, count))
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, nextInt(below: i + 1))
            }
        }
        return order
    }
}

/// A saved random state that cannot be restored (not four words, or all zero).
public struct InvalidRandomState: Error, Sendable, Equatable, CustomStringConvertible {
    public var state: [UInt64]
    public init(state: [UInt64]) { self.state = state }
    public var description: String {
        "invalid random generator state \(state): a state is 4 words, not all zero. Hint: the file holding it is damaged; start from a seed instead"
    }
}
