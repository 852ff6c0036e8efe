import Base
import Foundation

/// How the builder makes A from the photo B.
public enum PairTransform: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A = BT.601 luma of B (1 channel): colourisation.
    case gray
    /// A = Canny edges of B (1 channel, 0/255): edges → photo.
    case canny(CannyOptions)
    /// A = B (3 channels), for pipeline tests.
    case none

    public var name: String {
        switch self {
        case .gray: return "gray"
        case .canny: return "canny"
        case .none: return "none"
        }
    }

    public var channels: Int {
        if case .none = self { return 3 }
        return 1
    }

    public func apply(to photo: Image) throws -> Image {
        switch self {
        case .gray: return photo.grayscale()
        case let .canny(options): return try photo.cannyEdges(options)
        case .none: return photo
        }
    }

    /// The parameters as JSON (empty object for gray / none).
    public var parametersJSON: String {
        guard case let .canny(options) = self else { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(options), as: UTF8.self)) ?? "{}"
    }

    /// The transform a dataset records (its `transform` and `transform_params` attributes); nil
    /// for a name this version does not know or parameters that do not decode.
    public init?(name: String, parametersJSON: String) {
        switch name {
        case "gray": self = .gray
        case "none": self = .none
        case "canny":
            guard let options = try? JSONDecoder().decode(CannyOptions.self, from: Data(parametersJSON.utf8)),
                  (try? options.validate()) != nil else { return nil }
            self = .canny(options)
        default: return nil
        }
    }

    public var description: String {
        guard case let .canny(o) = self else { return name }
        return "canny(\(o.preset.map { "preset \($0.rawValue): " } ?? "")low \(o.lowThreshold), high \(o.highThreshold), aperture \(o.aperture)\(o.l2Gradient ? ", L2" : ""), blur \(o.blurKernel)\(o.invert ? ", black on white" : ""))"
    }
}

/// Output format of a build.
public enum PairDatasetFormat: String, Codable, Sendable, CaseIterable {
    /// Our HDF5 layout (train/A, train/B, val/A, val/B).
    case hdf5
    /// A folder of A|B PNGs per split (the PyTorch reference's format).
    case aligned
}

/// Everything `PairBuilder.build` needs.
public struct PairBuildOptions: Sendable {
    /// Files or folders (searched recursively for png / jpg / jpeg).
    public var trainSources: [String]
    /// Held-out sources for validation; nil splits `trainSources` by `split` (by image, never by crop).
    public var valSources: [String]?
    public var transform: PairTransform
    /// Side of the square pairs.
    public var size: Int
    /// Crops per source image (used unless `trainCount` / `valCount` are given).
    public var cropsPerImage: Int
    /// Fraction of the source images used for training when `valSources` is nil.
    public var split: Double
    /// Exact numbers of pairs (spread evenly over the split's images); nil = cropsPerImage each.
    public var trainCount: Int?
    public var valCount: Int?
    public var seed: UInt64
    public var format: PairDatasetFormat
    public var output: String
    public var overwrite: Bool
    /// Crops whose luma standard deviation (0–255 scale) is below this are rejected as near-flat
    /// (clear sky, walls) and redrawn, up to `attemptsPerCrop` times.
    public var minStandardDeviation: Double
    public var attemptsPerCrop: Int
    /// Recorded in the output's metadata.
    public var toolVersion: String
    /// Human description of the sources, recorded in the metadata.
    public var sourceDescription: String
    /// The largest source photo read (checked from its header before decoding).
    public var pixelBudget: PixelBudget = .default

    public init(trainSources: [String], valSources: [String]? = nil,
                transform: PairTransform = .canny(CannyPreset.default.options), size: Int = 256,
                cropsPerImage: Int = 4, split: Double = 0.9, trainCount: Int? = nil, valCount: Int? = nil,
                seed: UInt64 = 0, format: PairDatasetFormat = .hdf5, output: String, overwrite: Bool = false,
                minStandardDeviation: Double = 8, attemptsPerCrop: Int = 10, toolVersion: String = "pix2pixzoo",
                sourceDescription: String? = nil) {
        self.trainSources = trainSources
        self.valSources = valSources
        self.transform = transform
        self.size = size
        self.cropsPerImage = cropsPerImage
        self.split = split
        self.trainCount = trainCount
        self.valCount = valCount
        self.seed = seed
        self.format = format
        self.output = output
        self.overwrite = overwrite
        self.minStandardDeviation = minStandardDeviation
        self.attemptsPerCrop = attemptsPerCrop
        self.toolVersion = toolVersion
        self.sourceDescription = sourceDescription ?? trainSources.joined(separator: ", ")
    }

