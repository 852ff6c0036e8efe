import Tensor

// The ONNX messages an exported generator needs, with the field numbers of onnx.proto
// (github.com/onnx/onnx, onnx/onnx.proto, IR version 8). Only what we write is modelled.

/// `TensorProto.DataType` values we use.
enum ONNXDataType: Int {
    case float = 1
    case int64 = 7
}

/// Float32 tensor contents: a live tensor's storage (weights, written without a copy) or values
/// made for the export (instance norm's unit scale, for example).
enum ONNXFloats {
    case tensor(Tensor)
    case values([Float])

    var count: Int {
        switch self {
        case .tensor(let t): return t.count
        case .values(let v): return v.count
        }
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .tensor(let t):
            return try withExtendedLifetime(t) { try body(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4)) }
        case .values(let v):
            return try v.withUnsafeBytes(body)
        }
    }
}

/// `TensorProto`: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian IEEE 754).
struct ONNXTensor: ProtobufMessage {
    var name: String
    var dims: [Int]
    var data: ONNXFloats

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.ints(1, dims)
        try e.int(2, ONNXDataType.float.rawValue)
        try e.string(8, name)
        try data.withUnsafeBytes { try e.bytes(9, $0) }
    }
}

/// `AttributeProto`: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20
/// (`AttributeType`: FLOAT 1, INT 2, STRING 3, INTS 7).
struct ONNXAttribute: ProtobufMessage, Equatable {
    enum Value: Equatable {
        case float(Float)
        case int(Int)
        case ints([Int])
        case string(String)
    }

    var name: String
    var value: Value

    init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.string(1, name)
        switch value {
        case .float(let f):
            try e.float(2, f)
            try e.int(20, 1)
        case .int(let i):
            try e.int(3, i)
            try e.int(20, 2)
        case .string(let s):
            try e.string(4, s)
            try e.int(20, 3)
        case .ints(let values):
            try e.ints(8, values)
            try e.int(20, 7)
        }
    }
}

/// `NodeProto`: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
struct ONNXNode: ProtobufMessage, Equatable {
    var name: String
    var opType: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [ONNXAttribute] = []

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        for i in inputs { try e.string(1, i) }
        for o in outputs { try e.string(2, o) }
        try e.string(3, name)
        try e.string(4, opType)
        for a in attributes { try e.message(5, a) }
    }
}

/// One axis of a graph input or output: a fixed size or a named symbol (`dim_value` = 1,
/// `dim_param` = 2 of `TensorShapeProto.Dimension`).
enum ONNXDimension: Equatable {
    case value(Int)
    case symbol(String)
}

/// `TensorShapeProto.Dimension`.
private struct DimensionMessage: ProtobufMessage {
    var dimension: ONNXDimension
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        switch dimension {
        case .value(let v): try e.int(1, v)
        case .symbol(let s): try e.string(2, s)
        }
    }
}

/// `TensorShapeProto`: dim = 1.
private struct ShapeMessage: ProtobufMessage {
    var dimensions: [ONNXDimension]
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        for d in dimensions { try e.message(1, DimensionMessage(dimension: d)) }
    }
}

/// `TypeProto.Tensor`: elem_type = 1, shape = 2.
private struct TensorTypeMessage: ProtobufMessage {
    var shape: ShapeMessage
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.int(1, ONNXDataType.float.rawValue)
        try e.message(2, shape)
    }
}

/// `TypeProto`: tensor_type = 1.
private struct TypeMessage: ProtobufMessage {
    var tensor: TensorTypeMessage
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.message(1, tensor)
    }
}

/// `ValueInfoProto` of a float32 graph input or output: name = 1, type = 2, doc_string = 3.
struct ONNXValueInfo: ProtobufMessage {
    var name: String
    var dimensions: [ONNXDimension]
    var docString: String

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.string(1, name)
        try e.message(2, TypeMessage(tensor: TensorTypeMessage(shape: ShapeMessage(dimensions: dimensions))))
        if !docString.isEmpty { try e.string(3, docString) }
    }
}

/// `GraphProto`: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
struct ONNXGraph: ProtobufMessage {
    var name: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensor]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]
    var docString: String

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        for n in nodes { try e.message(1, n) }
        try e.string(2, name)
        for t in initializers { try e.message(5, t) }
        if !docString.isEmpty { try e.string(10, docString) }
        for i in inputs { try e.message(11, i) }
        for o in outputs { try e.message(12, o) }
    }
}

/// `OperatorSetIdProto`: domain = 1 (empty: the default `ai.onnx` domain), version = 2.
private struct OpsetMessage: ProtobufMessage {
    var version: Int
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.string(1, "")
        try e.int(2, version)
    }
}

/// `StringStringEntryProto`: key = 1, value = 2.
private struct EntryMessage: ProtobufMessage {
    var key: String
    var value: String
    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.string(1, key)
        try e.string(2, value)
    }
}

/// `ModelProto`: ir_version = 1, producer_name = 2, producer_version = 3, domain = 4,
/// model_version = 5, doc_string = 6, graph = 7, opset_import = 8, metadata_props = 14.
struct ONNXModel: ProtobufMessage {
    var irVersion: Int
    var opsetVersion: Int
    var producerName: String
    var producerVersion: String
    var domain: String
    var modelVersion: Int
    var docString: String
    var graph: ONNXGraph
    /// Distinct keys, in order.
    var metadata: [(key: String, value: String)]

    func encode<S: ProtobufSink>(to e: inout ProtobufEncoder<S>) throws {
        try e.int(1, irVersion)
        try e.string(2, producerName)
        try e.string(3, producerVersion)
        try e.string(4, domain)
        try e.int(5, modelVersion)
        if !docString.isEmpty { try e.string(6, docString) }
        try e.message(7, graph)
        try e.message(8, OpsetMessage(version: opsetVersion))
        for (key, value) in metadata { try e.message(14, EntryMessage(key: key, value: value)) }
    }
}
