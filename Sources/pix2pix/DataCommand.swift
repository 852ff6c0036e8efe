import ArgumentParser
import Foundation
import Imaging

/// `pix2pix data build` and `pix2pix data inspect`.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build and inspect paired datasets (HDF5 or aligned A|B folders).",
        subcommands: [Build.self, Inspect.self]
    )

    enum TransformChoice: String, ExpressibleByArgument, CaseIterable {
        case gray, canny, none
    }

    enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
        case hdf5, aligned
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build (A, B) pairs from photos: random square crops, B = the crop, A = its gray or Canny-edge version.",
            discussion: """
            Crops are squares of random side between --size and the photo's short side (never stretched), \
            area-resized to --size; near-flat crops are redrawn. Images are split into train / val by image \
            (--split), or --val-source gives held-out images. The same sources, options and --seed give \
            byte-identical output. The output is written atomically.

            --default uses the default photo set from Debian packages that scripts/bootstrap provides: 150 \
            photographs from 8 packages (135 train, 15 named held-out photos for validation; each with its \
            licence, see the Datasets article). --collection nature picks the small set of make demo and the \
            seed experiments (26 nature photos → 5 palapeli photos).
            """
        )

        @Option(name: .customLong("source"), parsing: .upToNextOption,
                help: ArgumentHelp("Folders or files with .png / .jpg photos (folders are searched recursively).", valueName: "dir"))
        var sources: [String] = []

        @Flag(name: .customLong("default"), help: "Use the default photo set (Debian packages, see the discussion).")
        var useDefault = false

        @Option(name: .customLong("collection"), help: "With --default: full (150 photos) or nature (the demo's 31).")
        var collection: DefaultPhotoSet.Collection = .full

        @Option(name: .customLong("val-source"), parsing: .upToNextOption,
                help: ArgumentHelp("Held-out validation photos (instead of splitting --source).", valueName: "dir"))
        var valSources: [String] = []

        @Option(help: "How A is made from the photo B: gray, canny or none.")
        var transform: TransformChoice = .canny

        @Option(help: Bounds.pairSide.help("Side of the square pairs in pixels."))
        var size: Int = 256

        @Option(name: .customLong("crops-per-image"), help: Bounds.cropsPerImage.help("Pairs cut from each photo (unless --train / --val)."))
        var cropsPerImage: Int = 4

        @Option(help: Bounds.split.help("Fraction of --source photos used for training (by photo, not by crop)."))
        var split: Double = 0.9

        @Option(name: .customLong("train"), help: Bounds.pairCount.help("Exact number of training pairs, spread over the training photos (at least 1)."))
        var trainCount: Int?

        @Option(name: .customLong("val"), help: Bounds.pairCount.help("Exact number of validation pairs."))
        var valCount: Int?

        @Option(help: "Random seed (crops, split; any 64-bit unsigned integer).")
        var seed: UInt64 = 0

        @Option(help: ArgumentHelp("Output: an .h5 file, or a folder for --format aligned.", valueName: "path"))
        var out: String

        @Option(help: "hdf5 (train/A, train/B, val/A, val/B) or aligned (folders of A|B PNGs).")
        var format: FormatChoice = .hdf5

        @Flag(help: "Replace an existing output.")
        var overwrite = false

        @Option(name: .customLong("min-std"), help: Bounds.minStd.help("Redraw crops whose luma standard deviation (0-255) is below this."))
        var minStd: Double = 8

        @Option(name: .customLong("canny-preset"),
                help: ArgumentHelp("Canny settings by name, which the --canny-* flags override: default (5×5 blur, thresholds 50 / 100, inverted) or seed (the seed project's cv2.Canny(gray, 128, 128), no blur, inverted).",
                                   valueName: "name"))
        var cannyPreset: CannyPreset = .default

        @Option(name: .customLong("canny-low"), help: Bounds.cannyThreshold.help("Canny low threshold (default: the preset's; 50)."))
        var cannyLow: Double?

        @Option(name: .customLong("canny-high"), help: Bounds.cannyThreshold.help("Canny high threshold (default: the preset's; 100)."))
        var cannyHigh: Double?

        @Option(name: .customLong("canny-aperture"), help: "Canny Sobel aperture: 3, 5 or 7 (default: the preset's; 3).")
        var cannyAperture: Int?

        @Flag(name: .customLong("canny-l2"), inversion: .prefixedNo, help: "The L2 gradient magnitude instead of L1 (default: the preset's; L1).")
        var cannyL2: Bool?

        @Option(name: .customLong("canny-blur"), help: Bounds.cannyBlur.help("Gaussian blur kernel before Canny (odd; 0 = none; default: the preset's; 5)."))
        var cannyBlur: Int?

        @Option(name: .customLong("canny-sigma"), help: Bounds.cannySigma.help("Gaussian sigma (0 = OpenCV's default for the kernel; default: the preset's)."))
        var cannySigma: Double?

        @Flag(inversion: .prefixedNo, help: "Black edges on white, the seed datasets' convention (default: the preset's; on).")
        var cannyInvert: Bool?

        @OptionGroup var pixelBudget: PixelBudgetOption

        @Flag(help: "Print only the summary.")
        var quiet = false

        func validate() throws {
            if useDefault && !sources.isEmpty { throw ValidationError("give either --default or --source, not both") }
            if !useDefault && sources.isEmpty { throw ValidationError("give --source DIR... or --default") }
            if useDefault && !valSources.isEmpty { throw ValidationError("--default has its own validation photos; drop --val-source") }
            if !useDefault && collection != .full { throw ValidationError("--collection picks a collection of the default photo set; add --default") }
            try Bounds.pairSide.check(size, "--size")
            try Bounds.cropsPerImage.check(cropsPerImage, "--crops-per-image", hint: "for many pairs from few photos use --train N")
            try Bounds.split.check(split, "--split")
            try Bounds.pairCount.check(trainCount, "--train")
            if trainCount == 0 { throw ValidationError("--train must be at least 1, got 0") }
            try Bounds.pairCount.check(valCount, "--val")
            try Bounds.minStd.check(minStd, "--min-std")
            try Bounds.cannyThreshold.check(cannyLow, "--canny-low")
            try Bounds.cannyThreshold.check(cannyHigh, "--canny-high")
            if let cannyAperture, ![3, 5, 7].contains(cannyAperture) { throw ValidationError("--canny-aperture must be 3, 5 or 7, got \(cannyAperture)") }
            try Bounds.cannyBlur.check(cannyBlur, "--canny-blur", hint: "give 0 (no blur) or an odd kernel size such as 5")
            if let cannyBlur, cannyBlur != 0 && cannyBlur % 2 == 0 { throw ValidationError("--canny-blur must be 0 or odd, got \(cannyBlur)") }
            try Bounds.cannySigma.check(cannySigma, "--canny-sigma")
        }

        var pairTransform: PairTransform {
            switch transform {
            case .gray: return .gray
            case .none: return .none
            case .canny: return .canny(cannyOptions)
            }
        }

        /// The preset's Canny settings with the explicit --canny-* flags on top.
        var cannyOptions: CannyOptions {
            var o = cannyPreset.options
            if let cannyLow { o.lowThreshold = cannyLow }
            if let cannyHigh { o.highThreshold = cannyHigh }
            if let cannyAperture { o.aperture = cannyAperture }
            if let cannyL2 { o.l2Gradient = cannyL2 }
            if let cannyBlur { o.blurKernel = cannyBlur }
            if let cannySigma { o.blurSigma = cannySigma }
            if let cannyInvert { o.invert = cannyInvert }
            return o
        }

        func run() throws {
            var options: PairBuildOptions
            if useDefault {
                options = try PairBuildOptions.defaultPhotos(output: out, collection: collection)
            } else {
                options = PairBuildOptions(trainSources: sources, valSources: valSources.isEmpty ? nil : valSources, output: out)
            }
            options.transform = pairTransform
            options.size = size
            options.cropsPerImage = cropsPerImage
            options.split = split
            options.trainCount = trainCount
            options.valCount = valCount
            options.seed = seed
            options.format = format == .hdf5 ? .hdf5 : .aligned
            options.overwrite = overwrite
            options.minStandardDeviation = minStd
            options.pixelBudget = pixelBudget.budget
            let version = Pix2PixCommand.configuration.version
            options.toolVersion = "pix2pix data build" + (version.isEmpty ? "" : " \(version)")
            let summary = try PairBuilder.build(options) { line in
                if !quiet {
                    print(line)
                    fflush(nil)
                }
            }
            print(summary)
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a dataset (HDF5 file, aligned folder or image): layout, counts, shapes, dtypes, value ranges; write a preview grid."
        )

        @Argument(help: ArgumentHelp("An .h5 file, an aligned A|B folder, or an image.", valueName: "path"))
        var path: String

        @Option(help: ArgumentHelp("Where to write the preview grid PNG (default: ./<name>-preview.png).", valueName: "file"))
        var preview: String?

        @Option(name: .customLong("preview-pairs"), help: Bounds.previewPairs.help("Pairs shown in the preview."))
        var previewPairs: Int = 8

        @Flag(name: .customLong("no-preview"), help: "Do not write a preview.")
        var noPreview = false

        @OptionGroup var pixelBudget: PixelBudgetOption

        func validate() throws {
            try Bounds.previewPairs.check(previewPairs, "--preview-pairs")
        }

        func run() throws {
            let report = try DatasetInspector.inspect(path: path, previewPairs: noPreview ? 0 : previewPairs, budget: pixelBudget.budget)
            print(report)
            if let grid = report.preview, !noPreview {
                let url = URL(fileURLWithPath: path)
                let stem = url.hasDirectoryPath || FileManager.default.fileExists(atPath: path + "/.")
                    ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
                let target = preview ?? FileManager.default.currentDirectoryPath + "/\(stem)-preview.png"
                try grid.write(path: target)
                print("preview: \(target) (\(grid.width)x\(grid.height); A left of B, two pairs per row)")
            }
        }
    }
}
