import Base
import Foundation
import NN
import Pix2Pix

/// Writes a generator as an ONNX model that is a drop-in for the PyTorch reference's export:
/// input `input` and output `output`, both NCHW float32 in [-1, 1]
/// (`[batch, channels, height, width]`), with symbolic `batch`, `height` and `width` axes — any
/// height and width that are multiples of the network's size multiple (2^depth) — in eval mode
/// (dropout removed, batch norm as `BatchNormalization` nodes with the running statistics).
///
/// ```swift
/// let loaded = try ModelCheckpoint.loadGenerator(from: url)
/// let metadata = ExportMetadata.network(architecture: loaded.architecture, channels: loaded.network.channels,
///                                       sizeMultiple: loaded.network.sizeMultiple)
/// try ONNXExporter.write(loaded.network, metadata: metadata, to: URL(fileURLWithPath: "model.onnx"))
/// ```
///
/// Opset 17 (ONNX 1.12, IR version 8): every runtime of the last years reads it, and it has all
/// the operators a pix2pix generator needs (Conv, ConvTranspose, BatchNormalization,
/// InstanceNormalization, LeakyRelu, Relu, Tanh, Concat).
public enum ONNXExporter {
    public static let opsetVersion = 17
    public static let irVersion = 8
    public static let inputName = "input"
    public static let outputName = "output"

    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        public var file: String
        public var nodes: Int
        public var initializers: Int
        public var parameters: Int
        public var bytes: Int
        /// Operator → count.
        public var operators: [String: Int]
    }

    /// The ONNX model of `network` in memory (tests look inside; ``write(_:metadata:to:force:)``
    /// streams the same bytes to a file).
    static func model(_ network: any GeneratorNetwork, metadata: ExportMetadata) throws -> ONNXModel {
        var builder = ONNXGraphBuilder()
        let result = try builder.generator(network, input: inputName)
        if result == inputName { builder.identity(inputName, output: outputName) } else { builder.rename(result, to: outputName) }
        // Every parameter and buffer must be in the graph: a layer whose state we skipped would
        // export a different network.
        let keys = network.stateEntries().map(\.key)
        let unused = keys.filter { !builder.usedKeys.contains($0) }
        guard unused.isEmpty else { throw ExportError.unexportedTensors(network: network.layerDescription, keys: unused) }

        let c = network.channels, m = network.sizeMultiple
        let batch = ONNXDimension.symbol("batch"), height = ONNXDimension.symbol("height"), width = ONNXDimension.symbol("width")
        let valueDoc = "NCHW float32 in [-1, 1]; height and width multiples of \(m)"
        let graph = ONNXGraph(
            name: network.layerDescription, nodes: builder.nodes, initializers: builder.initializers,
            inputs: [ONNXValueInfo(name: inputName, dimensions: [batch, .value(c.inputChannels), height, width], docString: valueDoc)],
            outputs: [ONNXValueInfo(name: outputName, dimensions: [batch, .value(c.outputChannels), height, width], docString: valueDoc)],
            docString: "pix2pix generator in eval mode (dropout removed, batch norm on running statistics). " + valueDoc + ".")
        return ONNXModel(irVersion: irVersion, opsetVersion: opsetVersion, producerName: "Pix2PixZoo",
                         producerVersion: Pix2PixZooVersion.string, domain: "", modelVersion: 1,
                         docString: metadata["pix2pix.summary"] ?? "", graph: graph, metadata: metadata.entries)
    }

    /// Translates `network` and writes it to `url` atomically (temporary file, fsync, rename).
    /// Refuses an existing file unless `force`. Nothing is written when the network has a layer
    /// without a translation (``ExportError``).
    @discardableResult
    public static func write(_ network: any GeneratorNetwork, metadata: ExportMetadata, to url: URL, force: Bool = false) throws -> Summary {
        if !force, FileKind.of(url.path) != nil { throw ExportError.outputExists(file: url.path) }
        let model = try model(network, metadata: metadata)
        let bytes = model.encodedSize
        try AtomicFile.write(to: url) { sink in
            var encoder = ProtobufEncoder(FileProtobufSink(sink))
            try model.encode(to: &encoder)
            sink = encoder.sink.sink
        }
        return Summary(file: url.path, nodes: model.graph.nodes.count, initializers: model.graph.initializers.count,
                       parameters: network.parameterCount, bytes: bytes,
                       operators: model.graph.nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 })
    }
}
