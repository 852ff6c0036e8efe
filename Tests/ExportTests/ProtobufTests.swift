@testable import Export
import Testing

/// The hand-written protobuf encoder against the wire format's own examples
/// (protobuf.dev/programming-guides/encoding) and hand-decoded ONNX messages.
@Suite("Protobuf encoder")
struct ProtobufTests {
    struct Fields: ProtobufMessage {
        var body: (inout ProtobufEncoder<ByteBuffer>) throws -> Void
        func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
            var buffer = ProtobufEncoder(ByteBuffer())
            try body(&buffer)
            try buffer.sink.bytes.withUnsafeBytes { try e.sink.append($0) }
        }
    }

    func bytes(_ body: @escaping (inout ProtobufEncoder<ByteBuffer>) throws -> Void) throws -> [UInt8] {
        try Fields(body: body).encodedBytes()
    }

    @Test("varints, negative ints, floats and strings encode as the specification's examples")
    func scalars() throws {
        #expect(try bytes { try $0.int(1, 150) } == [0x08, 0x96, 0x01])
        #expect(try bytes { try $0.int(1, 0) } == [0x08, 0x00])
        #expect(try bytes { try $0.int(2, -1) } == [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        #expect(try bytes { try $0.string(2, "testing") } == [0x12, 0x07] + Array("testing".utf8))
        #expect(try bytes { try $0.float(2, 0.2) } == [0x15, 0xCD, 0xCC, 0x4C, 0x3E])
        #expect(try bytes { try $0.int(20, 7) } == [0xA0, 0x01, 0x07])  // field 20: tag 160 needs two bytes
        #expect(try bytes { try $0.ints(8, [1, 300]) } == [0x40, 0x01, 0x40, 0xAC, 0x02])
    }

    @Test("an ONNX node and its attributes encode field by field, with counted lengths")
    func node() throws {
        let node = ONNXNode(name: "n", opType: "Relu", inputs: ["x"], outputs: ["y"],
                            attributes: [ONNXAttribute("alpha", .float(0.2))])
        let attribute: [UInt8] = [0x0A, 0x05] + Array("alpha".utf8) + [0x15, 0xCD, 0xCC, 0x4C, 0x3E, 0xA0, 0x01, 0x01]
        let expected: [UInt8] = [0x0A, 0x01, UInt8(ascii: "x"), 0x12, 0x01, UInt8(ascii: "y"), 0x1A, 0x01, UInt8(ascii: "n"),
                                 0x22, 0x04] + Array("Relu".utf8) + [0x2A, UInt8(attribute.count)] + attribute
        #expect(try node.encodedBytes() == expected)
        #expect(node.encodedSize == expected.count)
    }

    @Test("a float tensor is dims, data type FLOAT, name and little-endian raw data")
    func tensor() throws {
        let t = ONNXTensor(name: "w", dims: [2], data: .values([1, -2]))
        let expected: [UInt8] = [0x08, 0x02, 0x10, 0x01, 0x42, 0x01, UInt8(ascii: "w"), 0x4A, 0x08,
                                 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]
        #expect(try t.encodedBytes() == expected)
    }

    @Test("a 300-byte field gets a two-byte length")
    func longLength() throws {
        let text = String(repeating: "a", count: 300)
        #expect(Array(try bytes { try $0.string(1, text) }.prefix(3)) == [0x0A, 0xAC, 0x02])
    }
}
