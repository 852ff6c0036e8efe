import Foundation
import Imaging

/// The seed project's questions and the paper's ablations, each one command
/// (`pix2pix experiment NAME`): a dataset recipe and an ablation plan per part, with a budget
/// stated in epochs (passes over the part's training pairs).
///
/// Budgets (issue 18): ① (`one-pair-mirror`) trains long enough to converge on its single pair;
/// ② (`ninety-ten`) and ③ (`cross-domain`) train ≥ 100 epochs at 64²; every experiment is sized to
/// finish in about 75 minutes on 2 free cores (see ``estimatedSteps``); `--steps-scale` shortens
/// every budget for a quick look, and the result bundle records the scale.
public struct Experiment: Sendable {
    /// One dataset + one ablation.
    public struct Part: Sendable {
        public var name: String
        /// What A is made of.
        public var transform: PairTransform
        public var data: DataRecipe
        public var generators: [String]
        public var discriminators: [String]
        public var objectives: [Objective]
        public var seeds: [UInt64]
        /// The budget: passes over the training pairs (steps = epochs × training pairs / batch).
        public var epochs: Double
        public var size: Int
        public var ngf: Int
        public var ndf: Int
        /// Random horizontal flips and the reference's resize-then-crop jitter (71² → 64²); off for
        /// the seed's mirror test, where a flip would put the test picture in the training data.
        public var jitter: Bool
        /// Train metrics use all training pairs up to this many, else a seeded sample (``TrainingSample``).
        public var trainEvaluationPairs: Int
        /// Shown next to the part in reports ("as the seed ran it", "ours: held-out photo").
        public var note: String

        /// Training pairs the recipe produces (the epoch size).
        public var trainPairs: Int { data.trainPairs }
    }

    /// Which photos go to training and validation.
    public enum DataRecipe: Sendable, Equatable {
        /// The default photo set: `train` pairs spread over the training photos, `val` over the
        /// held-out palapeli photos.
        case crossDomain(train: Int, val: Int)
        /// Only the training photos, split 90 / 10 by photo.
        case ninetyTen(train: Int, val: Int)
        /// Exactly `train` training pairs and `val` held-out pairs (from the palapeli photos).
        case pairs(train: Int, val: Int)
        /// The seed's experiment ①: the centred square of one photo is the single training pair,
        /// its horizontal mirror the single test pair.
        case mirror(CategoryPhoto)

        public var trainPairs: Int {
            switch self {
            case let .crossDomain(train, _), let .ninetyTen(train, _), let .pairs(train, _): return train
            case .mirror: return 1
            }
        }
    }

    /// A photo for the mirror experiment, named by Debian package and file name.
    public struct CategoryPhoto: Sendable, Equatable {
        public var category: String
        public var package: String
        public var file: String
        public var subject: String
    }

    /// The seed trained on one picture per category and tested on its left/right-facing twin.
    /// These photos come from the default photo set's packages (scripts/bootstrap installs them);
    /// `locate` checks each one at run time.
    public static let mirrorPhotos: [CategoryPhoto] = [
        CategoryPhoto(category: "buildings", package: "palapeli-data", file: "castle-maintenon.jpg", subject: "a castle across a moat"),
        CategoryPhoto(category: "plants", package: "mate-backgrounds", file: "YellowFlower.jpg", subject: "a yellow flower"),
        CategoryPhoto(category: "animals", package: "palapeli-data", file: "panther-chameleon-female.jpg", subject: "a chameleon on a branch"),
        CategoryPhoto(category: "objects", package: "palapeli-data", file: "citrus-fruits.jpg", subject: "citrus fruits"),
    ]

    public var name: String
    public var summary: String
    /// What the paper / the seed found, for the report.
    public var question: String
    public var parts: [Part]

    static func gray() -> PairTransform { .gray }
    /// Our Canny (5×5 blur, thresholds 50 / 100, black edges on white).
    static func canny() -> PairTransform { .canny(CannyOptions(invert: true)) }
    /// The seed's Canny: `cv2.Canny(gray, 128, 128)` without a blur, then inverted.
    static func seedCanny() -> PairTransform { .canny(CannyOptions.seed) }

    static func part(_ name: String, _ transform: PairTransform, _ data: DataRecipe, generators: [String] = ["unet_64"],
                     discriminators: [String] = ["patchgan_70"], objectives: [Objective] = [.l1Cgan], seeds: [UInt64] = [1],
                     epochs: Double, size: Int = 64, ngf: Int = 32, ndf: Int = 32, jitter: Bool = true, note: String = "") -> Part {
        Part(name: name, transform: transform, data: data, generators: generators, discriminators: discriminators,
             objectives: objectives, seeds: seeds, epochs: epochs, size: size, ngf: ngf, ndf: ndf, jitter: jitter,
             trainEvaluationPairs: 256, note: note)
    }

