import ArgumentParser
import Base
import Checkpoint
import Foundation
import Imaging
import Pix2Pix
import TorchImport
import Zoo

extension ZooCommand {
    /// `pix2pix zoo import FILE.pth`: a generator of the PyTorch reference into the zoo.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a generator saved by the PyTorch reference (a .pth state dict) and publish it as ID@VERSION.",
            discussion: """
            Reads the .pth without executing anything: both formats torch.save writes (the zip archive of torch ≥ 1.6 \
            and the legacy stream), through a pickle machine that only builds values — any other opcode, any global \
            beyond OrderedDict, torch's tensor rebuilders and the storage classes, is refused before it could run. \
            The reference's UnetGenerator keys are ours by design: ngf, the channels and the norm are read from the \
            file, every key and shape is checked against the network --generator describes (nothing missing, nothing \
            left over; BatchNorm's num_batches_tracked is dropped), then the model is published like a trained one \
            (model.pzck in --storage, metrics on --val-data in eval and train mode, samples, golden pair, checksums) \
            with the original file's SHA-256 in the card. Example (the reference's facades model): \
            pix2pix zoo import facades_label2photo.pth --generator unet_256 --direction BtoA --id facades-label2photo \
            --version 1.0.0 --task "labels → facade" --license "the terms it was published under"
            """
        )

        @Argument(help: ArgumentHelp("The state dict saved by the reference (latest_net_G.pth).", valueName: "file.pth"))
        var file: String
        @Option(help: "The U-Net preset: unet_256 (the reference's --netG unet_256, the pix2pix default) or unet_128; fixes the depth.")
        var generator = "unet_256"
        @Option(help: "The reference's --norm (batch or instance); default: read from the file, which must agree when it is given.")
        var norm: NormKind?
        @Flag(name: .customLong("no-dropout"), help: "The model was trained with the reference's --no_dropout (only train-mode inference differs).")
        var noDropout = false
        @Option(help: "The reference's --direction: which half of aligned A|B pairs is the input, for the metrics and samples (facades_label2photo and map2sat need BtoA).")
        var direction: PairDirection = .aToB
        @Option(help: "Model id: lowercase letters, digits, '.', '_', '-'.") var id: String
        @Option(help: "Semantic version, MAJOR.MINOR.PATCH.") var version: String
        @Option(help: "Weight storage.") var storage: StorageType = .f16
        @Option(help: "One-line summary (default: from the task and the architecture).") var summary: String?
        @Option(help: "The model's license (SPDX id or text): the terms the original was published under.") var license: String?
        @Option(help: "What is translated into what, e.g. \"labels → facade\".") var task: String?
        @Option(name: .customLong("intended-use"), help: "What the model is for.") var intendedUse: String?
        @Option(name: .customLong("limitation"), help: "A limitation to state in the card (repeatable).") var limitations: [String] = []
        @Option(name: .customLong("val-data"), help: ArgumentHelp("Held-out pairs for the metrics (an aligned A|B folder or our HDF5).", valueName: "path"))
        var valData: String?
        @Option(name: .customLong("val-split"), help: "Split of the validation data (default: val).") var valSplit: String?
        @Option(name: .customLong("sample-data"), help: ArgumentHelp("Pairs for the sample images (default: the validation data, else a synthetic input).", valueName: "path"))
        var sampleData: String?
        @Option(name: .customLong("sample-split"), help: "Split of the sample data (default: val).") var sampleSplit: String?
        @Option(help: Bounds.previewPairs.help("Number of sample images.")) var samples = 3
        @Option(name: .customLong("samples-source"), help: "Say where the sample inputs come from (e.g. their licence).") var samplesSource: String?
        @Flag(name: .customLong("no-train-mode-metrics"), help: "Measure eval-mode metrics only.") var noTrainModeMetrics = false
        @OptionGroup var precision: PrecisionOption
        @OptionGroup var location: ZooLocationOptions
        @Flag(help: "Only errors.") var quiet = false

        func validate() throws {
            try Bounds.previewPairs.check(samples, "--samples")
            if norm == NormKind.none {
                throw ValidationError("--norm none cannot be imported: the reference's pix2pix U-Nets use batch (the default) or instance norm")
            }
        }

        func run() throws {
            let start = Date()
            let pth = try PthFile(path: file)
            let options = ReferenceImportOptions(generator: generator, norm: norm, dropout: !noDropout)
            let imported = try ReferenceImport.generator(from: pth, options: options)
            let sha256 = try Checksum.sha256Hex(fileAt: URL(fileURLWithPath: file))
            let c = imported.config
            if !quiet {
                print("read \(file): \(pth.format), \(pth.tensors.count) tensors, SHA-256 \(sha256)")
                for note in imported.notes { print("  \(note)") }
                print("  \(imported.loadedCount) tensors loaded into \(generator) (ngf \(c.ngf), \(c.inputChannels) → \(c.outputChannels) channels, \(c.norm.rawValue) norm, dropout \(c.dropout ? "on" : "off"))"
                      + (imported.droppedKeys.isEmpty ? "" : "; dropped by rule: \(imported.droppedKeys.count) num_batches_tracked / instance-norm statistics"))
                fflush(nil)
            }
            let trainModeMetrics = !noTrainModeMetrics
            let origin = ModelCard.Origin(
                format: "PyTorch .pth, \(pth.format)", file: URL(fileURLWithPath: file).lastPathComponent, size: pth.fileSize,
                sha256: sha256,
                reference: "junyanz/pytorch-CycleGAN-and-pix2pix UnetGenerator (--netG \(generator) --ngf \(c.ngf) --input_nc \(c.inputChannels) --output_nc \(c.outputChannels) --norm \(c.norm.rawValue)\(c.dropout ? "" : " --no_dropout"))",
                keyMapping: "the reference's state-dict keys are ours by design (the U-Net is built level by level as its UnetSkipConnectionBlock, same Sequential slots, conv weights OIHW, transposed-conv weights IOHW): mapped one to one, every key and shape checked, nothing missing or left over",
                droppedKeys: imported.droppedKeys, direction: direction.rawValue,
                testMode: "metrics in eval mode (running statistics, dropout off)\(trainModeMetrics ? " and in train mode (batch statistics, dropout on: how the paper and the reference's test.py without --eval test)" : " only")\((try precision.resolved) == .fp32 ? "" : ", \((try precision.resolved).rawValue) convolutions"); the golden pair and exports use eval mode")
            var request = PublishRequest(source: file, id: id, version: version)
            request.storage = storage
            request.precision = (try precision.resolved)
            request.summary = summary
            request.license = license
            request.task = task
            request.intendedUse = intendedUse
            request.limitations = ["Imported from a PyTorch .pth trained with the reference implementation: its training data and recipe are not recorded here (see the reference's documentation for the dataset)."] + limitations
            request.validationData = valData
            request.validationSplit = valSplit
            request.sampleData = sampleData
            request.sampleSplit = sampleSplit
            request.sampleCount = samples
            request.samplesDescription = samplesSource
            request.trainModeMetrics = trainModeMetrics
            request.direction = direction
            let entry = try location.catalog.publish(request, generator: imported.network, architecture: imported.architecture,
                                                     origin: origin, trainedSize: 1 << c.depth) { message in
                if !quiet { print(message); fflush(nil) }
            }
            guard !quiet else { return }
            let card = entry.card
            let model = card.files.first { $0.path == ZooLayout.modelFile }
            print("\(card.reference): \(card.task), \(card.architecture.generator.name) (\(card.architecture.generator.parameters) parameters), \(card.storage), model.pzck \(Format.bytes(model?.size ?? 0)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            if let m = card.metrics {
                print("  held-out (\(m.count) pairs at \(m.size)²): eval \(m.eval.summary)")
                if let t = m.train { print("                          train \(t.summary)") }
            }
        }
    }
}
