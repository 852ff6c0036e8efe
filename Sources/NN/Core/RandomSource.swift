import Base


/// A `RandomGenerator` held by reference, so that several layers draw from one seeded stream and
/// whoever owns the stream (the trainer) can save and restore its state in one place.
///
/// ``Dropout`` layers take one: give every dropout layer of a network the same source and a
/// training checkpoint needs to store only `source.generator.state` to resume exactly.
public final class RandomSource {
    public var generator: RandomGenerator

    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
    public init(_ generator: RandomGenerator) { self.generator = generator }
}
