import Base

#if _endian(big)
#error("ONNX raw_data, safetensors and protobuf fixed32 values are little-endian; this encoder writes memory as it is")
#endif

// The write half of the Protocol Buffers wire format, as much of it as ONNX's messages need:
// varints (int64, int32, enums), fixed32 (float), and length-delimited fields (strings, bytes,
// nested messages). Written by hand instead of generating SwiftProtobuf code for onnx.proto: we
// only ever write seven small messages, the encoder is ~100 lines with no dependency, and a
// generated onnx.pb.swift (thousands of lines) plus the swift-protobuf package would cost every
// cold build its compile time and still copy each weight into a `Data` before writing it. Here
// sizes are computed by a counting pass and the bytes stream straight from the tensors to the file.

/// Where encoded bytes go: a counter (to size nested messages) or a file.
protocol ProtobufSink {
    mutating func append(_ byte: UInt8) throws
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws
}

/// Counts bytes; the first pass of every length-delimited field.
struct ByteCounter: ProtobufSink {
    var count = 0
    mutating func append(_ byte: UInt8) { count += 1 }
    mutating func append(_ bytes: UnsafeRawBufferPointer) { count += bytes.count }
}

/// Collects bytes in memory (tests, small messages).
struct ByteBuffer: ProtobufSink {
    var bytes: [UInt8] = []
    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
}

/// Streams into an atomic file's buffered sink.
struct FileProtobufSink: ProtobufSink {
    var sink: FileSink
    private var small: [UInt8] = []

    init(_ sink: FileSink) {
        self.sink = sink
        small.reserveCapacity(16)
    }

    mutating func append(_ byte: UInt8) throws {
        small.removeAll(keepingCapacity: true)
        small.append(byte)
        try sink.write(small)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws { try sink.write(bytes) }
}

/// A message that can write itself field by field. Encoding twice (count, then write) is
/// what makes length prefixes possible without buffering.
protocol ProtobufMessage {
    func encode<S: ProtobufSink>(to encoder: inout ProtobufEncoder<S>) throws
}

extension ProtobufMessage {
    /// The encoded length in bytes.
    var encodedSize: Int {
        var encoder = ProtobufEncoder(ByteCounter())
        // A counter cannot fail; messages only throw what their sink throws.
        try? encode(to: &encoder)
        return encoder.sink.count
    }

    /// The encoded bytes (for tests and small messages).
    func encodedBytes() throws -> [UInt8] {
        var encoder = ProtobufEncoder(ByteBuffer())
        try encode(to: &encoder)
        return encoder.sink.bytes
    }
}

/// Field-level writes: every function takes the field number from the `.proto` file.
struct ProtobufEncoder<S: ProtobufSink> {
    enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    var sink: S

    init(_ sink: S) { self.sink = sink }

    mutating func varint(_ value: UInt64) throws {
        var v = value
        while v >= 0x80 {
            try sink.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        try sink.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wire: WireType) throws {
        try varint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    /// int64, int32 and enum fields: a varint of the two's-complement value (negative numbers take 10 bytes).
    mutating func int(_ field: Int, _ value: Int) throws {
        try tag(field, .varint)
        try varint(UInt64(bitPattern: Int64(value)))
    }

    /// A float field: 4 little-endian bytes.
    mutating func float(_ field: Int, _ value: Float) throws {
        try tag(field, .fixed32)
        try withUnsafeBytes(of: value.bitPattern.littleEndian) { try sink.append($0) }
    }

    mutating func bytes(_ field: Int, _ value: UnsafeRawBufferPointer) throws {
        try tag(field, .lengthDelimited)
        try varint(UInt64(value.count))
        try sink.append(value)
    }

    mutating func string(_ field: Int, _ value: String) throws {
        var copy = value
        try copy.withUTF8 { try bytes(field, UnsafeRawBufferPointer($0)) }
    }

    /// A nested message: its length (counted by a first pass), then its fields.
    mutating func message<M: ProtobufMessage>(_ field: Int, _ value: M) throws {
        try tag(field, .lengthDelimited)
        try varint(UInt64(value.encodedSize))
        try value.encode(to: &self)
    }

    /// A repeated scalar int64 field, one tagged element each (proto2's unpacked form, which
    /// onnx.proto declares; every parser also accepts it for packed fields).
    mutating func ints(_ field: Int, _ values: [Int]) throws {
        for v in values { try int(field, v) }
    }
}
