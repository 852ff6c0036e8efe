import Checkpoint
import Pix2Pix

/// The key / value strings both export formats carry: ONNX's `metadata_props` and safetensors'
/// `__metadata__`. Keys are distinct and kept in insertion order.
///
/// ``network(architecture:channels:sizeMultiple:)`` gives what every export states; a zoo
/// model adds its card's conventions (``adding(_:_:)``), so a deployment reads the channel order,
/// value range and padding rule from the file itself.
public struct ExportMetadata: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: String)] = []

    public init() {}

    public static func == (l: ExportMetadata, r: ExportMetadata) -> Bool {
        l.entries.map(\.key) == r.entries.map(\.key) && l.entries.map(\.value) == r.entries.map(\.value)
    }

    public subscript(key: String) -> String? { entries.first { $0.key == key }?.value }

    /// Sets `key` (replacing an earlier value in place).
    public mutating func set(_ key: String, _ value: String) {
        if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = value } else { entries.append((key, value)) }
    }

    /// A copy with `key` set.
    public func adding(_ key: String, _ value: String) -> ExportMetadata {
        var copy = self
        copy.set(key, value)
        return copy
    }

    /// The metadata key holding ``ModelArchitecture/json`` (what `ckpt convert` reads back).
    public static let architectureKey = "pix2pix.architecture"

    /// What every export says about the network: producer, architecture JSON, tensor layout,
    /// channels, value range, the size multiple, and the inference mode the graph implements.
    public static func network(architecture: ModelArchitecture, channels: ChannelSpec, sizeMultiple: Int) -> ExportMetadata {
        var m = ExportMetadata()
        m.set("pix2pix.producer", "Pix2PixZoo \(Pix2PixZooVersion.string)")
        m.set(architectureKey, architecture.json.serializedString())
        m.set("pix2pix.generator", architecture.generator.name)
        m.set("pix2pix.layout", "NCHW")
        m.set("pix2pix.input_channels", String(channels.inputChannels))
        m.set("pix2pix.output_channels", String(channels.outputChannels))
        m.set("pix2pix.input_color", channels.inputChannels == 1 ? "gray" : channels.inputChannels == 3 ? "rgb" : "\(channels.inputChannels) channels")
        m.set("pix2pix.output_color", channels.outputChannels == 1 ? "gray" : channels.outputChannels == 3 ? "rgb" : "\(channels.outputChannels) channels")
        m.set("pix2pix.value_range", "[-1, 1]")
        m.set("pix2pix.size_multiple", String(sizeMultiple))
        m.set("pix2pix.mode", "eval: dropout off, batch norm on its running statistics")
        return m
    }
}
