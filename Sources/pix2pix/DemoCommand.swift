import ArgumentParser
import Foundation
import NN
import Pix2Pix
import Tensor

/// `pix2pix demo`: trains a narrow U-Net + PatchGAN with the pix2pix objective on one synthetic
/// pair for a few seconds and prints the falling losses. (The full demo — dataset, ablation,
/// zoo, report — replaces this when the trainer lands.)
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train a small pix2pix model on a synthetic pair and print the falling loss."
    )

    @Option(help: "Optimizer steps.") var steps = 120
    @Option(help: "Image side (a multiple of 64).") var size = 64
    @Option(help: "Random seed.") var seed: UInt64 = 1

    /// A: a gray diagonal ramp with a disc; B: the same scene in colour.
    static func syntheticPair(size: Int) throws -> (a: Tensor, b: Tensor) {
        var a = [Float](repeating: 0, count: size * size * 3)
        var b = [Float](repeating: 0, count: size * size * 3)
        let s = Float(size)
        for y in 0..<size {
            for x in 0..<size {
                let fx = Float(x) / s, fy = Float(y) / s
                let dx = fx - 0.5, dy = fy - 0.5
                let inside: Float = dx * dx + dy * dy < 0.08 ? 1 : 0
                let gray = 0.5 * (fx + fy) * (1 - inside) + inside * 0.9
                let color: [Float] = inside > 0 ? [0.9, 0.3, 0.1] : [fx, 0.4 + 0.4 * fy, 1 - fx]
                for c in 0..<3 {
                    a[(y * size + x) * 3 + c] = gray * 2 - 1
                    b[(y * size + x) * 3 + c] = color[c] * 2 - 1
                }
            }
        }
        return (try Tensor(shape: [1, size, size, 3], values: a), try Tensor(shape: [1, size, size, 3], values: b))
    }

    func validate() throws {
        guard size >= 64, size % 64 == 0 else {
            throw ValidationError("--size must be a positive multiple of 64 (unet_64 halves it 6 times), got \(size)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_70",
                                     options: ModelOptions(ngf: 16, ndf: 16), seed: seed)
        let (a, b) = try Self.syntheticPair(size: size)
        // The reference's optimizer settings: Adam, lr 2e-4, β = (0.5, 0.999).
        let settings = Adam.Hyperparameters(learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
        let optG = try Adam(module: model.generator, settings)
        let optD = try Adam(module: model.discriminator, settings)
        print("demo: unet_64 (ngf 16, \(model.generator.parameterCount) parameters) + patchgan_70 (ndf 16) "
              + "on one synthetic \(size)×\(size) pair, \(steps) steps, \(Threads.count) threads")
        let start = Date()
        for step in 1...steps {
            // D step: real pair → 1, generated pair (detached) → 0.
            let fake = try model.generator(a)
            let dFake = try model.discriminator(model.discriminatorInput(a: a, b: fake.detached()))
            let dReal = try model.discriminator(model.discriminatorInput(a: a, b: b))
            let lossD = (try Loss.bceWithLogits(dFake, label: 0) + Loss.bceWithLogits(dReal, label: 1)) * 0.5
            model.discriminator.zeroGrad()
            try lossD.backward()
            optD.step()
            // G step: fool D, stay close to B in L1 (λ = 100); D's weights get no gradients.
            model.discriminator.setRequiresGrad(false)
            let dOut = try model.discriminator(model.discriminatorInput(a: a, b: fake))
            let ganLoss = try Loss.bceWithLogits(dOut, label: 1)
            let l1 = try Loss.l1(fake, b)
            let lossG = ganLoss + l1 * 100
            model.generator.zeroGrad()
            try lossG.backward()
            optG.step()
            model.discriminator.setRequiresGrad(true)
            if step == 1 || step % 10 == 0 {
                print(String(format: "step %4d  G_GAN %.3f  G_L1 %.4f  D %.3f  (%.1f s)", step, ganLoss.item, l1.item,
                             lossD.item, Date().timeIntervalSince(start)))
                fflush(nil)  // all streams: piped stdout is fully buffered
            }
        }
    }
}
