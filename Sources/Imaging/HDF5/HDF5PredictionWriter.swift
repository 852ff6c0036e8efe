import Base
import CHDF5
import Foundation

/// Writes a translated copy of an HDF5 pair file: the same layout (ours or either seed layout)
/// with each split's A and B arrays copied as stored, plus a prediction array per split that
/// follows the layout's own conventions:
///
/// | layout | A, B (copied) | prediction |
/// |---|---|---|
/// | ours | `split/A`, `split/B` | `split/pred`, uint8 N×H×W×C |
/// | full / sketch | `{split}_data_sketch`, `{split}_data_full` | `{split}_data_pred`, uint8 N×C×H×W |
/// | gen / raw | `{split}_data_raw`, `{split}_data_gen` | `{split}_data_pred`, float32 N×H×W×C, 0–255 |
///
/// uint8 arrays are copied byte for byte; other numeric arrays are copied as float32. Root
/// attributes (strings, integers, doubles) and `meta/manifest` are copied too. The output is
/// built under a temporary name and renamed into place by `finish()`; until then, or when
/// anything fails, the destination is untouched.
public final class HDF5PredictionWriter {
    /// The source file's description (layout, splits, attributes).
    public let source: HDF5Description
    /// The splits copied and translated, in file order.
    public let splits: [HDF5Split]
    public let path: String

    private let staged: StagedOutput
    private var file: HDF5File?
    private var predictions: [String: HDF5Dataset] = [:]
    private var finished = false

    public var layout: HDF5Layout { source.layout }

