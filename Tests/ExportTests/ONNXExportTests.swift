import Base
@testable import Export
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

/// Exported ONNX graphs run in ONNX Runtime and give our generator's output (eval mode), on
/// inputs that are not square, at two sizes and batch 2 from one file; the onnx package's checker
/// accepts every file.
@Suite("ONNX export", .serialized)
struct ONNXExportTests {
    /// (registry name, overrides) of every family and norm the exporter supports, narrow.
    static let variants: [(String, ConfigOverrides)] = [
        ("unet_64", ["ngf": 4]),                                                  // batch norm, dropout (removed)
        ("unet_64", ["ngf": 4, "norm": "instance", "input_channels": 1]),          // instance norm, gray in
        ("unet_64", ["ngf": 4, "norm": "none", "output_channels": 1]),             // no norm, convolution biases
        ("encoder_decoder_64", ["ngf": 4]),                                       // no skips
        ("unet_128", ["ngf": 2, "dropout": false]),                               // depth 7
    ]

    static func metadata(_ network: any GeneratorNetwork, name: String) throws -> ExportMetadata {
        let entry = try Registry.shared.generator(named: name)
        let architecture = ModelArchitecture(
            generator: .init(name: name, family: entry.family, configData: Data("{}".utf8), parameters: network.parameterCount),
            discriminator: nil, conditional: true)
        return ExportMetadata.network(architecture: architecture, channels: network.channels, sizeMultiple: network.sizeMultiple)
    }

    @Test("every supported variant: ONNX Runtime gives our eval-mode output within 1e-4 relative, at two non-square sizes")
    func runtimeParity() throws {
        let dir = try ExportFixtures.temporaryDirectory("onnx")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (index, (name, overrides)) in Self.variants.enumerated() {
            let network = try ExportFixtures.generator(name, overrides, seed: UInt64(index + 1))
            let url = dir.appendingPathComponent("\(index).onnx")
            let summary = try ONNXExporter.write(network, metadata: try Self.metadata(network, name: name), to: url)
            #expect(summary.operators["Dropout"] == nil)

            let check = try ExportFixtures.json(try ExportFixtures.python(["onnx-check", url.path]))
            #expect(check["ir_version"] as? Int == 8)
            #expect((check["opsets"] as? [String: Int])?["ai.onnx"] == 17)
            let c = network.channels
            let inputs = check["inputs"] as? [[String: Any]], outputs = check["outputs"] as? [[String: Any]]
            #expect(inputs?.first?["name"] as? String == "input" && outputs?.first?["name"] as? String == "output")
            #expect((inputs?.first?["dims"] as? [Any])?.map { "\($0)" } == ["batch", "\(c.inputChannels)", "height", "width"])
            #expect((outputs?.first?["dims"] as? [Any])?.map { "\($0)" } == ["batch", "\(c.outputChannels)", "height", "width"])
            #expect((check["metadata"] as? [String: String])?["pix2pix.size_multiple"] == String(network.sizeMultiple))

            let m = network.sizeMultiple
            for (n, h, w) in [(2, m, 3 * m), (1, 2 * m, m)] {
                let x = ExportFixtures.input([n, h, w, c.inputChannels], seed: UInt64(h + w))
                let ours = ExportFixtures.nhwcToNCHW(try network(x))
                let inputFile = dir.appendingPathComponent("x.f32"), outputFile = dir.appendingPathComponent("y.f32")
                try ExportFixtures.writeFloats(ExportFixtures.nhwcToNCHW(x), to: inputFile)
                let run = try ExportFixtures.json(try ExportFixtures.python(
                    ["onnx-run", url.path, inputFile.path, "\(n)", "\(c.inputChannels)", "\(h)", "\(w)", outputFile.path]))
                #expect(run["shape"] as? [Int] == [n, c.outputChannels, h, w])
                let theirs = try ExportFixtures.readFloats(outputFile)
                let error = ExportFixtures.relativeError(theirs, ours)
                #expect(error <= 1e-4, "\(name) \(overrides) at \(n)×\(h)×\(w): relative error \(error)")
            }
        }
    }

