import ArgumentParser
import Base
import Foundation
import Imaging
import Pix2Pix
import Zoo

/// `pix2pix translate`: output-only inference with a zoo model (or any checkpoint) on images,
/// folders of images and HDF5 pair files.
struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate images, folders and HDF5 pair files with a zoo model (output-only inference).",
        discussion: """
        Images (.png, .jpg, .jpeg) of any size are converted to the model's channels (RGB → gray with BT.601 \
        luma for 1-channel models), reflect-padded to the network's size multiple, translated, cropped back \
        and written to --out with the same relative names. Folders are searched recursively. Every output \
        is planned before anything runs: two inputs that would write one file (or an image inside an HDF5 \
        file's grid folder) are refused, and no output may be an input, even with --overwrite (paths are \
        compared with links resolved). Images larger than a tile (2048² for the zoo's models) run in \
        overlapping tiles with the same result, so memory stays bounded; --max-megapixels caps the image \
        size a file may declare (checked before decoding).

        Edge models expect edge maps made as their training inputs were: --preprocess canny makes them from \
        photos with the Canny settings the model's card records (`zoo show` prints them), and --edges \
        white-on-black (or black-on-white) says how your own drawings are drawn, inverted to the card's \
        polarity when they differ. --preprocess gray converts colour photos for gray models (as the default \
        channel conversion does).

        HDF5 files (ours or either seed layout) have every A of every split (or --split) translated. With \
        --format h5 the output is a copy in the same layout plus prediction arrays (split/pred, or \
        {split}_data_pred); with png or jpg, grids of input | output | target go to --out/<file>/; --grids adds \
        the grids to h5 output.

        Eval mode (dropout off, running statistics) is the default; --train-mode runs as the paper tested: \
        dropout on and batch statistics, one image at a time. --precision bf16 runs the convolutions in \
        bfloat16 (faster on CPUs with AMX or AVX-512 BF16; outputs differ from fp32 by about 1e-2).
        """
    )

    enum FormatChoice: String, ExpressibleByArgument, CaseIterable { case png, jpg, h5 }

    @Option(help: ArgumentHelp("The zoo model.", valueName: "id[@version]")) var model: String?
    @Option(help: ArgumentHelp("Use a checkpoint file instead of a zoo model.", valueName: "file")) var checkpoint: String?
    @Argument(help: ArgumentHelp("Images, folders of images, or HDF5 pair files.", valueName: "input")) var inputs: [String]
    @Option(help: ArgumentHelp("Output folder (created).", valueName: "dir")) var out: String
    @Option(help: "png, jpg or h5 (h5: for HDF5 inputs).") var format: FormatChoice = .png
    @Flag(help: "With --format h5, also write input | output | target grids.") var grids = false
    @Option(parsing: .upToNextOption, help: "Only these splits of HDF5 inputs.") var split: [String] = []
    @Option(help: "How photos become the model's input: none (channel conversion only), gray, or canny (the Canny settings the model's card records).")
    var preprocess: InputPreparation.Preprocess = .none
    @Option(help: ArgumentHelp("The polarity of your edge maps, for edge models: inverted when the card's training inputs had the other.", valueName: "black-on-white|white-on-black"))
    var edges: InputPreparation.EdgePolarity?
    @Flag(name: .customLong("train-mode"), help: "Dropout on and batch statistics (the paper's test setting).") var trainMode = false
    @Option(name: .customLong("batch-size"), help: Bounds.batch.help("Images of equal size run together.")) var batchSize = 4
    @Option(help: "Seed of the dropout stream in train mode.") var seed: UInt64 = 0
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var pixelBudget: PixelBudgetOption
    @Flag(help: "Replace existing outputs.") var overwrite = false
    @OptionGroup var progress: ProgressOption
    @Flag(help: "Only errors.") var quiet = false
    @OptionGroup var location: ZooLocationOptions

    func validate() throws {
        if (model == nil) == (checkpoint == nil) { throw ValidationError("give exactly one of --model ID[@VERSION] and --checkpoint FILE") }
        if inputs.isEmpty { throw ValidationError("give at least one input image, folder or HDF5 file") }
        try Bounds.batch.check(batchSize, "--batch-size")
        if grids && format != .h5 { throw ValidationError("--grids goes with --format h5 (png and jpg output of HDF5 inputs are grids already)") }
    }

    /// One unit of work.
    enum Job: Equatable {
        case image(input: String, output: String)
        /// `output` is the .h5 file (h5 format) or the grid folder.
        case hdf5(input: String, output: String, gridFolder: String?)
    }

    static let hdf5Extensions: Set<String> = ["h5", "hdf5", "he5"]

    /// Expands inputs into jobs and checks every output name before anything runs.
    static func plan(inputs: [String], out: String, format: FormatChoice, grids: Bool, overwrite: Bool) throws -> [Job] {
        let fm = FileManager.default
        if let kind = FileKind.of(out), kind != .directory {
            throw ValidationError("--out \(out): it is \(kind), not a folder; give a folder (it is created when missing)")
        }
        let imageExtension = format == .jpg ? "jpg" : "png"
        var jobs: [Job] = []
        func stem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
        func imageJob(_ input: String, relative: String) throws {
            guard format != .h5 else {
                throw ValidationError("\(input): --format h5 writes HDF5 copies of HDF5 inputs; images are written as png or jpg")
            }
            let name = (relative as NSString).deletingPathExtension + "." + imageExtension
            jobs.append(.image(input: input, output: (out as NSString).appendingPathComponent(name)))
        }
        func hdf5Job(_ input: String, relative: String) {
            let base = (out as NSString).appendingPathComponent((relative as NSString).deletingPathExtension)
            if format == .h5 {
                jobs.append(.hdf5(input: input, output: base + ".h5", gridFolder: grids ? base : nil))
            } else {
                jobs.append(.hdf5(input: input, output: base, gridFolder: base))
            }
        }
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                throw ValidationError("\(input): no such file or directory")
            }
            if isDir.boolValue {
                let root = URL(fileURLWithPath: input).standardizedFileURL
                var found: [String] = []
                if let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) {
                    for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                        let ext = url.pathExtension.lowercased()
                        if imageFileExtensions.contains(ext) || hdf5Extensions.contains(ext) {
                            found.append(String(url.standardizedFileURL.path.dropFirst(root.path.count + 1)))
                        }
                    }
                }
                if found.isEmpty { throw ValidationError("\(input): no .png, .jpg, .jpeg or .h5 files in this folder") }
                let folder = root.lastPathComponent
                for relative in found.sorted() {
                    let path = root.appendingPathComponent(relative).path
                    let ext = URL(fileURLWithPath: relative).pathExtension.lowercased()
                    if hdf5Extensions.contains(ext) { hdf5Job(path, relative: folder + "/" + relative) }
                    else { try imageJob(path, relative: folder + "/" + relative) }
                }
            } else {
                let ext = URL(fileURLWithPath: input).pathExtension.lowercased()
                if hdf5Extensions.contains(ext) { hdf5Job(input, relative: stem(input)) }
                else if imageFileExtensions.contains(ext) { try imageJob(input, relative: URL(fileURLWithPath: input).lastPathComponent) }
                else { throw ValidationError("\(input): not an image (.png, .jpg, .jpeg), an HDF5 file (.h5, .hdf5) or a folder") }
            }
        }
        try checkOutputs(jobs, overwrite: overwrite)
        return jobs
    }

    /// Every output of every job, planned before anything runs and compared as resolved real paths
    /// (symbolic links, `.` and `..` resolved): no two jobs write one file, no image is written
    /// into another job's grid folder, no output (file or grid folder) is or holds an input — not
    /// even with --overwrite — and, without --overwrite, no output exists yet.
    static func checkOutputs(_ jobs: [Job], overwrite: Bool) throws {
        let fm = FileManager.default
        let inputs = jobs.map { job -> (path: String, real: String) in
            switch job {
            case let .image(i, _), let .hdf5(i, _, _): return (i, RealPath.of(i))
            }
        }
        var files: [String: (path: String, input: String)] = [:]  // resolved output file → as written, and its input
        var folders: [(real: String, path: String, input: String)] = []  // grid folders
        for (job, input) in zip(jobs, inputs) {
            var outputs: [String] = []
            switch job {
            case let .image(_, o): outputs = [o]
            case let .hdf5(_, o, gridFolder):
                if let gridFolder { folders.append((RealPath.of(gridFolder), gridFolder, input.path)) }
                if gridFolder != o { outputs = [o] }
            }
            for output in outputs {
                let real = RealPath.of(output)
                if let other = files[real] {
                    throw ValidationError("\(input.path) and \(other.input) would both be written to \(output); translate them into different --out folders")
                }
                files[real] = (output, input.path)
            }
        }
        for folder in folders {
            if let other = files[folder.real] {
                throw ValidationError("\(folder.input) and \(other.input) would both be written to \(folder.path); translate them into different --out folders")
            }
            if let inside = files.first(where: { RealPath.isInside($0.key, folder.real) })?.value {
                throw ValidationError("\(inside.input) would be written into \(folder.path), the grid folder of \(folder.input), where their names can collide; translate them into different --out folders")
            }
            if let other = folders.first(where: { $0.path != folder.path && RealPath.isInside($0.real, folder.real) }) {
                throw ValidationError("\(folder.input) and \(other.input) would write grids into the same folder (\(folder.path), \(other.path)); translate them into different --out folders")
            }
        }
        for input in inputs {
            if let output = files[input.real] {
                throw ValidationError("\(input.path) is an input and would be overwritten by the translation of \(output.input) (\(output.path)); choose an --out folder that holds no input")
            }
            if let folder = folders.first(where: { RealPath.isInside(input.real, $0.real) }) {
                throw ValidationError("\(input.path) is an input inside \(folder.path), where the grids of \(folder.input) are written; choose an --out folder that holds no input")
            }
        }
        if !overwrite {
            let outputs = files.values.map(\.path).sorted() + folders.map(\.path)
            for output in outputs where fm.fileExists(atPath: output) {
                throw ValidationError("\(output) already exists; pass --overwrite to replace it, or choose another --out")
            }
        }
    }

    func run() throws {
        let jobs = try Self.plan(inputs: inputs, out: out, format: format, grids: grids, overwrite: overwrite)
        let mode: InferenceMode = trainMode ? .train : .eval
        let translator: Translator
        if let checkpoint {
            translator = try Translator(checkpoint: URL(fileURLWithPath: checkpoint), mode: mode, precision: precision.resolved, seed: seed)
        } else {
            translator = try Translator(model: model!, catalog: try location.readableCatalog(), mode: mode, precision: precision.resolved, seed: seed)
        }
        let preparation = try InputPreparation(preprocess: preprocess, edges: edges, card: translator.card, model: translator.name)
        if preparation != .none, jobs.contains(where: { if case .hdf5 = $0 { return true } else { return false } }) {
            throw ValidationError("--preprocess and --edges apply to image files; HDF5 inputs already hold the model's inputs (translate them without these flags)")
        }
        // Per HDF5 file, the requested splits it has (every split without --split); none is an error.
        var total = 0
        var splitsOf: [String: [String]?] = [:]
        for job in jobs {
            switch job {
            case .image: total += 1
            case let .hdf5(input, _, _):
                var chosen: [String]? = nil
                if !split.isEmpty {
                    let available = try HDF5PairedDataset.describe(path: input, budget: pixelBudget.budget).splits.map(\.name)
                    chosen = split.filter(available.contains)
                    if chosen!.isEmpty { throw ImagingError.missingSplit(path: input, split: split.joined(separator: ", "), available: available) }
                }
                splitsOf[input] = chosen
                total += try Translator.pairCount(inHDF5: input, splits: chosen, budget: pixelBudget.budget)
            }
        }
        let start = Date()
        let bar = ProgressBar(enabled: !progress.plain && !quiet && isatty(STDERR_FILENO) == 1)
        var done = 0
        func advance(_ n: Int) {
            done += n
            if bar.enabled { bar.update(fraction: Double(done) / Double(max(1, total)), text: "\(done)/\(total)") }
        }
        try FileError.makeDirectories(out, what: "output folder")

        // Images, a batch at a time (same-size neighbours run together); no more than a tile's
        // worth of pixels is read ahead, so large photos are held one at a time.
        let imageJobs = jobs.compactMap { job -> (String, String)? in if case let .image(i, o) = job { return (i, o) } else { return nil } }
        let readAhead = translator.tiling.tileSize * translator.tiling.tileSize
        var k = 0
        while k < imageJobs.count {
            var images: [Image] = []
            var pixels = 0
            while k + images.count < imageJobs.count, images.count < batchSize, pixels < readAhead {
                let image = try preparation.apply(to: Image.read(path: imageJobs[k + images.count].0, budget: pixelBudget.budget))
                pixels += image.width * image.height
                images.append(image)
            }
            let chunk = imageJobs[k..<(k + images.count)]
            let outputs = try translator.translate(images, batchSize: batchSize)
            for ((_, path), output) in zip(chunk, outputs) {
                try FileError.makeDirectories((path as NSString).deletingLastPathComponent, what: "output folder")
                try write(output, to: path)
            }
            advance(chunk.count)
            k += chunk.count
        }
        var pairs = 0
        for job in jobs {
            guard case let .hdf5(input, output, gridFolder) = job else { continue }
            let splits = splitsOf[input] ?? nil
            if let gridFolder { try FileError.makeDirectories(gridFolder, what: "grid folder") }
            let writeGrid: (TranslatedPair) throws -> Void = { pair in
                guard let gridFolder else { return }
                let name = String(format: "%@_%05d.%@", pair.split, pair.index, format == .jpg ? "jpg" : "png")
                try write(try pair.grid(), to: (gridFolder as NSString).appendingPathComponent(name))
            }
            if format == .h5 {
                try FileError.makeDirectories((output as NSString).deletingLastPathComponent, what: "output folder")
                try translator.translateHDF5(from: input, to: output, splits: splits, batchSize: batchSize, overwrite: overwrite,
                                             budget: pixelBudget.budget) { pair in
                    try writeGrid(pair)
                    pairs += 1
                    advance(1)
                }
            } else {
                try translator.translatePairs(inHDF5: input, splits: splits, batchSize: batchSize, budget: pixelBudget.budget) { pair in
                    try writeGrid(pair)
                    pairs += 1
                    advance(1)
                }
            }
        }
        bar.finish()
        if !quiet {
            let what = [imageJobs.isEmpty ? nil : "\(imageJobs.count) image(s)", pairs == 0 ? nil : "\(pairs) HDF5 pair(s)"].compactMap { $0 }.joined(separator: " and ")
            print("translated \(what.isEmpty ? "nothing" : what) with \(translator.name) (\(mode.rawValue) mode, \(translator.precision.rawValue)) into \(out) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        }
    }

    func write(_ image: Image, to path: String) throws {
        try image.write(path: path, format: format == .jpg ? .jpeg(quality: 95, subsampling: .s444) : .png)
    }
}
