import Tensor

/// Inverted dropout: in training mode each element is zeroed with probability `probability` and
/// survivors are scaled by 1 / (1 − probability); in evaluation mode the input passes through.
///
/// Masks come from a ``RandomSource``, so a seeded run drops the same elements every time. Works
/// on any shape (NHWC images included); it has no parameters.
public final class Dropout: Module, UnaryLayer {
    public let probability: Float
    /// Where masks come from; may be shared with other layers.
    public let randomSource: RandomSource

    /// - Parameters:
    ///   - probability: the chance of zeroing an element, in [0, 1) (pix2pix uses 0.5).
    ///   - randomSource: the seeded stream masks are drawn from.
    public init(probability: Float = 0.5, randomSource: RandomSource) throws {
        guard probability >= 0, probability < 1 else {
            throw NNError.invalidArgument(what: "Dropout", message: "probability must be in [0, 1), got \(probability)")
        }
        self.probability = probability
        self.randomSource = randomSource
        super.init()
    }

    /// A dropout layer with its own stream seeded by `seed`.
    public convenience init(probability: Float = 0.5, seed: UInt64) throws {
        try self.init(probability: probability, randomSource: RandomSource(seed: seed))
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return try input.dropout(p: probability, using: &randomSource.generator)
    }

    public override var layerDescription: String { "Dropout(p \(probability))" }
}
