extension TrainingOptions {
    /// Named optimisation settings (`--preset` of `train` and `ablate`): the loss weights, the
    /// optimiser and the learning-rate schedule of a source, set together so that a run can say
    /// "as the paper did" or "as the seed's code did" in one word.
    ///
    /// A preset sets only the fields listed in ``fields``; the networks, data, crops, flips and
    /// budget stay as they are. Front ends apply it to the defaults first and their explicit flags
    /// after it, so `--preset seed-keras --batch-size 1` is the seed's settings with batch 1. The run
    /// records the preset's name next to the values (``TrainingOptions/preset``); a resume reads the
    /// values from the run's `config.json`, not from the preset.
    ///
    /// ```swift
    /// var options = TrainingOptions()
    /// TrainingOptions.Preset.seedKeras.apply(to: &options)   // batch 5, Adam 1e-3 / 0.9, λ 10 on the channel-summed L1
    /// ```
    public enum Preset: String, Codable, Sendable, CaseIterable {
        /// The paper's and the PyTorch reference's settings (today's defaults): batch 1, Adam lr
        /// 2e-4, β1 0.5, λ = 100 on the mean L1, vanilla GAN loss, the rate constant for `epochs`
        /// then decaying linearly to zero over 100 more.
        case paper
        /// The seed Keras code's settings (MuAuan/pix2pix `pix2pix.py`): batch 5, Adam lr 1e-3,
        /// β1 0.9 (β2 0.999, ε 1e-8: ours), λ = 10 on the L1 summed over channels (its `l1_loss`),
        /// the GAN term weighted 1 with cross-entropy (our vanilla loss: see the `seed_patch64`
        /// discriminator), and a constant learning rate (no decay epochs).
        case seedKeras = "seed-keras"

        /// The fields a preset sets, as `config.json` names them.
        public static let fields = ["batchSize", "learningRate", "beta1", "lambdaL1", "l1Reduction", "ganMode",
                                    "lrPolicy", "epochsDecay"]

        /// Sets the preset's fields (``fields``) of `options` and records its name there.
        public func apply(to options: inout TrainingOptions) {
            switch self {
            case .paper:
                let defaults = TrainingOptions()
                options.batchSize = defaults.batchSize
                options.learningRate = defaults.learningRate
                options.beta1 = defaults.beta1
                options.lambdaL1 = defaults.lambdaL1
                options.l1Reduction = defaults.l1Reduction
                options.ganMode = defaults.ganMode
                options.lrPolicy = defaults.lrPolicy
                options.epochsDecay = defaults.epochsDecay
            case .seedKeras:
                options.batchSize = 5
                options.learningRate = 1e-3
                options.beta1 = 0.9
                options.lambdaL1 = 10
                options.l1Reduction = .channelSum
                options.ganMode = .vanilla
                options.lrPolicy = .linear
                options.epochsDecay = 0
            }
            options.preset = self
        }

        /// One line for help texts and reports.
        public var summary: String {
            switch self {
            case .paper:
                return "the paper's: batch 1, Adam lr 2e-4 β1 0.5, λ 100 on the mean L1, vanilla GAN loss, linear decay over --epochs-decay 100"
            case .seedKeras:
                return "the seed Keras code's: batch 5, Adam lr 1e-3 β1 0.9, λ 10 on the channel-summed L1, cross-entropy GAN loss, constant rate"
            }
        }
    }
}
