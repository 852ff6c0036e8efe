import ArgumentParser
import Foundation
import Tensor
import Testing
@testable import pix2pix
@testable import TorchImport

/// `pix2pix bench infer --weights --input --output`, as `make bench-compare` runs it: the reference's
/// state dict on a given NCHW input gives PyTorch's output, and exactly what the imported network
/// gives when called directly (so the max abs difference bench-compare reports is the engine's own).
@Suite("pix2pix bench infer --weights")
struct BenchInferWeightsTests {
    static func cli(_ arguments: [String]) throws {
        var command = try Pix2PixCommand.parseAsRoot(arguments)
        try command.run()
    }

    static func write(_ values: [Float], to url: URL) throws {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try Data(bytes).write(to: url)
    }

    static func read(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    @Test("the reference's .pth on an NCHW input: PyTorch's eval output, and the imported network's, bit for bit")
    func sameWeightsSameOutput() throws {
        let dir = try Fixtures.temporaryDirectory("bench-infer")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The parity fixture: unet_64, ngf 4, batch norm; its input and PyTorch's eval output are stored NHWC.
        let pth = Fixtures.path("parity/batch_zip.pth")
        let nhwc = try Fixtures.floats("parity/batch_input.f32")
        let input = dir.appendingPathComponent("input.f32"), output = dir.appendingPathComponent("output.f32")
        try Self.write(BenchInferIOOptions.permute(nhwc, [1, 3, 64, 64], toNHWC: false), to: input)
        try Self.cli(["bench", "infer", "--generator", "unet_64", "--size", "64", "--iters", "1", "--warmup", "0", "--json",
                      "--weights", pth, "--input", input.path, "--output", output.path])
        let written = try Self.read(output)
        #expect(written.count == 64 * 64 * 3)
        let y = BenchInferIOOptions.permute(written, [1, 3, 64, 64], toNHWC: true)

        // PyTorch's output, within the parity tests' tolerance (1e-4 of the output's scale).
        let reference = try Fixtures.floats("parity/batch_eval.f32")
        let scale = reference.map(abs).max() ?? 0
        let worst = zip(y, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4 * scale, "max abs difference \(worst) from PyTorch (scale \(scale))")

        // The imported network called directly, in eval mode without a graph (as bench infer runs
        // it, on the cached-weight paths): the same numbers.
        let imported = try ReferenceImport.generator(from: try PthFile(path: pth), options: ReferenceImportOptions(generator: "unet_64"))
        let direct = try withNoGrad { try imported.network(try Tensor(shape: [1, 64, 64, 3], values: nhwc)) }
        #expect(y == direct.scalars)
    }

    @Test("an input of the wrong size is refused, naming the file and the shape it needs")
    func wrongInputSize() throws {
        let dir = try Fixtures.temporaryDirectory("bench-infer-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("short.f32")
        try Self.write([Float](repeating: 0, count: 100), to: input)
        let error = #expect(throws: BenchInferIOError.self) {
            try Self.cli(["bench", "infer", "--generator", "unet_64", "--size", "64", "--iters", "1", "--warmup", "0", "--json",
                          "--weights", Fixtures.path("parity/batch_zip.pth"), "--input", input.path])
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(input.path) && message.contains("[1, 3, 64, 64]") && message.contains("Hint:"))
    }

    @Test("NCHW ↔ NHWC round trip")
    func permuteRoundTrip() {
        let values = (0..<(2 * 3 * 4 * 5)).map(Float.init)
        let nhwc = BenchInferIOOptions.permute(values, [2, 3, 4, 5], toNHWC: true)
        #expect(nhwc[1] == 20)  // (n 0, y 0, x 0, c 1) = NCHW index 1·4·5
        #expect(BenchInferIOOptions.permute(nhwc, [2, 3, 4, 5], toNHWC: false) == values)
    }
}