    /// Options for a collection of the default photo set (`data build --default` uses the full one:
    /// its training photos train, its named held-out photos validate).
    public static func defaultPhotos(output: String, collection: DefaultPhotoSet.Collection = .full) throws -> PairBuildOptions {
        let photos = try DefaultPhotoSet.locate(collection)
        return PairBuildOptions(
            trainSources: photos.train, valSources: photos.val, output: output,
            sourceDescription: "default photo set (\(collection.rawValue)): \(DefaultPhotoSet.licenceSummary(collection))")
    }

    public func validate() throws {
        func bad(_ option: String, _ message: String) -> ImagingError { .invalidArgument(operation: option, message: message) }
        guard size >= 8 else { throw bad("--size", "must be >= 8, got \(size)") }
        guard cropsPerImage >= 1 else { throw bad("--crops-per-image", "must be >= 1, got \(cropsPerImage)") }
        guard split > 0, split <= 1 else { throw bad("--split", "must be in (0, 1], got \(split)") }
        if let n = trainCount, n < 1 { throw bad("--train", "must be >= 1, got \(n)") }
        if let n = valCount, n < 0 { throw bad("--val", "must be >= 0, got \(n)") }
        guard minStandardDeviation >= 0 else { throw bad("--min-std", "must be >= 0, got \(minStandardDeviation)") }
        guard attemptsPerCrop >= 1 else { throw bad("attempts per crop", "must be >= 1, got \(attemptsPerCrop)") }
        guard !trainSources.isEmpty else { throw bad("--source", "give at least one source folder or file (or --default)") }
        if case let .canny(options) = transform { try options.validate() }
    }
}

/// Where one pair came from (recorded in the manifest).
public struct PairProvenance: Codable, Sendable, Equatable {
    /// Index into the split's source list.
    public var source: Int
    /// The square crop taken from the source (before resizing to the pair size).
    public var x: Int
    public var y: Int
    public var side: Int
}

/// What a build produced.
public struct PairBuildSummary: Sendable, CustomStringConvertible {
    public var output: String
    public var format: PairDatasetFormat
    public var transform: PairTransform
    public var size: Int
    public var seed: UInt64
    public var trainImages: Int
    public var valImages: Int
    public var trainPairs: Int
    public var valPairs: Int
    /// Crops rejected as near-flat (each was redrawn).
    public var rejectedFlatCrops: Int
    /// Requested pairs that could not be filled because every attempt was near-flat.
    public var missingPairs: Int

    public var description: String {
        var lines = [
            "wrote \(output) (\(format == .hdf5 ? "HDF5" : "aligned A|B folder"))",
            "  pairs: \(trainPairs) train (from \(trainImages) images), \(valPairs) val (from \(valImages) images), \(size)x\(size)",
            "  A = \(transform), B = photo (RGB); seed \(seed)",
            "  near-flat crops rejected and redrawn: \(rejectedFlatCrops)",
        ]
        if missingPairs > 0 { lines.append("  pairs not filled (every attempt near-flat): \(missingPairs)") }
        return lines.joined(separator: "\n")
    }
}

/// Builds paired datasets from ordinary photos: random square crops (a side between `size` and
/// the photo's short side, never stretched), area-resized to `size`, near-flat crops redrawn,
/// A made from B by the transform.
///
/// Deterministic: the crops of source image i of a split come from a generator keyed by
/// (seed, split, i), so the same sources, options and seed give byte-identical output, whatever
/// the thread count. The output is written atomically: a failed build leaves nothing behind.
public enum PairBuilder {
    struct SourceWork {
        var path: String
        var pairs: Int
    }

    struct Manifest: Codable {
        var format = "pix2pixzoo-pairs"
        var formatVersion = 1
        var toolVersion: String
        var seed: UInt64
        var size: Int
        var transform: String
        var transformParameters: String
        var cropsPerImage: Int
        var split: Double
        var minStandardDeviation: Double
        var sourceDescription: String
        var sources: [String: [String]]
        var pairs: [String: [PairProvenance]]

        enum CodingKeys: String, CodingKey {
            case format, formatVersion = "format_version", toolVersion = "tool_version", seed, size, transform
            case transformParameters = "transform_params", cropsPerImage = "crops_per_image", split
            case minStandardDeviation = "min_std", sourceDescription = "source_description", sources, pairs
        }
    }