    static func mirrorParts() -> [Part] {
        mirrorPhotos.flatMap { photo in
            [part("\(photo.category)-gray", gray(), .mirror(photo), epochs: 1500, jitter: false,
                  note: "seed: \(photo.file) → its mirror, no flips"),
             part("\(photo.category)-canny", seedCanny(), .mirror(photo), epochs: 1500, jitter: false,
                  note: "seed: \(photo.file) → its mirror, no flips, seed Canny")]
        } + [part("ours-gray", gray(), .pairs(train: 1, val: 1), epochs: 1500, note: "ours: a nature crop → a held-out palapeli crop, flips"),
             part("ours-canny", canny(), .pairs(train: 1, val: 1), epochs: 1500, note: "ours: a nature crop → a held-out palapeli crop, flips, our Canny")]
    }

    /// Every experiment, by name.
    public static let catalog: [Experiment] = [
        Experiment(name: "one-pair-mirror",
                   summary: "① as the seed ran it: one picture per category, tested on its mirror (gray, seed Canny); plus our held-out variant",
                   question: "Does pix2pix reproduce its one training picture, and colour the mirrored picture? (The seed: gray coloured cleanly, Canny \"too awful to show\".)",
                   parts: mirrorParts()),
        Experiment(name: "ninety-ten", summary: "② 90 / 10 split of the training photos: gray and Canny, 100 epochs",
                   question: "With 120 pairs from the training photos, how far apart are training and held-out errors?",
                   parts: [part("gray", gray(), .ninetyTen(train: 120, val: 40), epochs: 100),
                           part("canny", canny(), .ninetyTen(train: 120, val: 40), epochs: 100)]),
        Experiment(name: "cross-domain", summary: "③ train on the training photos, test on the held-out palapeli photos, 100 epochs",
                   question: "Does a model trained on one kind of picture transfer to another? (No face set is packaged in Debian; see the docs.)",
                   parts: [part("gray", gray(), .crossDomain(train: 120, val: 40), epochs: 100),
                           part("canny", canny(), .crossDomain(train: 120, val: 40), epochs: 100)]),
        Experiment(name: "generator", summary: "U-Net against encoder-decoder (the paper's Table 2), gray → colour, 100 epochs",
                   question: "Do the U-Net's skip connections matter? (The paper, Table 2 / Fig. 5: yes, the encoder-decoder loses detail.)",
                   parts: [part("gray", gray(), .crossDomain(train: 80, val: 40), generators: ["unet_64", "encoder_decoder_64"],
                                seeds: [1, 2], epochs: 100)]),
        Experiment(name: "receptive-field", summary: "PixelGAN / PatchGAN 16 / PatchGAN 70 / ImageGAN 286 at 128² (the paper's Table 3), 50 epochs",
                   question: "Which discriminator receptive field works best? (The paper, Table 3 / Fig. 6: 70×70; 1×1 adds colour but not sharpness.)",
                   parts: [part("gray", gray(), .crossDomain(train: 64, val: 24), generators: ["unet_128"],
                                discriminators: ["pixelgan", "patchgan_16", "patchgan_70", "imagegan_286"],
                                epochs: 50, size: 128, ngf: 16, ndf: 32)]),
        Experiment(name: "objectives", summary: "L1 / GAN / cGAN / L1+GAN / L1+cGAN (the paper's Table 1), gray → colour, 2 seeds, 50 epochs",
                   question: "Which loss? (The paper, Table 1 / Fig. 4: L1+cGAN best; L1 alone blurry; GAN alone collapses.)",
                   parts: [part("gray", gray(), .crossDomain(train: 64, val: 24),
                                objectives: [.l1, .gan, .cgan, .l1Gan, .l1Cgan], seeds: [1, 2], epochs: 50)]),
    ]

    public static func named(_ name: String) -> Experiment? { catalog.first { $0.name == name } }

    /// Steps of every run of the part at the full budget (before `--steps-scale`).
    public static func steps(for part: Part, trainPairs: Int, stepsScale: Double = 1) -> Int {
        max(1, Int((part.epochs * Double(trainPairs) * stepsScale).rounded(.up)))
    }

    /// Total optimizer steps of the experiment at `stepsScale` (runs × steps, every part).
    public func estimatedSteps(stepsScale: Double = 1) -> Int {
        parts.reduce(0) { total, part in
            total + part.generators.count * part.discriminators.count * part.objectives.count * part.seeds.count
                * Self.steps(for: part, trainPairs: part.trainPairs, stepsScale: stepsScale)
        }
    }

    /// The budget of a part in words: "100 epochs × 120 pairs = 12,000 steps per run".
    public static func budgetDescription(_ part: Part, trainPairs: Int, stepsScale: Double) -> String {
        let steps = Self.steps(for: part, trainPairs: trainPairs, stepsScale: stepsScale)
        let epochs = part.epochs * stepsScale
        let text = "\(Self.format(epochs)) epoch\(epochs == 1 ? "" : "s") × \(trainPairs) pair\(trainPairs == 1 ? "" : "s") = \(steps) steps per run (batch 1)"
        return stepsScale == 1 ? text : text + ", quick look: --steps-scale \(Self.format(stepsScale)) of \(Self.format(part.epochs)) epochs"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%.3g", v)
    }

