import Checkpoint
import Foundation
import Imaging
import NN
import Pix2Pix
import Tensor

/// A loaded generator ready for output-only inference on images of any size.
///
/// ```swift
/// import Imaging
/// import Zoo
///
/// let translator = try Translator(model: "gray2color")          // latest version, eval mode
/// let photo = try translator.translate(try Image.read(path: "old.png"))
/// try photo.write(path: "colour.png")
/// ```
///
/// An image is converted to the model's channels (RGB → gray with BT.601 luma, as the training
/// inputs were made; gray → RGB by replication), reflect-padded to the next multiple of the
/// network's size multiple (`2^depth` for a U-Net), mapped to [-1, 1], run, and cropped back to its
/// own size. Output images have the model's output channels.
///
/// Images whose padded size exceeds ``tiling``'s tile size run in overlapping tiles with the same
/// result (see ``TilingOptions``), so memory stays bounded whatever the image size; a 64 MP photo
/// needs about 1 GB.
///
/// A translator holds a network with mutable state: use one per thread.
public final class Translator {
    /// `id@version` for zoo models, the file path otherwise.
    public let name: String
    /// The zoo entry it was loaded from, if any.
    public let entry: ZooEntry?
    public let architecture: ModelArchitecture
    public let network: any GeneratorNetwork
    /// Eval (dropout off, running statistics) or train mode (dropout on, batch statistics; images
    /// then run one at a time, as the paper's batch-1 tests did).
    public let mode: InferenceMode
    /// The arithmetic of the network's convolutions: fp32, or bf16 (faster on CPUs with AMX or
    /// AVX-512 BF16; outputs differ from fp32 by about 1e-2 relative).
    public let precision: Precision

    public var inputChannels: Int { network.channels.inputChannels }
    public var outputChannels: Int { network.channels.outputChannels }
    /// Height and width of network inputs are multiples of this.
    public var sizeMultiple: Int { network.sizeMultiple }
    public var card: ModelCard? { entry?.card }
    /// How images too large for one pass are split (defaults from the network's receptive field).
    public var tiling: TilingOptions

    /// Loads `id` or `id@version` from the zoos of `catalog` (by default: `--zoo` rules without the
    /// option, see ``ZooCatalog``).
    public convenience init(model reference: String, catalog: ZooCatalog = .resolve(), mode: InferenceMode = .eval,
                            precision: Precision = .fp32, seed: UInt64 = 0, registry: Registry = .shared) throws {
        try self.init(entry: catalog.find(reference), mode: mode, precision: precision, seed: seed, registry: registry)
    }

    /// Loads a zoo entry, after checking `model.pzck` against the size and SHA-256 in its card.
    public convenience init(entry: ZooEntry, mode: InferenceMode = .eval, precision: Precision = .fp32, seed: UInt64 = 0,
                            registry: Registry = .shared) throws {
        try ZooVerifier.checkFile(ZooLayout.modelFile, of: entry)
        try self.init(checkpoint: entry.modelFile, name: entry.reference, entry: entry, mode: mode, precision: precision,
                      seed: seed, registry: registry)
    }

    /// Loads the generator of any inference or training checkpoint.
    public convenience init(checkpoint: URL, mode: InferenceMode = .eval, precision: Precision = .fp32, seed: UInt64 = 0,
                            registry: Registry = .shared) throws {
        try self.init(checkpoint: checkpoint, name: checkpoint.path, entry: nil, mode: mode, precision: precision,
                      seed: seed, registry: registry)
    }

    init(checkpoint: URL, name: String, entry: ZooEntry?, mode: InferenceMode, precision: Precision, seed: UInt64,
         registry: Registry) throws {
        try precision.requireAvailable()
        let loaded = try ModelCheckpoint.loadGenerator(from: checkpoint, registry: registry, seed: seed)
        self.name = name
        self.entry = entry
        architecture = loaded.architecture
        network = loaded.network
        self.mode = mode
        self.precision = precision
        tiling = TilingOptions.defaults(sizeMultiple: loaded.network.sizeMultiple, receptiveRadius: Self.receptiveRadius(of: loaded.network))
        network.train(mode == .train)
    }

    /// The padding ``translate(_:)`` applies to an image of this size.
    public func padding(width: Int, height: Int) -> Padding {
        Padding.toMultiple(sizeMultiple, width: width, height: height)
    }

    /// The network input for `image`: converted, padded, in [-1, 1], shape [1, H', W', C].
    public func networkInput(_ image: Image) throws -> (tensor: Tensor, padding: Padding) {
        let (values, shape, padding) = prepare(image)
        return (try Tensor(shape: [1] + shape, values: values), padding)
    }

    /// Runs the network on an NHWC batch in [-1, 1] whose size is a multiple of ``sizeMultiple``,
    /// in ``precision`` unless another is given.
    public func run(_ input: Tensor, precision: Precision? = nil) throws -> Tensor {
        do {
            try network.checkInput(shape: input.shape)
        } catch {
            throw ZooError.unsupportedInput(model: name, reason: "\(error)")
        }
        return try Precision.with(precision ?? self.precision) { try Evaluator.translate(network, input: input, mode: mode) }
    }

    /// Translates one image of any size; the output has the input's width and height.
    public func translate(_ image: Image) throws -> Image {
        try translate([image])[0]
    }

    /// Translates images of any sizes, running consecutive images of the same size together in
    /// batches of up to `batchSize` (eval mode; train mode runs one at a time), and images larger
    /// than a tile in tiles, one at a time. Results are in order.
    /// `progress` is called with the number of images done after each batch.
    public func translate(_ images: [Image], batchSize: Int = 4, progress: ((Int) -> Void)? = nil) throws -> [Image] {
        for image in images { try checkSize(width: image.width, height: image.height) }
        var results: [Image] = []
        results.reserveCapacity(images.count)
        let limit = mode == .train ? 1 : max(1, batchSize)
        var start = 0
        while start < images.count {
            let first = images[start]
            if usesTiles(width: first.width, height: first.height) {
                results.append(try translateTiled(first))
                start += 1
                progress?(start)
                continue
            }
            // Same-size neighbours together, up to a tile's worth of pixels (memory stays bounded).
            let p = padding(width: first.width, height: first.height)
            let pixels = (first.width + p.left + p.right) * (first.height + p.top + p.bottom)
            let fit = max(1, tiling.tileSize * tiling.tileSize / max(1, pixels))
            var end = start + 1
            while end < images.count, end - start < min(limit, fit),
                  images[end].width == first.width, images[end].height == first.height { end += 1 }
            results += try translateBatch(Array(images[start..<end]))
            progress?(end)
            start = end
        }
        return results
    }

    private func prepare(_ image: Image) -> (values: [Float], shape: [Int], padding: Padding) {
        let padding = self.padding(width: image.width, height: image.height)
        let ready = image.converted(toChannels: inputChannels).reflectPadded(padding)
        return (ready.unitFloats(), [ready.height, ready.width, ready.channels], padding)
    }

    /// Same-sized images in one forward pass.
    private func translateBatch(_ images: [Image]) throws -> [Image] {
        var values: [Float] = []
        var shape: [Int] = []
        var padding = Padding()
        for image in images {
            let p = prepare(image)
            values += p.values
            shape = p.shape
            padding = p.padding
        }
        let output = try run(try Tensor(shape: [images.count] + shape, values: values))
        return try (0..<images.count).map { i in
            try Evaluator.image(output, index: i).removingPadding(padding)
        }
    }
}