    /// Runs a build. `progress` receives one line per source image.
    @discardableResult
    public static func build(_ options: PairBuildOptions, progress: ((String) -> Void)? = nil) throws -> PairBuildSummary {
        try options.validate()
        // 1. Sources and split (by image).
        var trainFiles = try collect(options.trainSources)
        var valFiles: [String]
        if let valSources = options.valSources {
            valFiles = valSources.isEmpty ? [] : try collect(valSources)
        } else {
            var rng = RandomGenerator(seed: options.seed, stream: [0x73_706C_6974])
            let shuffled = rng.permutation(trainFiles.count).map { trainFiles[$0] }
            var nTrain = Int((Double(shuffled.count) * options.split).rounded())
            nTrain = max(1, min(shuffled.count, nTrain))
            if options.split < 1, shuffled.count >= 2, nTrain == shuffled.count { nTrain -= 1 }
            trainFiles = Array(shuffled[..<nTrain]).sorted()
            valFiles = Array(shuffled[nTrain...]).sorted()
        }
        if let v = options.valCount, v > 0, valFiles.isEmpty {
            throw ImagingError.invalidArgument(operation: "--val", message: "\(v) validation pairs requested but no validation images (give more sources or a --split below 1)")
        }
        // 2. Pairs per image.
        let trainWork = plan(trainFiles, total: options.trainCount, perImage: options.cropsPerImage, seed: options.seed, tag: 1)
        let valWork = plan(valFiles, total: options.valCount, perImage: options.cropsPerImage, seed: options.seed, tag: 2)

        // 3. Writer.
        let channelsA = options.transform.channels
        var hdf5: HDF5PairWriter?
        var aligned: AlignedFolderWriter?
        switch options.format {
        case .hdf5:
            hdf5 = try HDF5PairWriter(path: options.output, width: options.size, height: options.size,
                                      channelsA: channelsA, channelsB: 3, splits: ["train", "val"], overwrite: options.overwrite)
        case .aligned:
            aligned = try AlignedFolderWriter(path: options.output, overwrite: options.overwrite)
        }
        do {
            var rejected = 0, missing = 0
            var provenance: [String: [PairProvenance]] = [:]
            for (splitIndex, split, work) in [(1, "train", trainWork), (2, "val", valWork)] {
                var records: [PairProvenance] = []
                let threads = max(1, min(4, Threads.count))
                var start = 0
                while start < work.count {
                    let chunk = Array(start..<min(work.count, start + threads))
                    let results = try makeCrops(chunk.map { (index: $0, work: work[$0]) }, split: UInt64(splitIndex), options: options)
                    for (offset, result) in results.enumerated() {
                        let index = chunk[offset]
                        for (pair, origin) in result.pairs {
                            if let hdf5 { try hdf5.append(a: pair.a, b: pair.b, split: split) }
                            if let aligned { try aligned.append(a: pair.a, b: pair.b, split: split) }
                            records.append(PairProvenance(source: index, x: origin.x, y: origin.y, side: origin.width))
                        }
                        rejected += result.rejected
                        missing += work[index].pairs - result.pairs.count
                        if work[index].pairs > 0 { progress?("\(split) \(index + 1)/\(work.count) \(URL(fileURLWithPath: work[index].path).lastPathComponent): \(result.pairs.count) pairs\(result.rejected > 0 ? ", \(result.rejected) flat crops redrawn" : "")") }
                    }
                    start += chunk.count
                }
                provenance[split] = records
            }
            let trainPairs = provenance["train"]?.count ?? 0, valPairs = provenance["val"]?.count ?? 0
            guard trainPairs > 0 else {
                throw ImagingError.noImages(path: options.sourceDescription, hint: "every crop was near-flat; lower --min-std")
            }
            let manifest = Manifest(
                toolVersion: options.toolVersion, seed: options.seed, size: options.size, transform: options.transform.name,
                transformParameters: options.transform.parametersJSON, cropsPerImage: options.cropsPerImage,
                split: options.split, minStandardDeviation: options.minStandardDeviation,
                sourceDescription: options.sourceDescription,
                sources: ["train": trainWork.map(\.path), "val": valWork.map(\.path)], pairs: provenance)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let manifestJSON = try encoder.encode(manifest)
            let attributes: [(String, HDF5AttributeValue)] = [
                ("format", .string(manifest.format)),
                ("format_version", .integer(1)),
                ("tool_version", .string(options.toolVersion)),
                ("transform", .string(options.transform.name)),
                ("transform_params", .string(options.transform.parametersJSON)),
                ("crop_size", .integer(Int64(options.size))),
                ("seed", .integer(Int64(bitPattern: options.seed))),
                ("crops_per_image", .integer(Int64(options.cropsPerImage))),
                ("split", .double(options.split)),
                ("min_std", .double(options.minStandardDeviation)),
                ("source_description", .string(options.sourceDescription)),
                ("channels_a", .integer(Int64(channelsA))),
                ("channels_b", .integer(3)),
                ("train_count", .integer(Int64(trainPairs))),
                ("val_count", .integer(Int64(valPairs))),
            ]
            let sourceList = try String(decoding: encoder.encode(manifest.sources), as: UTF8.self)
            if let hdf5 {
                for (k, v) in attributes { hdf5.setAttribute(k, v) }
                // Attributes live in the object header (64 KiB limit); long lists stay in the manifest only.
                hdf5.setAttribute("source_files", .string(sourceList.utf8.count < 32_000 ? sourceList : "see meta/manifest"))
                hdf5.setManifest(json: [UInt8](manifestJSON))
                try hdf5.finish()
            }
            if let aligned {
                for (k, v) in attributes {
                    switch v {
                    case let .string(s): aligned.setMetadata(k, s)
                    case let .integer(i): aligned.setMetadata(k, i)
                    case let .double(d): aligned.setMetadata(k, d)
                    case .other: break
                    }
                }
                aligned.setMetadata("source_files", manifest.sources)
                try aligned.finish()
            }
            return PairBuildSummary(output: options.output, format: options.format, transform: options.transform, size: options.size,
                                    seed: options.seed, trainImages: trainWork.filter { $0.pairs > 0 }.count,
                                    valImages: valWork.filter { $0.pairs > 0 }.count, trainPairs: trainPairs, valPairs: valPairs,
                                    rejectedFlatCrops: rejected, missingPairs: missing)
        } catch {
            hdf5?.abandon()
            aligned?.abandon()
            throw error
        }
    }