    @Test("the graph: named initializers for every state-dict tensor, eval-mode nodes, skips as Concat")
    func graphStructure() throws {
        let network = try ExportFixtures.generator("unet_64", ["ngf": 4])
        let model = try ONNXExporter.model(network, metadata: try Self.metadata(network, name: "unet_64"))
        let names = Set(model.graph.initializers.map(\.name))
        #expect(Set(network.stateEntries().map(\.key)).isSubset(of: names))
        let ops = model.graph.nodes.reduce(into: [String: Int]()) { $0[$1.opType, default: 0] += 1 }
        let modules = network.namedModules().map(\.module)
        #expect(ops["BatchNormalization"] == modules.filter { $0 is BatchNorm2d }.count)
        #expect(ops["Conv"] == 6 && ops["ConvTranspose"] == 6 && ops["Concat"] == 5 && ops["Tanh"] == 1)
        #expect(ops["Dropout"] == nil && modules.contains { $0 is Dropout })
        #expect(model.graph.nodes.last?.outputs == ["output"] && model.graph.nodes.first?.inputs.first == "input")
        // Every value a node reads is the input, an initializer or an earlier node's output.
        var known = names.union(["input"])
        for node in model.graph.nodes {
            #expect(node.inputs.allSatisfy(known.contains), "\(node.name) reads an undefined value")
            known.formUnion(node.outputs)
        }
        let encoder = try ExportFixtures.generator("encoder_decoder_64", ["ngf": 4])
        let plain = try ONNXExporter.model(encoder, metadata: try Self.metadata(encoder, name: "encoder_decoder_64"))
        #expect(!plain.graph.nodes.contains { $0.opType == "Concat" })
    }

    final class Mystery: Module, UnaryLayer {
        func callAsFunction(_ input: Tensor) throws -> Tensor { input }
        override var layerDescription: String { "Mystery(7)" }
    }

    final class Custom: Module, GeneratorNetwork {
        var channels: ChannelSpec { ChannelSpec() }
        var sizeMultiple: Int { 1 }
        func callAsFunction(_ input: Tensor) throws -> Tensor { input }
    }

    @Test("an unknown layer and an unknown network are typed errors; nothing is written")
    func unsupported() throws {
        let dir = try ExportFixtures.temporaryDirectory("unsupported")
        defer { try? FileManager.default.removeItem(at: dir) }
        let network = try ExportFixtures.generator("unet_64", ["ngf": 4])
        let inner = try #require(network.module(at: "model.model.1.model") as? Sequential)
        inner.append(Mystery())
        let url = dir.appendingPathComponent("m.onnx")
        #expect(throws: ExportError.unsupportedLayer(path: "model.model.1.model.\(inner.count - 1)", layer: "Mystery(7)")) {
            try ONNXExporter.write(network, metadata: try Self.metadata(network, name: "unet_64"), to: url)
        }
        #expect(throws: ExportError.unsupportedNetwork(network: "Custom")) {
            try ONNXExporter.write(Custom(), metadata: ExportMetadata(), to: url)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let message = ExportError.unsupportedLayer(path: "a.b", layer: "Mystery(7)").description
        #expect(message.contains("a.b") && message.contains("Mystery(7)") && message.contains("Hint"))
    }

    @Test("an existing output is refused without force and replaced with it")
    func overwrite() throws {
        let dir = try ExportFixtures.temporaryDirectory("overwrite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.onnx")
        try Data("keep".utf8).write(to: url)
        let network = try ExportFixtures.generator("unet_64", ["ngf": 2])
        let metadata = try Self.metadata(network, name: "unet_64")
        #expect(throws: ExportError.outputExists(file: url.path)) { try ONNXExporter.write(network, metadata: metadata, to: url) }
        #expect(try Data(contentsOf: url) == Data("keep".utf8))
        let summary = try ONNXExporter.write(network, metadata: metadata, to: url, force: true)
        #expect(summary.bytes == (try Data(contentsOf: url)).count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.onnx"])
        // Deterministic: the same network gives the same bytes.
        let again = dir.appendingPathComponent("again.onnx")
        try ONNXExporter.write(network, metadata: metadata, to: again)
        #expect(try Data(contentsOf: url) == (try Data(contentsOf: again)))
    }
}
