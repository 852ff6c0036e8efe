import Foundation
import Imaging

/// The seed project's experiments, each one command (`pix2pix experiment NAME`): a dataset recipe
/// per part and an ablation plan per part, sized to finish in ≤ 30 minutes on 2 cores.
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
        public var steps: Int
        public var size: Int
        public var ngf: Int
        public var ndf: Int
        public var trainEvaluationPairs: Int
    }

    /// Which photos go to training and validation.
    public enum DataRecipe: Sendable, Equatable {
        /// The default photo set: nature photos (lomiri + mate) train, palapeli validates.
        case crossDomain(cropsPerImage: Int)
        /// Only the nature photos, split 90 / 10 by photo.
        case ninetyTen(cropsPerImage: Int)
        /// Exactly `train` training pairs and `val` held-out pairs (from the palapeli photos).
        case pairs(train: Int, val: Int)
    }

    public var name: String
    public var summary: String
    /// What the paper / the seed found, for the report.
    public var question: String
    public var parts: [Part]

    static func gray() -> PairTransform { .gray }
    static func canny() -> PairTransform { .canny(CannyOptions(invert: true)) }

    static func part(_ name: String, _ transform: PairTransform, _ data: DataRecipe, generators: [String] = ["unet_64"],
                     discriminators: [String] = ["patchgan_70"], objectives: [Objective] = [.l1Cgan], seeds: [UInt64] = [1],
                     steps: Int, size: Int = 64, ngf: Int = 32, ndf: Int = 32, trainPairs: Int = 16) -> Part {
        Part(name: name, transform: transform, data: data, generators: generators, discriminators: discriminators,
             objectives: objectives, seeds: seeds, steps: steps, size: size, ngf: ngf, ndf: ndf, trainEvaluationPairs: trainPairs)
    }

    /// Every experiment, by name.
    public static let catalog: [Experiment] = [
        Experiment(name: "one-pair", summary: "one training pair, one test pair: gray → colour and Canny → colour",
                   question: "Does pix2pix learn a single pair, and does it generalise to another picture? (The seed: it memorises.)",
                   parts: [part("gray", gray(), .pairs(train: 1, val: 1), steps: 1000, trainPairs: 1),
                           part("canny", canny(), .pairs(train: 1, val: 1), steps: 1000, trainPairs: 1)]),
        Experiment(name: "ninety-ten", summary: "90 / 10 split of the nature photos: gray and Canny",
                   question: "With a few hundred pairs from 26 photos, how far apart are training and held-out errors?",
                   parts: [part("gray", gray(), .ninetyTen(cropsPerImage: 12), steps: 2000),
                           part("canny", canny(), .ninetyTen(cropsPerImage: 12), steps: 2000)]),
        Experiment(name: "cross-domain", summary: "train on nature photos, test on the held-out palapeli photos (buildings, objects)",
                   question: "Does a model trained on one kind of picture transfer to another? (No face set is packaged in Debian; see the docs.)",
                   parts: [part("gray", gray(), .crossDomain(cropsPerImage: 12), steps: 2000),
                           part("canny", canny(), .crossDomain(cropsPerImage: 12), steps: 2000)]),
        Experiment(name: "generator", summary: "U-Net against encoder-decoder (the paper's Table 3), gray → colour",
                   question: "Do the U-Net's skip connections matter? (The paper: yes, the encoder-decoder loses detail.)",
                   parts: [part("gray", gray(), .crossDomain(cropsPerImage: 12), generators: ["unet_64", "encoder_decoder_64"],
                                seeds: [1, 2], steps: 1500)]),
        Experiment(name: "receptive-field", summary: "PixelGAN / PatchGAN 16 / PatchGAN 70 / ImageGAN 286 at 128² (the paper's Table 2)",
                   question: "Which discriminator receptive field works best? (The paper: 70×70; 1×1 adds colour but not sharpness.)",
                   parts: [part("gray", gray(), .crossDomain(cropsPerImage: 6), generators: ["unet_128"],
                                discriminators: ["pixelgan", "patchgan_16", "patchgan_70", "imagegan_286"],
                                steps: 700, size: 128, ngf: 16, ndf: 32)]),
    ]

    public static func named(_ name: String) -> Experiment? { catalog.first { $0.name == name } }

    /// Builds the part's dataset at `path` (skipped when it exists).
    public static func buildData(for part: Part, at path: String, seed: UInt64 = 0) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let photos = try DefaultPhotoSet.locate()
        var options: PairBuildOptions
        switch part.data {
        case let .crossDomain(crops):
            options = PairBuildOptions(trainSources: photos.train, valSources: photos.val, transform: part.transform, size: part.size,
                                       cropsPerImage: crops, seed: seed, output: path,
                                       sourceDescription: "nature photos (lomiri-wallpapers-16.04, mate-backgrounds nature/) → palapeli-data")
        case let .ninetyTen(crops):
            options = PairBuildOptions(trainSources: photos.train, valSources: nil, transform: part.transform, size: part.size,
                                       cropsPerImage: crops, split: 0.9, seed: seed, output: path,
                                       sourceDescription: "nature photos (lomiri-wallpapers-16.04, mate-backgrounds nature/), 90/10 by photo")
        case let .pairs(train, val):
            options = PairBuildOptions(trainSources: photos.train, valSources: photos.val, transform: part.transform, size: part.size,
                                       trainCount: train, valCount: val, seed: seed, output: path,
                                       sourceDescription: "\(train) nature-photo pair(s) → \(val) palapeli pair(s)")
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = try PairBuilder.build(options)
    }

    /// The ablation plan of a part, on the dataset at `data`.
    public func plan(for part: Part, data: String, stepsScale: Double = 1) -> AblationPlan {
        var base = TrainingOptions()
        base.applyArchitectureFlags(ngf: part.ngf, ndf: part.ndf)
        base.setSizes(crop: part.size, load: nil)
        base.checkpointEvery = 250
        base.sampleEvery = 0
        base.logEvery = 10
        return AblationPlan(title: "\(name) / \(part.name): \(summary)", generators: part.generators,
                            discriminators: part.discriminators, objectives: part.objectives, seeds: part.seeds,
                            steps: max(1, Int((Double(part.steps) * stepsScale).rounded())), data: data, base: base,
                            trainEvaluationPairs: part.trainEvaluationPairs)
    }
}