    static func collect(_ sources: [String]) throws -> [String] {
        var files: [String] = []
        for source in sources { files += try findImageFiles(under: source) }
        let unique = Array(Set(files)).sorted()
        guard !unique.isEmpty else {
            throw ImagingError.noImages(path: sources.joined(separator: ", "), hint: "no .png / .jpg / .jpeg files found (folders are searched recursively)")
        }
        return unique
    }

    /// Pairs per image: `perImage` each, or `total` spread evenly (the remainder to a seeded choice).
    static func plan(_ files: [String], total: Int?, perImage: Int, seed: UInt64, tag: UInt64) -> [SourceWork] {
        guard let total, !files.isEmpty else { return files.map { SourceWork(path: $0, pairs: perImage) } }
        var counts = [Int](repeating: total / files.count, count: files.count)
        var rng = RandomGenerator(seed: seed, stream: [0x706C_616E, tag])
        for i in rng.permutation(files.count).prefix(total % files.count) { counts[i] += 1 }
        return zip(files, counts).map { SourceWork(path: $0, pairs: $1) }
    }

    struct CropResult {
        var pairs: [((a: Image, b: Image), CropRect)] = []
        var rejected = 0
    }

    /// Decodes and crops several source images in parallel; results in input order.
    static func makeCrops(_ items: [(index: Int, work: SourceWork)], split: UInt64, options: PairBuildOptions) throws -> [CropResult] {
        var results = [CropResult](repeating: CropResult(), count: items.count)
        try results.withUnsafeMutableBufferPointer { res in
            // Each index writes only its own result slot.
            let base = UncheckedSendable(res.baseAddress!)
            try parallelFor(items.count) { (_, i) throws in
                base.value[i] = try cropsOf(items[i].work, index: items[i].index, split: split, options: options)
            }
        }
        return results
    }

    static func cropsOf(_ work: SourceWork, index: Int, split: UInt64, options: PairBuildOptions) throws -> CropResult {
        var result = CropResult()
        guard work.pairs > 0 else { return result }
        var photo = try Image.read(path: work.path, budget: options.pixelBudget)
        if photo.channels == 1 { photo = photo.rgb() }
        let size = options.size
        let short = min(photo.width, photo.height)
        guard short >= size else {
            throw ImagingError.imageTooSmall(path: work.path, width: photo.width, height: photo.height, needed: size)
        }
        var rng = RandomGenerator(seed: options.seed, stream: [0x6372_6F70, split, UInt64(index)])
        for _ in 0..<work.pairs {
            for _ in 0..<options.attemptsPerCrop {
                let side = size + rng.nextInt(below: short - size + 1)
                let x = rng.nextInt(below: photo.width - side + 1)
                let y = rng.nextInt(below: photo.height - side + 1)
                let rect = CropRect(x: x, y: y, width: side, height: side)
                let b = photo.cropped(rect).resized(width: size, height: size, filter: .area)
                if b.grayscale().meanAndStandardDeviation.std < options.minStandardDeviation {
                    result.rejected += 1
                    continue
                }
                let a = try options.transform.apply(to: b)
                result.pairs.append(((a, b), rect))
                break
            }
        }
        return result
    }
}
