import ArgumentParser
import Foundation
import Imaging
import Pix2Pix
import Zoo

/// `pix2pix demo`: the main job on the built-in data, end to end — the default gray → colour pairs
/// at 64², a short U-Net vs encoder-decoder ablation, the better model published to a zoo, the
/// held-out photos translated, and a report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The main job on built-in data: dataset, U-Net vs encoder-decoder ablation, publish, translate, report.",
        discussion: """
        Steps: (1) build gray → colour pairs at 64² from the default photo set (nature photos train, the \
        palapeli photos validate); (2) train unet_64 and encoder_decoder_64 (+ patchgan_70) with the same \
        seed, data and budget; (3) publish the one with the lower validation L1 to the zoo in OUT/zoo; \
        (4) translate the held-out palapeli photos (gray versions, any size) with it; (5) print the report. \
        Rerunning resumes or reuses what exists; nothing published is overwritten.
        """
    )

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String = "runs/demo"
    @Option(help: Bounds.steps.help("Training steps per variant.")) var steps: Int = 1200
    @Option(help: Bounds.width.help("Generator / discriminator width.")) var width: Int = 32
    @Option(help: Bounds.side.help("Long side of the translated held-out photos, in pixels (at least 64).")) var side: Int = 320
    @OptionGroup(title: "Execution") var precision: PrecisionOption
    @OptionGroup(title: "Execution") var threads: ThreadsOption
    @OptionGroup(title: "Execution") var progress: ProgressOption

    func validate() throws {
        try Bounds.steps.check(steps, "--steps")
        try Bounds.width.check(width, "--width")
        try Bounds.side.check(side, "--side")
        guard side >= 64 else { throw ValidationError("--side must be ≥ 64, got \(side)") }
    }

    func run() throws {
        threads.apply()
        LoggingSetup.bootstrap(quiet: true)
        let started = Date()
        let root = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        // 1. Data.
        let data = root.appendingPathComponent("gray64.h5").path
        if FileManager.default.fileExists(atPath: data) {
            print("[1/5] data: \(data) (exists)")
        } else {
            print("[1/5] data: gray → colour pairs at 64² from the default photo set → \(data)")
            fflush(nil)
            var options = try PairBuildOptions.defaultPhotos(output: data, collection: .nature)
            options.transform = .gray
            options.size = 64
            options.cropsPerImage = 8
            let summary = try PairBuilder.build(options)
            print("      \(summary)".replacingOccurrences(of: "\n", with: "\n      "))
        }

        // 2. Ablation.
        print("[2/5] ablation: unet_64 vs encoder_decoder_64 + patchgan_70, \(steps) steps each, seed 1")
        fflush(nil)
        var base = TrainingOptions()
        base.applyArchitectureFlags(ngf: width, ndf: width)
        base.cropSize = 64
        base.loadSize = 72
        base.checkpointEvery = 200
        base.sampleEvery = 0
        base.precision = (try precision.resolved)
        let plan = AblationPlan(title: "Demo: do the U-Net's skip connections matter? (gray → colour, 64²)",
                                generators: ["unet_64", "encoder_decoder_64"], discriminators: ["patchgan_70"],
                                seeds: [1], steps: steps, data: data, base: base)
        let runner = try AblationRunner(plan: plan, directory: root.appendingPathComponent("ablation"))
        let results = try AblationCLI.run(runner, plain: progress.plain)
        guard let best = results.summaries.min(by: { $0.l1.mean < $1.l1.mean }) else {
            throw ValidationError("the ablation produced no results")
        }

        // 3. Publish the better model.
        let zoo = ZooStore(root: root.appendingPathComponent("zoo"))
        let id = "demo-gray2color"
        let entry: ZooEntry
        if let existing = zoo.entry(id: id) {
            entry = existing
            print("[3/5] zoo: \(existing.reference) already published in \(zoo.root.path) (kept; published models are never overwritten)")
        } else {
            let run = runner.runDirectory(best.variant, seed: 1)
            print("[3/5] zoo: publishing \(best.label) (validation L1 \(String(format: "%.4f", best.l1.mean))) as \(id)@1.0.0 → \(zoo.root.path)")
            fflush(nil)
            var request = PublishRequest(source: run.url.path, id: id, version: "1.0.0")
            request.summary = "Gray → colour at 64², the demo's better generator (\(best.label))"
            request.task = "gray → color"
            request.precision = (try precision.resolved)
            request.license = "CC-BY-SA-4.0 (trained on CC-BY / CC-BY-SA / GPL photos)"
            request.limitations = [
                "Trained for \(steps) steps on 64² crops of 26 nature photos: a demo, not a production colouriser.",
                "The one-pair experiments show pix2pix memorises small data; do not expect faithful colours on unseen scenes.",
            ]
            entry = try zoo.publish(request) { print("      \($0)") }
        }

        // 4. Translate the held-out photos.
        let translator = try Translator(entry: entry, precision: (try precision.resolved))
        let outDir = root.appendingPathComponent("translated")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let photos = try DefaultPhotoSet.locate(.nature).val
        print("[4/5] translate: \(photos.count) held-out photos (gray, long side \(side) px) with \(entry.reference) → \(outDir.path)")
        fflush(nil)
        for path in photos {
            let photo = try Image.read(path: path)
            let scale = Double(side) / Double(max(photo.width, photo.height))
            let small = photo.resized(width: max(1, Int((Double(photo.width) * scale).rounded())),
                                      height: max(1, Int((Double(photo.height) * scale).rounded())), filter: .area)
            let gray = small.grayscale()
            let output = try translator.translate(gray)
            let grid = try Image.grid([gray.converted(toChannels: 3), output, small], columns: 3)
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            try grid.write(path: outDir.appendingPathComponent("\(name).png").path)
            print("      \(name): \(small.width)×\(small.height) gray | output | original")
        }

        // 5. Report.
        print("[5/5] done in \(Int(Date().timeIntervalSince(started).rounded())) s")
        for s in results.summaries {
            print("      \(s.label.padding(toLength: 20, withPad: " ", startingAt: 0)) L1 \(String(format: "%.4f", s.l1.mean))  PSNR \(String(format: "%.2f", s.psnr.mean)) dB  SSIM \(String(format: "%.4f", s.ssim.mean))  \(String(format: "%.3f", s.secondsPerStep.mean)) s/step")
        }
        print("report: \(runner.directory.appendingPathComponent("report.html").path)")
        print("model card: \(entry.directory.appendingPathComponent("README.md").path)")
    }
}
