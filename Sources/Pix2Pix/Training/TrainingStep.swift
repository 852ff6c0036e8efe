import Foundation
import NN
import Tensor

/// The losses of one step, named as the reference logs them.
public struct StepLosses: Codable, Sendable, Equatable {
    /// GAN loss of G (D's verdict on G(A) against the "real" label).
    public var gGAN: Float
    /// λ·L1(G(A), B), as the reference's `loss_G_L1` (already multiplied by λ; with the
    /// channel-sum reduction, λ · C · the mean).
    public var gL1: Float
    /// D's loss on real pairs and on fake pairs (each before the ½).
    public var dReal: Float
    public var dFake: Float

    public init(gGAN: Float = 0, gL1: Float = 0, dReal: Float = 0, dFake: Float = 0) {
        self.gGAN = gGAN
        self.gL1 = gL1
        self.dReal = dReal
        self.dFake = dFake
    }

    public var isFinite: Bool { gGAN.isFinite && gL1.isFinite && dReal.isFinite && dFake.isFinite }

    /// One exponential-moving-average update towards `losses` with weight `alpha`.
    mutating func smooth(toward losses: StepLosses, alpha: Float = 0.05) {
        gGAN += alpha * (losses.gGAN - gGAN)
        gL1 += alpha * (losses.gL1 - gL1)
        dReal += alpha * (losses.dReal - dReal)
        dFake += alpha * (losses.dFake - dFake)
    }

    enum CodingKeys: String, CodingKey {
        case gGAN = "G_GAN", gL1 = "G_L1", dReal = "D_real", dFake = "D_fake"
    }
}

/// One optimisation step of pix2pix (reference `Pix2PixModel.optimize_parameters`):
///
/// 1. fake = G(A);
/// 2. D step: ½·(loss(D(A, fake) detached, fake) + loss(D(A, B), real)), Adam on D;
/// 3. G step, with D frozen: loss(D(A, fake), real) + λ·L1(fake, B), Adam on G.
///
/// Each network's gradients are freed right after its optimizer step.
///
/// The objective picks the terms (``Objective``); an unconditional D sees B / fake alone. The L1
/// term is the mean over all elements, or the seed Keras code's sum over channels
/// (``L1Reduction``: C × the mean, the same gradient direction at C times the weight).
public final class Pix2PixStep {
    public let model: Pix2PixModel
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public let lambdaL1: Float
    public let l1Reduction: L1Reduction
    public let ganMode: GANMode
    public let objective: Objective
    /// Data-parallel training: averages each network's gradients over the ranks between its
    /// backward pass and its optimizer step, so every rank applies the same update. Nil: one process.
    public var gradientAllReduce: GradientAllReduce?

    public init(model: Pix2PixModel, generatorOptimizer: Adam, discriminatorOptimizer: Adam,
                lambdaL1: Float = 100, l1Reduction: L1Reduction = .mean, ganMode: GANMode = .vanilla,
                objective: Objective = .l1Cgan) {
        self.model = model
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.lambdaL1 = lambdaL1
        self.l1Reduction = l1Reduction
        self.ganMode = ganMode
        self.objective = objective
    }

    /// Builds both Adams with the reference's settings (lr 2e-4, β = (0.5, 0.999)).
    public convenience init(model: Pix2PixModel, learningRate: Float = 2e-4, beta1: Float = 0.5,
                            lambdaL1: Float = 100, l1Reduction: L1Reduction = .mean, ganMode: GANMode = .vanilla,
                            objective: Objective = .l1Cgan) throws {
        let hp = Adam.Hyperparameters(learningRate: learningRate, beta1: beta1, beta2: 0.999)
        try self.init(model: model, generatorOptimizer: Adam(module: model.generator, hp),
                      discriminatorOptimizer: Adam(module: model.discriminator, hp),
                      lambdaL1: lambdaL1, l1Reduction: l1Reduction, ganMode: ganMode, objective: objective)
    }

    /// λ·L1(fake, b) with this step's reduction (the channel sum is C × the mean over NHWC).
    func l1Term(_ fake: Tensor, _ b: Tensor) throws -> Tensor {
        let channels = l1Reduction == .channelSum ? Float(fake.shape.last ?? 1) : 1
        return try Loss.l1(fake, b) * (lambdaL1 * channels)
    }

    /// The GAN criterion against a constant label (1 real, 0 fake), averaged over the logit grid.
    func ganLoss(_ prediction: Tensor, real: Bool) throws -> Tensor {
        switch ganMode {
        case .vanilla: return try Loss.bceWithLogits(prediction, label: real ? 1 : 0)
        case .lsgan: return try Loss.mse(prediction, label: real ? 1 : 0)
        }
    }

    /// Runs one step on a batch (NHWC in [-1, 1]) and returns the losses.
    ///
    /// `lossScale` multiplies both losses before their backward passes (the returned losses are
    /// unscaled). Data-parallel ranks with unequal shares of a step's pairs use it so that every
    /// rank's gradients weigh its pairs as one process with the whole batch would; it is 1 otherwise.
    @discardableResult
    public func run(a: Tensor, b: Tensor, lossScale: Float = 1) throws -> StepLosses {
        var losses = StepLosses()
        let g = model.generator, d = model.discriminator
        let fake = try g(a)

        if objective.usesGAN {
            d.setRequiresGrad(true)
            discriminatorOptimizer.zeroGrad()
            let lossFake = try ganLoss(d(model.discriminatorInput(a: a, b: fake.detached())), real: false)
            let lossReal = try ganLoss(d(model.discriminatorInput(a: a, b: b)), real: true)
            let lossD = (lossFake + lossReal) * (0.5 * lossScale)
            try lossD.backward()
            try gradientAllReduce?.average(discriminatorOptimizer.parameters)
            discriminatorOptimizer.step()
            discriminatorOptimizer.zeroGrad()  // freed now, not at the next D step (as G's below)
            losses.dFake = lossFake.item
            losses.dReal = lossReal.item
            d.setRequiresGrad(false)
        }

        generatorOptimizer.zeroGrad()
        var lossG: Tensor?
        if objective.usesGAN {
            let gan = try ganLoss(d(model.discriminatorInput(a: a, b: fake)), real: true)
            losses.gGAN = gan.item
            lossG = gan
        }
        if objective.usesL1 {
            let l1 = try l1Term(fake, b)
            losses.gL1 = l1.item
            lossG = lossG.map { $0 + l1 } ?? l1
        }
        if let lossG { try (lossScale == 1 ? lossG : lossG * lossScale).backward() }
        try gradientAllReduce?.average(generatorOptimizer.parameters)
        generatorOptimizer.step()
        // No gradient outlives its step. Held until the next G step (as the reference's
        // zero_grad() before backward does), G's gradients would sit through the next G forward
        // and D step, whose D backward was then the step's peak: unet_256 at batch 4, 1.56 GB of
        // live tensors of which 218 MB were G's gradients; now the peak is G's backward, 1.37 GB.
        generatorOptimizer.zeroGrad()
        if objective.usesGAN { d.setRequiresGrad(true) }
        return losses
    }

    /// Sets both optimizers' learning rate.
    public func setLearningRate(_ rate: Float) {
        generatorOptimizer.learningRate = max(0, rate)
        discriminatorOptimizer.learningRate = max(0, rate)
    }
}