    /// Opens `sourcePath` and starts the copy at `path`.
    /// - Parameters:
    ///   - splits: the splits to copy and translate (default: all of them).
    ///   - outputChannels: channels of the predictions (1 or 3).
    ///   - attributes: extra root attributes (e.g. which model made the predictions).
    ///   - budget: the largest image accepted from the source (its shapes are checked before any read).
    public init(sourcePath: String, path: String, splits wanted: [String]? = nil, outputChannels: Int,
                attributes: [String: HDF5AttributeValue] = [:], overwrite: Bool = false, budget: PixelBudget = .default) throws {
        guard outputChannels == 1 || outputChannels == 3 else {
            throw ImagingError.invalidArgument(operation: "HDF5PredictionWriter", message: "predictions need 1 or 3 channels, got \(outputChannels)")
        }
        if FileIO.exists(path) && !overwrite { throw ImagingError.outputExists(path: path) }
        if FileIO.isDirectory(path) { throw ImagingError.io(path: path, reason: "is a directory; give a file name ending in .h5") }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileIO.isDirectory(parent) else { throw ImagingError.io(path: path, reason: "the directory \(parent) does not exist") }
        let input = try HDF5File.open(sourcePath)
        source = try HDF5LayoutDetector.describe(file: input, budget: budget)
        if let wanted {
            for name in wanted where source.split(named: name) == nil {
                throw ImagingError.missingSplit(path: sourcePath, split: name, available: source.splits.map(\.name))
            }
            splits = source.splits.filter { wanted.contains($0.name) }
        } else {
            splits = source.splits
        }
        self.path = path
        staged = try StagedOutput(destination: URL(fileURLWithPath: path), kind: .file)
        do {
            let output = try HDF5File.create(staged.path, name: path)
            file = output
            for split in splits {
                if source.layout == .pix2pixZoo { try output.createGroup(split.name) }
                try Self.copy(split.a, from: input, to: output)
                try Self.copy(split.b, from: input, to: output)
                let name = Self.predictionName(layout: source.layout, split: split.name)
                let (h, w) = (split.a.height, split.a.width)
                switch source.layout {
                case .pix2pixZoo:
                    predictions[split.name] = try HDF5Dataset(creatingIn: output, name: name, fileType: chdf5_std_u8le(), itemShape: [h, w, outputChannels])
                case .seedFullSketch:
                    predictions[split.name] = try HDF5Dataset(creatingIn: output, name: name, fileType: chdf5_std_u8le(), itemShape: [outputChannels, h, w])
                case .seedGenRaw:
                    predictions[split.name] = try HDF5Dataset(creatingIn: output, name: name, fileType: chdf5_native_float(), itemShape: [h, w, outputChannels])
                }
            }
            if source.objects.contains(where: { $0.path == "meta/manifest" && $0.kind == .dataset }) {
                let manifest = try HDF5Dataset(file: input, name: "meta/manifest").readAllBytes()
                try output.createGroup("meta")
                try HDF5Dataset.writeBytes(manifest, in: output, name: "meta/manifest")
            }
            // The source's readable attributes, but none too long to be an attribute of ours (a
            // foreign file may hold a longer variable-length string).
            var all = source.attributes.filter {
                switch $0.value {
                case .other: return false
                case let .string(s): return s.utf8.count < HDF5File.maxWrittenStringBytes
                default: return true
                }
            }
            for (key, value) in attributes { all[key] = value }
            for key in all.keys.sorted() { try output.setAttribute(key, all[key]!) }
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// The prediction array's name for `split` in `layout`.
    public static func predictionName(layout: HDF5Layout, split: String) -> String {
        layout == .pix2pixZoo ? "\(split)/pred" : "\(split)_data_pred"
    }

    /// Number of predictions appended to `split` so far.
    public func count(split: String) -> Int { predictions[split]?.shape[0] ?? 0 }

    /// Appends the prediction for the next pair of `split` (same size as the split's images).
    public func append(prediction: Image, split: String) throws {
        guard !finished, file != nil else {
            throw ImagingError.invalidArgument(operation: "HDF5PredictionWriter.append", message: "the writer for \(path) is already finished or abandoned")
        }
        guard let dataset = predictions[split], let info = splits.first(where: { $0.name == split }) else {
            throw ImagingError.invalidArgument(operation: "HDF5PredictionWriter.append", message: "unknown split '\(split)'; this file has \(splits.map(\.name))")
        }
        let channels = source.layout == .seedFullSketch ? dataset.shape[1] : dataset.shape[3]
        guard prediction.width == info.a.width, prediction.height == info.a.height, prediction.channels == channels else {
            throw ImagingError.mismatch(path: path, message: "prediction \(prediction.width)x\(prediction.height)x\(prediction.channels) does not match split '\(split)' (\(info.a.width)x\(info.a.height), \(channels) channel(s))")
        }
        guard dataset.shape[0] < info.count else {
            throw ImagingError.mismatch(path: path, message: "split '\(split)' has \(info.count) pairs; all of them already have predictions")
        }
        do {
            try write(prediction, to: dataset)
        } catch {
            if file?.writeFailure != nil { abandon() }        // a failed write (full disk) ends the file
            throw error
        }
    }

    private func write(_ prediction: Image, to dataset: HDF5Dataset) throws {
        switch source.layout {
        case .pix2pixZoo:
            try prediction.withUnsafeBytes { try dataset.append($0.baseAddress!, memType: chdf5_native_uint8()) }
        case .seedFullSketch:
            let (w, h, c) = (prediction.width, prediction.height, prediction.channels)
            var planar = [UInt8](repeating: 0, count: prediction.count)
            prediction.withUnsafeBytes { src in
                for y in 0..<h {
                    for x in 0..<w {
                        for k in 0..<c { planar[(k * h + y) * w + x] = src[(y * w + x) * c + k] }
                    }
                }
            }
            try planar.withUnsafeBytes { try dataset.append($0.baseAddress!, memType: chdf5_native_uint8()) }
        case .seedGenRaw:
            let values = prediction.withUnsafeBytes { $0.map(Float.init) }
            try values.withUnsafeBytes { try dataset.append($0.baseAddress!, memType: chdf5_native_float()) }
        }
    }

    /// Checks that every split has one prediction per pair, closes the file and renames it into place.
    public func finish() throws {
        guard !finished, let file else {
            throw ImagingError.invalidArgument(operation: "HDF5PredictionWriter.finish", message: "the writer for \(path) is already finished or abandoned")
        }
        for split in splits where count(split: split.name) != split.count {
            abandon()
            throw ImagingError.mismatch(path: path, message: "split '\(split.name)' has \(split.count) pairs but \(count(split: split.name)) predictions")
        }
        do {
            try file.checkSpaceForClose(stagedPath: staged.path)
            predictions = [:]                            // closes the datasets, then the file
            self.file = nil
            try file.close()
            try staged.commit()
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    /// Makes every later write of the library fail with ENOSPC, as on a full disk (tests of the
    /// error paths; see `HDF5File.redirectDescriptor(to:)`).
    func simulateFullDisk() throws {
        try file?.redirectDescriptor(to: "/dev/full")
    }

    /// Drops everything written so far; the destination is left as it was. The library's
    /// objects are closed datasets first, then the file, with writes discarded so that closing
    /// cannot fail (and crash libhdf5) on a full disk.
    public func abandon() {
        file?.discardWrites()
        predictions = [:]
        file = nil
        staged.abandon()
        finished = true
    }

    /// Copies an image array item by item (bounded memory): uint8 as bytes, anything else as float32.
    private static func copy(_ array: HDF5ImageArray, from input: HDF5File, to output: HDF5File) throws {
        let reader = try HDF5Dataset(file: input, name: array.dataset)
        let itemShape = Array(array.shape.dropFirst())
        let per = itemShape.reduce(1, *)
        let bytes = array.elementType == .uint8
        let writer = try HDF5Dataset(creatingIn: output, name: array.dataset,
                                     fileType: bytes ? chdf5_std_u8le() : chdf5_native_float(), itemShape: itemShape)
        let memType = bytes ? chdf5_native_uint8() : chdf5_native_float()
        var buffer = [UInt8](repeating: 0, count: per * (bytes ? 1 : 4))
        let zeros = [Int](repeating: 0, count: itemShape.count)
        for n in 0..<array.count {
            try buffer.withUnsafeMutableBytes { raw in
                try reader.read(start: [n] + zeros, count: [1] + itemShape, memType: memType, into: raw.baseAddress!)
                try writer.append(raw.baseAddress!, memType: memType)
            }
        }
    }
}

extension HDF5PredictionWriter {
    /// Reads predictions `range` of `split` back from a file this writer made, as 8-bit images
    /// (NCHW transposed, float 0–255 rounded and clamped).
    public static func predictions(path: String, split: String, range: Range<Int>) throws -> [Image] {
        let file = try HDF5File.open(path)
        let description = try HDF5LayoutDetector.describe(file: file)
        let name = predictionName(layout: description.layout, split: split)
        guard let object = description.objects.first(where: { $0.path == name }),
              let array = HDF5ImageArray.infer(object, channelsFirst: description.layout == .seedFullSketch) else {
            throw ImagingError.mismatch(path: path, message: "no prediction array \(name) (was the file written by `pix2pix translate --format h5`?)")
        }
        try HDF5Limits.checkImageArray(array, object: object, budget: .default, path: path, fileSize: FileIO.size(path) ?? 0)
        guard range.lowerBound >= 0, range.upperBound <= array.count else {
            throw ImagingError.invalidArgument(operation: "HDF5PredictionWriter.predictions", message: "range \(range) is outside 0..<\(array.count) of \(name)")
        }
        let dataset = try HDF5Dataset(file: file, name: name)
        let (w, h, c) = (array.width, array.height, array.channels)
        let per = w * h * c
        var floats = [Float](repeating: 0, count: per * range.count)
        try floats.withUnsafeMutableBytes { raw in
            try dataset.read(start: [range.lowerBound] + [Int](repeating: 0, count: array.shape.count - 1),
                             count: [range.count] + array.shape.dropFirst(), memType: chdf5_native_float(), into: raw.baseAddress!)
        }
        return range.indices.map { k in
            let base = (k - range.lowerBound) * per
            return Image(width: w, height: h, channels: c) { out in
                for y in 0..<h {
                    for x in 0..<w {
                        for ch in 0..<c {
                            let v = array.axes == .nchw ? floats[base + (ch * h + y) * w + x] : floats[base + (y * w + x) * c + ch]
                            out[(y * w + x) * c + ch] = UInt8(max(0, min(255, v.rounded())))
                        }
                    }
                }
            }
        }
    }
}
