import Base
import Foundation
import Testing
import Tensor
@testable import NN

@Suite("Initialisers")
struct InitializerTests {
    @Test("fans follow PyTorch: fan_in = shape[1]·k², fan_out = shape[0]·k²")
    func fans() throws {
        #expect(try Initializers.fans([64, 3, 4, 4]) == (48, 1024))
        #expect(try Initializers.fans([3, 64, 4, 4]) == (1024, 48))   // a transposed conv, IOHW
        #expect(try Initializers.fans([10, 20]) == (20, 10))
        #expect(throws: NNError.self) { try Initializers.fans([7]) }
    }

    @Test("normal(0, 0.02) over 2^17 values: mean within 4 standard errors, std within 1.5 %")
    func normalStatistics() throws {
        var rng = RandomGenerator(seed: 11)
        let w = Tensor.zeros([128, 64, 4, 4])
        try Initializers.normal(w, mean: 0, std: 0.02, using: &rng)
        let (mean, std) = meanAndStd(w.scalars)
        #expect(abs(mean) < 4 * 0.02 / Double(w.count).squareRoot())
        #expect(abs(std / 0.02 - 1) < 0.015)
    }

    @Test("xavier normal std = gain·√(2/(fan_in+fan_out)); kaiming normal std = √(2/fan_in)")
    func xavierAndKaiming() throws {
        var rng = RandomGenerator(seed: 12)
        let w = Tensor.zeros([64, 32, 4, 4])                       // fan_in 512, fan_out 1024
        try Initializers.xavierNormal(w, gain: 0.5, using: &rng)
        var (mean, std) = meanAndStd(w.scalars)
        let xavierStd = 0.5 * (2.0 / 1536).squareRoot()
        #expect(abs(mean) < 4 * xavierStd / Double(w.count).squareRoot())
        #expect(abs(std / xavierStd - 1) < 0.015)

        try Initializers.kaimingNormal(w, using: &rng)
        (mean, std) = meanAndStd(w.scalars)
        let kaimingStd = (2.0 / 512).squareRoot()
        #expect(abs(mean) < 4 * kaimingStd / Double(w.count).squareRoot())
        #expect(abs(std / kaimingStd - 1) < 0.015)
    }

    /// M·Mᵀ for a row-major [rows, cols] matrix, in double precision.
    func gram(_ m: [Float], rows: Int, cols: Int) -> [Double] {
        var g = [Double](repeating: 0, count: rows * rows)
        for i in 0..<rows {
            for j in 0..<rows {
                var s = 0.0
                for k in 0..<cols { s += Double(m[i * cols + k]) * Double(m[j * cols + k]) }
                g[i * rows + j] = s
            }
        }
        return g
    }

    /// Transposes a row-major [rows, cols] matrix.
    func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = m[i * cols + j] } }
        return t
    }

    @Test("orthogonal, wide [16, 3·4·4]: W·Wᵀ = gain²·I within 1e-5")
    func orthogonalWide() throws {
        var rng = RandomGenerator(seed: 13)
        let w = Tensor.zeros([16, 3, 4, 4])
        try Initializers.orthogonal(w, gain: 2, using: &rng)
        let g = gram(w.scalars, rows: 16, cols: 48)
        for i in 0..<16 {
            for j in 0..<16 { #expect(abs(g[i * 16 + j] - (i == j ? 4 : 0)) < 1e-5, "(\(i), \(j))") }
        }
    }

    @Test("orthogonal, tall [36, 2·2·2]: Wᵀ·W = gain²·I within 1e-5, and not trivially the identity")
    func orthogonalTall() throws {
        var rng = RandomGenerator(seed: 14)
        let w = Tensor.zeros([36, 2, 2, 2])
        try Initializers.orthogonal(w, gain: 1, using: &rng)
        let g = gram(transpose(w.scalars, rows: 36, cols: 8), rows: 8, cols: 36)
        for i in 0..<8 {
            for j in 0..<8 { #expect(abs(g[i * 8 + j] - (i == j ? 1 : 0)) < 1e-5, "(\(i), \(j))") }
        }
        // A random rotation spreads mass: no column is a unit basis vector.
        #expect(w.scalars.map { abs($0) }.max()! < 0.99)
    }

    @Test("orthogonal, square [24, 24] and multi-panel [40, 3·3·3]: orthonormal within 1e-5")
    func orthogonalSquareAndPanels() throws {
        var rng = RandomGenerator(seed: 15)
        let square = Tensor.zeros([24, 24])
        try Initializers.orthogonal(square, gain: 1, using: &rng)
        var g = gram(square.scalars, rows: 24, cols: 24)
        for i in 0..<24 { for j in 0..<24 { #expect(abs(g[i * 24 + j] - (i == j ? 1 : 0)) < 1e-5, "(\(i), \(j))") } }
        // 27 columns: more than one 16-column Gram–Schmidt panel.
        let tall = Tensor.zeros([40, 3, 3, 3])
        try Initializers.orthogonal(tall, gain: 0.5, using: &rng)
        g = gram(transpose(tall.scalars, rows: 40, cols: 27), rows: 27, cols: 40)
        for i in 0..<27 { for j in 0..<27 { #expect(abs(g[i * 27 + j] - (i == j ? 0.25 : 0)) < 1e-5, "(\(i), \(j))") } }
    }

    @Test("every initialiser is reproducible from its seed")
    func reproducible() throws {
        for kind in WeightInit.Kind.allCases {
            var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
            let x = Tensor.zeros([8, 4, 3, 3]), y = Tensor.zeros([8, 4, 3, 3])
            try WeightInit(kind, gain: 0.02).initializeWeight(x, using: &a)
            try WeightInit(kind, gain: 0.02).initializeWeight(y, using: &b)
            #expect(x.scalars == y.scalars, "\(kind)")
            #expect(x.scalars.contains { $0 != 0 }, "\(kind)")
        }
    }

    @Test("bad arguments throw: rank-1 xavier / orthogonal, negative gain")
    func badArguments() {
        var rng = RandomGenerator(seed: 1)
        #expect(throws: NNError.self) { try Initializers.xavierNormal(Tensor.zeros([5]), using: &rng) }
        #expect(throws: NNError.self) { try Initializers.orthogonal(Tensor.zeros([5]), using: &rng) }
        #expect(throws: NNError.self) { try WeightInit(.normal, gain: -1).initializeWeight(Tensor.zeros([2, 2]), using: &rng) }
    }

    @Test("WeightInit is Codable as {type, gain}, missing fields take the reference defaults")
    func codable() throws {
        let json = try JSONEncoder().encode(WeightInit(.orthogonal, gain: 1.5))
        #expect(try JSONDecoder().decode(WeightInit.self, from: json) == WeightInit(.orthogonal, gain: 1.5))
        #expect(String(decoding: json, as: UTF8.self).contains("\"type\":\"orthogonal\""))
        #expect(try JSONDecoder().decode(WeightInit.self, from: Data("{}".utf8)) == .reference)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(WeightInit.self, from: Data(#"{"type":"uniform"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(WeightInit.self, from: Data(#"{"gain":-0.1}"#.utf8)) }
    }
}