    /// Builds the part's dataset at `path` (skipped when it exists).
    public static func buildData(for part: Part, at path: String, seed: UInt64 = 0) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var options: PairBuildOptions
        switch part.data {
        case let .mirror(photo):
            try buildMirror(photo, transform: part.transform, size: part.size, at: path)
            return
        case let .crossDomain(train, val):
            let photos = try DefaultPhotoSet.locate()
            options = PairBuildOptions(trainSources: photos.train, valSources: photos.val, transform: part.transform, size: part.size,
                                       trainCount: train, valCount: val, seed: seed, output: path,
                                       sourceDescription: "default training photos → held-out palapeli-data photos")
        case let .ninetyTen(train, val):
            let photos = try DefaultPhotoSet.locate()
            options = PairBuildOptions(trainSources: photos.train, valSources: nil, transform: part.transform, size: part.size,
                                       split: 0.9, trainCount: train, valCount: val, seed: seed, output: path,
                                       sourceDescription: "default training photos, 90/10 by photo")
        case let .pairs(train, val):
            let photos = try DefaultPhotoSet.locate()
            options = PairBuildOptions(trainSources: photos.train, valSources: photos.val, transform: part.transform, size: part.size,
                                       trainCount: train, valCount: val, seed: seed, output: path,
                                       sourceDescription: "\(train) training-photo pair(s) → \(val) palapeli pair(s)")
        }
        _ = try PairBuilder.build(options)
    }

    /// The centred square of the photo, area-resized to `size`: train = it, val = its mirror.
    static func buildMirror(_ photo: CategoryPhoto, transform: PairTransform, size: Int, at path: String) throws {
        let file = try locate(photo)
        var image = try Image.read(path: file)
        if image.channels == 1 { image = image.rgb() }
        let side = min(image.width, image.height)
        guard side >= size else {
            throw ImagingError.imageTooSmall(path: file, width: image.width, height: image.height, needed: size)
        }
        let b = image.cropped(x: (image.width - side) / 2, y: (image.height - side) / 2, width: side, height: side)
            .resized(width: size, height: size, filter: .area)
        let mirrored = b.horizontallyFlipped()
        let writer = try HDF5PairWriter(path: path, width: size, height: size, channelsA: transform.channels, channelsB: 3)
        do {
            try writer.append(a: try transform.apply(to: b), b: b, split: "train")
            try writer.append(a: try transform.apply(to: mirrored), b: mirrored, split: "val")
            writer.setAttribute("transform", .string(transform.name))
            writer.setAttribute("transform_params", .string(transform.parametersJSON))
            writer.setAttribute("crop_size", .integer(Int64(size)))
            writer.setAttribute("source_description", .string("\(photo.package): \(photo.file) (centred square) → its horizontal mirror"))
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The photo's path, from `dpkg -L PACKAGE`; a clear error when the package or the file is missing.
    public static func locate(_ photo: CategoryPhoto) throws -> String {
        let hint = "experiment one-pair-mirror needs \(photo.file) from the Debian package \(photo.package) (\(photo.category)); install it with: apt-get install --no-install-recommends \(photo.package)"
        let dpkg = ["/usr/bin/dpkg", "/bin/dpkg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let dpkg else { throw ImagingError.noImages(path: photo.file, hint: "dpkg is not available to list \(photo.package); " + hint) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dpkg)
        process.arguments = ["-L", photo.package]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        do { try process.run() } catch { throw ImagingError.noImages(path: photo.file, hint: "cannot run dpkg: \(error); " + hint) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let listed = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard process.terminationStatus == 0,
              let path = listed.first(where: { URL(fileURLWithPath: $0).lastPathComponent == photo.file }),
              FileManager.default.fileExists(atPath: path) else {
            throw ImagingError.noImages(path: photo.file, hint: process.terminationStatus == 0 ? "package \(photo.package) does not list it; " + hint : hint)
        }
        return path
    }

    /// The ablation plan of a part, on the dataset at `data` with `trainPairs` training pairs.
    public func plan(for part: Part, data: String, trainPairs: Int, stepsScale: Double = 1) -> AblationPlan {
        var base = TrainingOptions()
        base.applyArchitectureFlags(ngf: part.ngf, ndf: part.ndf)
        base.setSizes(crop: part.size, load: part.jitter ? nil : part.size)
        base.flip = part.jitter
        base.checkpointEvery = 250
        base.sampleEvery = 0
        base.logEvery = 10
        return AblationPlan(title: "\(name) / \(part.name): \(part.note.isEmpty ? summary : part.note)", generators: part.generators,
                            discriminators: part.discriminators, objectives: part.objectives, seeds: part.seeds,
                            steps: Self.steps(for: part, trainPairs: trainPairs, stepsScale: stepsScale), data: data, base: base,
                            trainEvaluationPairs: part.trainEvaluationPairs)
    }

    /// The plan, with the training pairs counted in the built dataset.
    public func plan(for part: Part, data: String, stepsScale: Double = 1) throws -> AblationPlan {
        let count = try openPairedDataset(path: data, split: "train").count
        return plan(for: part, data: data, trainPairs: count, stepsScale: stepsScale)
    }
}
