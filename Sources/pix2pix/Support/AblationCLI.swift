import ArgumentParser
import Base
import Foundation
import Pix2Pix

/// Runs an ablation with a progress bar (or plain lines), Ctrl-C handling and a summary: shared by
/// `ablate`, `experiment` and `demo`. With several ranks (`mpirun -np N pix2pix ablate`), the runs
/// are spread over `world` and only rank 0 prints.
enum AblationCLI {
    @discardableResult
    static func run(_ runner: AblationRunner, plain: Bool, world: any Communicator = SingleProcess()) throws -> AblationResults {
        let interrupt = InterruptFlag.install()
        runner.world = world
        runner.shouldStop = { interrupt.isSet }
        let bar = ProgressBar(enabled: !plain && world.isWriter && isatty(STDERR_FILENO) == 1)
        if world.isWriter { runner.onMessage = { line in
            bar.finish()
            print(line)
            fflush(nil)
        }
        runner.onProgress = { _, _, p in
            let text = "step \(p.step)/\(p.totalSteps) \(String(format: "%.1f", p.stepsPerSecond)) it/s ETA \(Format.duration(p.stepsPerSecond > 0 ? Double(p.totalSteps - p.step) / p.stepsPerSecond : 0)) G_L1 \(String(format: "%.2f", p.smoothed.gL1)) G_GAN \(String(format: "%.3f", p.smoothed.gGAN))"
            if bar.enabled || p.step % 250 == 0 || p.step == p.totalSteps {
                bar.update(fraction: Double(p.step) / Double(max(1, p.totalSteps)), text: text)
            }
        } }
        let results = try runner.run()
        bar.finish()
        if runner.interrupted {
            if world.isWriter {
                let relaunch = world.isDistributed ? " (mpirun -np \(world.size) …)" : ""
                FileHandle.standardError.write(Data("interrupted; rerun the same command\(relaunch) to resume\n".utf8))
            }
            throw ExitCode(try interrupt.exitCode(agreedOver: world))
        }
        guard world.isWriter else { return results }
        for s in results.summaries {
            print("  \(s.label.padding(toLength: 36, withPad: " ", startingAt: 0)) L1 \(String(format: "%.4f", s.l1.mean)) PSNR \(String(format: "%.2f", s.psnr.mean)) SSIM \(String(format: "%.4f", s.ssim.mean))")
        }
        if let b = results.baselines {
            print("  \("baseline: identity".padding(toLength: 36, withPad: " ", startingAt: 0)) \(b.validation.identity.summary)")
            if let m = b.validation.meanColour {
                print("  \("baseline: mean colour".padding(toLength: 36, withPad: " ", startingAt: 0)) \(m.summary)")
            }
        }
        print("report: \(runner.directory.appendingPathComponent("report.html").path)")
        return results
    }
}
