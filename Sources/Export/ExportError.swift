import Foundation

/// Why a network could not be exported (file errors are `Base.FileError`s).
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The generator is not of a family the ONNX exporter knows how to translate.
    case unsupportedNetwork(network: String)
    /// A layer inside the network has no ONNX translation.
    case unsupportedLayer(path: String, layer: String)
    /// The translation did not use every tensor of the state dict: the network holds state the
    /// exported graph would silently drop.
    case unexportedTensors(network: String, keys: [String])
    /// The output exists and replacing it was not asked for.
    case outputExists(file: String)

    public var description: String {
        switch self {
        case let .unsupportedNetwork(network):
            return "\(network): the ONNX exporter translates the U-Net and encoder-decoder families (unet_*, encoder_decoder_*); this generator is neither. Hint: export its weights with `pix2pix export safetensors`, which works for every network."
        case let .unsupportedLayer(path, layer):
            return "layer '\(path)' (\(layer)) has no ONNX translation; known layers: Conv2d, ConvTranspose2d, BatchNorm2d, InstanceNorm2d, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout (removed: eval mode), Identity, Sequential. Hint: export its weights with `pix2pix export safetensors` instead."
        case let .unexportedTensors(network, keys):
            let shown = keys.prefix(5).joined(separator: ", ") + (keys.count > 5 ? ", … (\(keys.count) in all)" : "")
            return "\(network): the exported graph would not use the tensors \(shown). Hint: the network has state the exporter does not know; nothing was written."
        case let .outputExists(file):
            return "\(file): the output file already exists. Hint: pass --force to replace it, or choose another -o path."
        }
    }
}
