import ArgumentParser
import Imaging
import Pix2Pix

// The training flags besides the networks' (ArchitectureOptions), in groups that commands take
// whole. Every flag is optional: unset flags keep the values of the options they are applied to
// (the reference's defaults, an ablation's base, or a resumed run's config).

/// The loss, the optimiser and the data pipeline: `train` and `ablate`.
struct OptimizationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Named optimisation settings, applied before the other flags (which override them): "
                               + TrainingOptions.Preset.allCases.map { "\($0.rawValue) = \($0.summary)" }.joined(separator: "; ") + ".",
                               valueName: "name"))
    var preset: TrainingOptions.Preset?
    @Option(name: .customLong("lambda-l1"), help: Bounds.lambdaL1.help("Weight of the L1 term (default: 100).")) var lambdaL1: Float?
    @Option(name: .customLong("l1-reduction"), help: "How the L1 term is reduced: mean (the paper's) or channel-sum (the seed Keras code's, C × the mean; default: mean).")
    var l1Reduction: L1Reduction?
    @Option(name: .customLong("gan-mode"), help: "vanilla (BCE) or lsgan (MSE).") var ganMode: GANMode?
    @Option(name: .customLong("batch-size"), help: Bounds.batch.help("Pairs per step (default: 1).")) var batchSize: Int?
    @Option(help: Bounds.learningRate.help("Initial learning rate (default: 2e-4).")) var lr: Float?
    @Option(help: Bounds.beta1.help("Adam β1 (default: 0.5).")) var beta1: Float?
    @Option(name: .customLong("load-size"), help: Bounds.side.help("Resize to this before cropping (default: 286, or crop size × 286/256 with --crop-size)."))
    var loadSize: Int?
    @Option(name: .customLong("crop-size"), help: Bounds.side.help("Random crop size, the network's input size (default: 256).")) var cropSize: Int?
    @Flag(name: .customLong("no-flip"), help: "No random horizontal flips.") var noFlip = false
    @Option(help: "Which side is the input.") var direction: PairDirection?

    func validate() throws {
        try Bounds.lambdaL1.check(lambdaL1, "--lambda-l1")
        try Bounds.batch.check(batchSize, "--batch-size")
        try Bounds.learningRate.check(lr, "--lr", hint: "the reference uses 2e-4")
        try Bounds.beta1.check(beta1, "--beta1", hint: "the reference uses 0.5")
        try Bounds.side.check(loadSize, "--load-size")
        try Bounds.side.check(cropSize, "--crop-size")
    }

    /// These flags on top of `o`: the preset first (unless `preset` is false: a resumed run keeps
    /// its recorded values), then every explicit flag, which wins over it.
    func apply(to o: inout TrainingOptions, preset applyingPreset: Bool = true) {
        if applyingPreset, let preset { preset.apply(to: &o) }
        if let lambdaL1 { o.lambdaL1 = lambdaL1 }
        if let l1Reduction { o.l1Reduction = l1Reduction }
        if let ganMode { o.ganMode = ganMode }
        if let batchSize { o.batchSize = batchSize }
        if let lr { o.learningRate = lr }
        if let beta1 { o.beta1 = beta1 }
        o.setSizes(crop: cropSize, load: loadSize)
        if noFlip { o.flip = false }
        if let direction { o.direction = direction }
    }
}

/// What one run trains towards and for how long: `train` (an ablation sets these per run).
struct ScheduleOptions: ParsableArguments {
    @Option(help: "Which loss terms train the generator (the paper's loss table).") var objective: Objective?
    @Option(help: Bounds.epochs.help("Epochs at the initial learning rate (default: 100).")) var epochs: Int?
    @Option(name: .customLong("epochs-decay"), help: Bounds.epochs.help("Epochs of decay to zero (default: 100).")) var epochsDecay: Int?
    @Option(name: .customLong("lr-policy"), help: "How the learning rate decays.") var lrPolicy: LRPolicy?
    @Option(help: "Seed for weights, data order, crops and dropout (default: 0; any 64-bit unsigned integer).") var seed: UInt64?
    @Option(help: Bounds.steps.help("Stop after this many optimizer steps (a budget).")) var steps: Int?

    func validate() throws {
        try Bounds.epochs.check(epochs, "--epochs")
        try Bounds.epochs.check(epochsDecay, "--epochs-decay")
        try Bounds.steps.check(steps, "--steps")
    }

    func apply(to o: inout TrainingOptions) {
        if let objective { o.objective = objective }
        if let epochs { o.epochs = epochs }
        if let epochsDecay { o.epochsDecay = epochsDecay }
        if let lrPolicy { o.lrPolicy = lrPolicy }
        if let seed { o.seed = seed }
        if let steps { o.steps = steps }
    }
}

/// How often a run saves, samples and logs: `train`.
struct RunControlOptions: ParsableArguments {
    @Option(name: .customLong("checkpoint-every"), help: Bounds.steps.help("Save \(RunDirectory.FileName.latest) every this many steps (default: 500; also at each epoch end with --epoch-snapshots)."))
    var checkpointEvery: Int?
    @Option(name: .customLong("sample-every"), help: Bounds.sampleEvery.help("Write a sample grid every this many steps (0: only at the end; default: 500)."))
    var sampleEvery: Int?
    @Option(name: .customLong("log-every"), help: Bounds.steps.help("A log line every this many steps (default: 10).")) var logEvery: Int?
    @Flag(name: .customLong("epoch-snapshots"), help: "Save at every epoch end and keep epoch_<n>.pzck.") var epochSnapshots = false

    func validate() throws {
        try Bounds.steps.check(checkpointEvery, "--checkpoint-every")
        try Bounds.sampleEvery.check(sampleEvery, "--sample-every")
        try Bounds.steps.check(logEvery, "--log-every")
    }

    func apply(to o: inout TrainingOptions) {
        if let checkpointEvery { o.checkpointEvery = checkpointEvery }
        if let sampleEvery { o.sampleEvery = sampleEvery }
        if let logEvery { o.logEvery = logEvery }
        if epochSnapshots { o.epochSnapshots = true }
    }
}
