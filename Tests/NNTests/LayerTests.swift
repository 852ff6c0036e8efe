import Base
import Foundation
import Testing
import Tensor
@testable import NN

@Suite("Layers")
struct LayerTests {
    @Test("parameter counts and keys match the hand formulas: conv k²·in·out (+out), norm 2·C")
    func parameterCounts() throws {
        for (cin, cout, k) in [(3, 64, 4), (64, 128, 4), (6, 64, 1), (5, 7, 3)] {
            let conv = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: k, stride: 2, padding: 1)
            #expect(conv.parameterCount == k * k * cin * cout + cout)
            #expect(conv.stateDict().keys.sorted() == ["bias", "weight"])
            #expect(conv.weight.shape == [cout, cin, k, k])
            let noBias = try Conv2d(inputChannels: cin, outputChannels: cout, kernelSize: k, bias: false)
            #expect(noBias.parameterCount == k * k * cin * cout)
            #expect(noBias.stateDict().keys.sorted() == ["weight"])
            let deconv = try ConvTranspose2d(inputChannels: cin, outputChannels: cout, kernelSize: k, stride: 2, padding: 1)
            #expect(deconv.parameterCount == k * k * cin * cout + cout)
            #expect(deconv.weight.shape == [cin, cout, k, k])
        }
        let bn = try BatchNorm2d(channels: 64)
        #expect(bn.parameterCount == 128)
        #expect(bn.stateEntries().map(\.key) == ["weight", "bias", "running_mean", "running_var"])
        #expect(bn.runningMean.scalars.allSatisfy { $0 == 0 } && bn.runningVar.scalars.allSatisfy { $0 == 1 })
        #expect(try BatchNorm2d(channels: 64, affine: false).stateEntries().map(\.key) == ["running_mean", "running_var"])
        #expect(try InstanceNorm2d(channels: 64).stateDict().isEmpty)
        #expect(try InstanceNorm2d(channels: 64, affine: true).parameterCount == 128)
        #expect(Sequential(ReLU(), LeakyReLU(0.2), Tanh(), Sigmoid(), Identity()).parameterCount == 0)
    }

    /// The reference's NLayerDiscriminator(input_nc, ndf, n_layers = 3) with batch norm.
    func patchGAN70(inputChannels: Int, ndf: Int) throws -> Sequential {
        try Sequential(
            Conv2d(inputChannels: inputChannels, outputChannels: ndf, kernelSize: 4, stride: 2, padding: 1),
            LeakyReLU(0.2),
            Conv2d(inputChannels: ndf, outputChannels: ndf * 2, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(channels: ndf * 2), LeakyReLU(0.2),
            Conv2d(inputChannels: ndf * 2, outputChannels: ndf * 4, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(channels: ndf * 4), LeakyReLU(0.2),
            Conv2d(inputChannels: ndf * 4, outputChannels: ndf * 8, kernelSize: 4, stride: 1, padding: 1, bias: false),
            BatchNorm2d(channels: ndf * 8), LeakyReLU(0.2),
            Conv2d(inputChannels: ndf * 8, outputChannels: 1, kernelSize: 4, stride: 1, padding: 1))
    }

    @Test("composed layers reproduce the reference's counts: PatchGAN-70 on 6 channels 2,768,705; PixelGAN 9,024")
    func referenceCounts() throws {
        let d = try patchGAN70(inputChannels: 6, ndf: 64)
        #expect(d.parameterCount == 2_768_705)
        #expect(d.stateDict().keys.contains("3.running_var"))
        #expect(d.namedParameters().first?.key == "0.weight")
        let pixel = try Sequential(
            Conv2d(inputChannels: 6, outputChannels: 64, kernelSize: 1), LeakyReLU(0.2),
            Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 1, bias: false), BatchNorm2d(channels: 128), LeakyReLU(0.2),
            Conv2d(inputChannels: 128, outputChannels: 1, kernelSize: 1, bias: false))
        #expect(pixel.parameterCount == 9_024)
    }

    @Test("output shapes: conv k4 s2 p1 halves, deconv k4 s2 p1 doubles, NHWC throughout")
    func shapes() throws {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.normal([2, 16, 12, 3], using: &rng)
        let conv = try Conv2d(inputChannels: 3, outputChannels: 8, kernelSize: 4, stride: 2, padding: 1)
        let deconv = try ConvTranspose2d(inputChannels: 8, outputChannels: 5, kernelSize: 4, stride: 2, padding: 1)
        try conv.initialize(using: &rng)
        try deconv.initialize(using: &rng)
        let y = try conv(x)
        #expect(y.shape == [2, 8, 6, 8])
        #expect(try deconv(y).shape == [2, 16, 12, 5])
        let valid = try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3)
        #expect(try valid(x).shape == [2, 14, 10, 4])
    }

    @Test("bad inputs and arguments throw typed errors naming the layer and shapes")
    func badInput() throws {
        let conv = try Conv2d(inputChannels: 3, outputChannels: 8, kernelSize: 4, stride: 2, padding: 1)
        var error = try #require(throws: NNError.self) { try conv(Tensor.zeros([1, 16, 16, 4])) }
        #expect(error.description.contains("Conv2d(3 → 8") && error.description.contains("[1, 16, 16, 4]")
                    && error.description.contains("expected 3 channels"))
        error = try #require(throws: NNError.self) { try conv(Tensor.zeros([16, 16, 3])) }
        #expect(error.description.contains("rank 4"))
        error = try #require(throws: NNError.self) { try conv(Tensor.zeros([1, 1, 1, 3])) }
        #expect(error.description.contains("smaller than the 4×4 kernel"))
        #expect(throws: NNError.self) { try Conv2d(inputChannels: 0, outputChannels: 8, kernelSize: 4) }
        #expect(throws: NNError.self) { try ConvTranspose2d(inputChannels: 3, outputChannels: 8, kernelSize: 4, stride: 0) }
        #expect(throws: NNError.self) { try Conv2d(inputChannels: 3, outputChannels: 8, kernelSize: 4, padding: -1) }
        #expect(throws: NNError.self) { try BatchNorm2d(channels: 4, momentum: 1.5) }
        let bn = try BatchNorm2d(channels: 4)
        error = try #require(throws: NNError.self) { try bn(Tensor.zeros([1, 1, 1, 4])) }
        #expect(error.description.contains("more than one value per channel"))
        bn.eval()
        #expect(try bn(Tensor.zeros([1, 1, 1, 4])).shape == [1, 1, 1, 4])
        #expect(throws: NNError.self) { try InstanceNorm2d(channels: 4)(Tensor.zeros([2, 1, 1, 4])) }
    }

    /// Per-channel mean and biased / unbiased variance of an NHWC tensor, in double precision.
    func channelStats(_ t: Tensor) -> (mean: [Double], biased: [Double], unbiased: [Double]) {
        let c = t.shape[3], rows = t.count / c, v = t.scalars
        var mean = [Double](repeating: 0, count: c), sq = [Double](repeating: 0, count: c)
        for r in 0..<rows { for k in 0..<c { mean[k] += Double(v[r * c + k]) } }
        for k in 0..<c { mean[k] /= Double(rows) }
        for r in 0..<rows { for k in 0..<c { let d = Double(v[r * c + k]) - mean[k]; sq[k] += d * d } }
        return (mean, sq.map { $0 / Double(rows) }, sq.map { $0 / Double(rows - 1) })
    }

    @Test("batch norm: training normalises by batch statistics and updates running stats (momentum 0.1, unbiased); eval uses them")
    func batchNormModes() throws {
        var rng = RandomGenerator(seed: 4)
        let bn = try BatchNorm2d(channels: 3)
        let x = Tensor.normal([2, 4, 4, 3], mean: 1.5, std: 2, using: &rng)
        let stats = channelStats(x)
        let y = try bn(x)
        let out = channelStats(y)
        for k in 0..<3 {
            #expect(abs(out.mean[k]) < 1e-5)
            #expect(abs(out.biased[k] - stats.biased[k] / (stats.biased[k] + 1e-5)) < 1e-4)
            #expect(abs(Double(bn.runningMean.scalars[k]) - 0.1 * stats.mean[k]) < 1e-5)
            #expect(abs(Double(bn.runningVar.scalars[k]) - (0.9 + 0.1 * stats.unbiased[k])) < 1e-5)
        }

        bn.eval()
        let rm = bn.runningMean.scalars, rv = bn.runningVar.scalars
        let probe = Tensor.normal([1, 2, 2, 3], using: &rng)
        let z = try bn(probe)
        let p = probe.scalars, zs = z.scalars
        for i in 0..<p.count {
            let k = i % 3
            let expected = (Double(p[i]) - Double(rm[k])) / (Double(rv[k]) + 1e-5).squareRoot()
            #expect(abs(Double(zs[i]) - expected) < 1e-5)
        }
        #expect(bn.runningMean.scalars == rm && bn.runningVar.scalars == rv)   // eval leaves them alone
    }

    @Test("instance norm: each sample's channels get mean 0 and variance ≈ 1 in both modes")
    func instanceNorm() throws {
        var rng = RandomGenerator(seed: 5)
        let norm = try InstanceNorm2d(channels: 2)
        let x = Tensor.normal([2, 4, 4, 2], mean: -3, std: 5, using: &rng)
        for mode in [true, false] {
            norm.train(mode)
            let y = try norm(x)
            for n in 0..<2 {
                let sample = channelStats(try y.slice(batch: n..<(n + 1)))
                for k in 0..<2 {
                    #expect(abs(sample.mean[k]) < 1e-5)
                    #expect(abs(sample.biased[k] - 1) < 1e-3)
                }
            }
        }
    }

    @Test("activations: values on known points")
    func activations() throws {
        let x = try Tensor(shape: [5], values: [-2, -0.5, 0, 0.5, 2])
        #expect(try ReLU()(x).scalars == [0, 0, 0, 0.5, 2])
        #expect(maxAbsDiff(try LeakyReLU(0.2)(x).scalars, [-0.4, -0.1, 0, 0.5, 2]) < 1e-7)
        #expect(maxAbsDiff(try Tanh()(x).scalars, [-2, -0.5, 0, 0.5, 2].map { Float(Foundation.tanh(Double($0))) }) < 1e-6)
        #expect(maxAbsDiff(try Sigmoid()(x).scalars, [-2, -0.5, 0, 0.5, 2].map { Float(1 / (1 + Foundation.exp(-Double($0)))) }) < 1e-6)
        #expect(try Identity()(x) === x)
        #expect(LeakyReLU().negativeSlope == 0.01)
    }

    @Test("the reference initialisation touches convs (weight N(0, 0.02), bias 0) and batch norm (weight N(1, 0.02), bias 0) only")
    func referenceInitialization() throws {
        let net = try Sequential(
            Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 4, stride: 2, padding: 1),
            BatchNorm2d(channels: 4096),
            ConvTranspose2d(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1),
            InstanceNorm2d(channels: 8, affine: true))
        for (_, p) in net.namedParameters() { p.assign(Tensor.full(p.shape, 7)) }
        var rng = RandomGenerator(seed: 6)
        try net.initialize(.reference, using: &rng)
        let sd = net.stateDict()
        for key in ["0.weight", "2.weight"] {
            let (mean, std) = meanAndStd(try #require(sd[key]).scalars)
            #expect(abs(mean) < 0.001 && abs(std / 0.02 - 1) < 0.02, "\(key): mean \(mean), std \(std)")
        }
        let (bnMean, bnStd) = meanAndStd(try #require(sd["1.weight"]).scalars)
        #expect(abs(bnMean - 1) < 0.002 && abs(bnStd / 0.02 - 1) < 0.05, "BN weight mean \(bnMean), std \(bnStd)")
        for key in ["0.bias", "1.bias", "2.bias"] { #expect(try #require(sd[key]).scalars.allSatisfy { $0 == 0 }, "\(key)") }
        // InstanceNorm2d is not a "Conv" nor "BatchNorm2d": the reference leaves it alone.
        #expect(try #require(sd["3.weight"]).scalars.allSatisfy { $0 == 7 })
        #expect(try #require(sd["1.running_var"]).scalars.allSatisfy { $0 == 1 })

        // Other kinds change conv weights only; BN keeps N(1, gain).
        try net.initialize(WeightInit(.kaiming), using: &rng)
        let (_, kaimingStd) = meanAndStd(try #require(net.stateDict()["0.weight"]).scalars)
        #expect(abs(kaimingStd / (2.0 / (64 * 16)).squareRoot() - 1) < 0.02)
        try net.initialize(WeightInit(.orthogonal, gain: 1), using: &rng)
        let (_, orthStd) = meanAndStd(try #require(net.stateDict()["0.weight"]).scalars)
        // 128 orthonormal rows of length 1024: every entry has variance 1/1024.
        #expect(abs(orthStd - (1.0 / 1024).squareRoot()) < 1e-3)
    }

    @Test("gradients reach every parameter of a Sequential; eval-mode outputs survive a state-dict round trip exactly")
    func gradientsAndRoundTrip() throws {
        var rng = RandomGenerator(seed: 8)
        func make() throws -> Sequential {
            try Sequential(
                Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 4, stride: 2, padding: 1),
                BatchNorm2d(channels: 4), LeakyReLU(0.2),
                ConvTranspose2d(inputChannels: 4, outputChannels: 3, kernelSize: 4, stride: 2, padding: 1, bias: false),
                InstanceNorm2d(channels: 3, affine: true), Tanh())
        }
        let net = try make()
        try net.initialize(using: &rng)
        let x = Tensor.normal([2, 8, 8, 3], using: &rng)
        try net(x).mean().backward()
        for (key, p) in net.namedParameters() {
            let g = try #require(p.grad, "\(key) got no gradient")
            #expect(g.scalars.contains { $0 != 0 }, "\(key)")
        }
        net.eval()
        let expected = try net(x).scalars
        let copy = try make()
        try copy.load(stateDict: net.stateDict().mapValues { $0.copy() })
        copy.eval()
        #expect(try copy(x).scalars == expected)
    }
}
