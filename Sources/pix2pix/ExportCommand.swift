import ArgumentParser
import Base
import Export
import Foundation
import Pix2Pix
import Zoo

/// `pix2pix export onnx|safetensors`: hand a zoo model (or any checkpoint) to other engines.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a zoo model's generator to ONNX or safetensors for other engines (ONNX Runtime, OpenVINO, PyTorch).",
        discussion: """
        Both formats carry the card's conventions as metadata (channels, colour, value range [-1, 1], size \
        multiple, pre- and post-processing) and the architecture as JSON. Files are written atomically; an \
        existing output is replaced only with --force.
        """,
        subcommands: [ONNX.self, Safetensors.self]
    )

    /// Which model, and where to write.
    struct Source: ParsableArguments {
        @Option(help: ArgumentHelp("The zoo model.", valueName: "id[@version]")) var model: String?
        @Option(help: ArgumentHelp("A .pzck checkpoint instead of a zoo model.", valueName: "file")) var checkpoint: String?
        @OptionGroup var location: ZooLocationOptions
        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The file to write.", valueName: "out"))
        var output: String
        @Flag(help: "Replace an existing output file.") var force = false

        func validate() throws {
            if (model == nil) == (checkpoint == nil) { throw ValidationError("give exactly one of --model ID[@VERSION] and --checkpoint FILE") }
        }

        /// The generator in eval mode and the metadata both formats write.
        func load() throws -> (network: any GeneratorNetwork, metadata: ExportMetadata) {
            let translator = try model.map { try Translator(model: $0, catalog: location.catalog) }
                ?? Translator(checkpoint: URL(fileURLWithPath: checkpoint!))
            let network = translator.network
            network.eval()
            var metadata = ExportMetadata.network(architecture: translator.architecture, channels: network.channels,
                                                  sizeMultiple: network.sizeMultiple)
            if let card = translator.card {
                metadata.set("pix2pix.model", card.reference)
                metadata.set("pix2pix.summary", card.summary)
                metadata.set("pix2pix.task", card.task)
                metadata.set("pix2pix.license", card.license)
                metadata.set("pix2pix.input_color", card.input.color)
                metadata.set("pix2pix.output_color", card.output.color)
                metadata.set("pix2pix.encoding", card.input.encoding)
                metadata.set("pix2pix.preprocessing", card.preprocessing)
                metadata.set("pix2pix.postprocessing", card.postprocessing)
                if let size = card.input.trainedSize { metadata.set("pix2pix.trained_size", String(size)) }
            } else {
                metadata.set("pix2pix.model", URL(fileURLWithPath: translator.name).lastPathComponent)
            }
            return (network, metadata)
        }
    }

    struct ONNX: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "onnx",
            abstract: "Write the generator as an ONNX model (opset 17, eval mode, NCHW in [-1, 1], dynamic batch / height / width).",
            discussion: """
            The graph takes `input` [batch, C_in, height, width] and returns `output` [batch, C_out, height, width], \
            float32 in [-1, 1] — the network's own tensors, like an export of the PyTorch reference, so it is a drop-in \
            for one. Height and width may be any multiples of the network's size multiple (2^depth, in the metadata). \
            Dropout is removed and batch norm runs on its running statistics (eval mode; `translate --train-mode` has \
            no ONNX equivalent). U-Net and encoder-decoder generators are supported.

            Example: pix2pix export onnx --model gray2color -o gray2color.onnx
            """
        )
        @OptionGroup var source: Source

        func run() throws {
            let (network, metadata) = try source.load()
            let s = try ONNXExporter.write(network, metadata: metadata, to: URL(fileURLWithPath: source.output), force: source.force)
            let ops = s.operators.keys.sorted().map { "\($0) \(s.operators[$0]!)" }.joined(separator: ", ")
            print("\(s.file): ONNX opset \(ONNXExporter.opsetVersion), \(s.nodes) nodes (\(ops)), \(s.initializers) initializers, "
                  + "\(Format.grouped(s.parameters)) parameters, \(Format.bytes(s.bytes))")
        }
    }

    struct Safetensors: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "safetensors",
            abstract: "Write the generator's state dict as safetensors (F32, PyTorch's key names and layouts).",
            discussion: """
            Keys are the reference's state-dict keys (`model.model.1.weight`, …), so PyTorch's load_state_dict on the \
            reference's UnetGenerator takes the file; weights are F32 in PyTorch's layouts (OIHW, IOHW for transposed \
            convolutions). The metadata holds the architecture JSON (`pix2pix ckpt convert FILE.safetensors` reads it \
            back) and the card's conventions.

            Example: pix2pix export safetensors --model gray2color -o gray2color.safetensors
            """
        )
        @OptionGroup var source: Source

        func run() throws {
            let (network, metadata) = try source.load()
            let s = try SafetensorsWriter.write(network, metadata: metadata, to: URL(fileURLWithPath: source.output), force: source.force)
            print("\(s.file): \(s.tensors) tensors, \(Format.grouped(s.elements)) F32 values, \(Format.bytes(s.bytes))")
        }
    }
}
