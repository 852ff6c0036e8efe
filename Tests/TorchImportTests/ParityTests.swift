import Foundation
import NN
import Pix2Pix
import Tensor
import Testing
@testable import TorchImport

/// Reference U-Nets saved by torch.save (parity/, scripts/make_pth_fixtures.py) imported and run:
/// our output equals PyTorch's in eval mode (running statistics) and train mode (batch
/// statistics), for batch and instance norm, from the zip archive and the legacy stream.
///
/// Tolerance: |ours − PyTorch| ≤ 1e-4 · (max|PyTorch| + |PyTorch|) per element, i.e. 1e-4 relative
/// to the output's scale. Both sides compute in float32 with different summation orders (oneDNN's
/// Winograd and GEMM kernels against PyTorch's), so they may differ by a few float32 roundings per
/// layer; PyTorch's own float32 output lies up to 1.3e-6 (relative to its scale) from the float64
/// answer (parity.json, fp32_vs_fp64_max_rel), so 1e-4 leaves about 100× that for our rounding and
/// still catches any wrong weight, layout or statistic (those move outputs by 1e-2 or more).
@Suite("PyTorch parity: imported reference generators")
struct ParityTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var file: String
        var norm: String
        var ngf: Int
        var inputChannels: Int
        var outputChannels: Int
        var inputShape: [Int]
        var outputShape: [Int]
        var keys: Int
        var description: String { file }
    }

    static let cases: [Case] = {
        let manifest = try! Fixtures.json("parity/parity.json")
        return (manifest["cases"] as! [[String: Any]]).flatMap { c in
            (c["files"] as! [String]).map { file in
                Case(name: c["name"] as! String, file: file, norm: c["norm"] as! String, ngf: c["ngf"] as! Int,
                     inputChannels: c["input_channels"] as! Int, outputChannels: c["output_channels"] as! Int,
                     inputShape: c["input_shape"] as! [Int], outputShape: c["output_shape"] as! [Int], keys: c["keys"] as! Int)
            }
        }
    }()

    @Test("imports, reads the widths and norm from the file, and matches PyTorch in eval and train mode", arguments: cases)
    func parity(_ c: Case) throws {
        let file = try PthFile(path: Fixtures.path(c.file))
        #expect(file.format == (c.file.hasSuffix("_zip.pth") ? .zip : .legacy))
        let imported = try ReferenceImport.generator(from: file, options: ReferenceImportOptions(generator: "unet_64", dropout: false))
        #expect(imported.config.ngf == c.ngf)
        #expect(imported.config.norm.rawValue == c.norm)
        #expect(imported.config.inputChannels == c.inputChannels && imported.config.outputChannels == c.outputChannels)
        // Batch norm: every BatchNorm2d's num_batches_tracked is dropped, everything else loaded.
        let counters = c.norm == "batch" ? imported.droppedKeys.count : 0
        #expect(imported.droppedKeys.allSatisfy { $0.hasSuffix("num_batches_tracked") })
        #expect(imported.loadedCount + counters == c.keys)
        #expect(imported.loadedCount == imported.network.stateEntries().count)

        let x = try Tensor(shape: c.inputShape, values: try Fixtures.floats("parity/\(c.name)_input.f32"))
        for mode in ["eval", "train"] {
            imported.network.train(mode == "train")
            let y = try imported.network(x)
            #expect(y.shape == c.outputShape)
            let reference = try Fixtures.floats("parity/\(c.name)_\(mode).f32")
            let (ratio, at) = worstRatio(y.scalars, reference, tolerance: 1e-4)
            #expect(ratio <= 1, "\(c.file) \(mode): element \(at) is \(y.scalars[at]), PyTorch \(reference[at]) (\(ratio) of the tolerance)")
        }
    }

    @Test("the zip archive and the legacy stream give bit-identical weights")
    func formatsAgree() throws {
        for name in ["batch", "instance"] {
            let a = try PthFile(path: Fixtures.path("parity/\(name)_zip.pth")), b = try PthFile(path: Fixtures.path("parity/\(name)_legacy.pth"))
            #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
            #expect(try a.read() == b.read())
        }
    }
}
