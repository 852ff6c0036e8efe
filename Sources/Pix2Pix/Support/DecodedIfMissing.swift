import Tensor

/// The value a stored option takes when a file written before the option existed lacks its key.
public protocol MissingKeyDefault {
    associatedtype Value: Codable & Sendable & Equatable
    static var value: Value { get }
}

/// A Codable option added after files that lack it were written (`config.json`, checkpoints, model
/// cards, ablation plans): a missing key decodes to `Default.value`, so old files still load without
/// a hand-written `init(from:)` listing every field. Encodes as the bare value.
@propertyWrapper
public struct DecodedIfMissing<Default: MissingKeyDefault>: Codable, Sendable, Equatable {
    public var wrappedValue: Default.Value

    public init() { wrappedValue = Default.value }
    public init(wrappedValue: Default.Value) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try Default.Value(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}

extension KeyedDecodingContainer {
    /// What synthesized `init(from:)` calls for a ``DecodedIfMissing`` property: absent → the default.
    func decode<D>(_ type: DecodedIfMissing<D>.Type, forKey key: Key) throws -> DecodedIfMissing<D> {
        try decodeIfPresent(type, forKey: key) ?? DecodedIfMissing()
    }
}

extension Precision {
    /// fp32, for options that existed before bf16 could be chosen.
    public enum FP32: MissingKeyDefault {
        public static var value: Precision { .fp32 }
    }
}
