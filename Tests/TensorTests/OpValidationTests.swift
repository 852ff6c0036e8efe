import Testing
import Tensor
import TestSupport

/// Bad shapes and parameters throw `TensorError`s whose messages name the op and the shapes.
@Suite("Op validation")
struct OpValidationTests {
    func message(_ body: () throws -> Tensor) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("conv2d rejects bad shapes and parameters")
    func conv2d() {
        let x = Tensor.zeros([1, 8, 8, 3]), w = Tensor.zeros([4, 3, 3, 3])
        let cases: [(String, () throws -> Tensor, [String])] = [
            ("rank", { try Tensor.conv2d(Tensor.zeros([8, 8, 3]), weight: w, bias: nil, stride: 1, padding: 1) }, ["conv2d", "[8, 8, 3]"]),
            ("weight rank", { try Tensor.conv2d(x, weight: Tensor.zeros([4, 3, 3]), bias: nil, stride: 1, padding: 1) }, ["[4, 3, 3]"]),
            ("channels", { try Tensor.conv2d(x, weight: Tensor.zeros([4, 2, 3, 3]), bias: nil, stride: 1, padding: 1) },
             ["[1, 8, 8, 3]", "[4, 2, 3, 3]"]),
            ("bias", { try Tensor.conv2d(x, weight: w, bias: Tensor.zeros([3]), stride: 1, padding: 1) }, ["[3]", "[4]"]),
            ("stride", { try Tensor.conv2d(x, weight: w, bias: nil, stride: 0, padding: 1) }, ["stride"]),
            ("padding", { try Tensor.conv2d(x, weight: w, bias: nil, stride: 1, padding: -1) }, ["padding"]),
            ("empty output", { try Tensor.conv2d(Tensor.zeros([1, 2, 2, 3]), weight: Tensor.zeros([4, 3, 5, 5]), bias: nil,
                                                 stride: 1, padding: 0) }, ["empty output", "[1, 2, 2, 3]"]),
            ("empty axis", { try Tensor.conv2d(Tensor.zeros([0, 8, 8, 3]), weight: w, bias: nil, stride: 1, padding: 1) }, ["[0, 8, 8, 3]"]),
        ]
        for (name, body, fragments) in cases {
            let text = message(body)
            #expect(text.hasPrefix("conv2d"), "\(name): \(text)")
            for fragment in fragments { #expect(text.contains(fragment), "\(name): '\(fragment)' missing from: \(text)") }
        }
    }

    @Test("convTranspose2d rejects bad shapes and parameters")
    func convTranspose2d() {
        let x = Tensor.zeros([1, 4, 4, 6])
        let cases: [(String, () throws -> Tensor, [String])] = [
            ("channels: OIHW given where IOHW is expected",
             { try Tensor.convTranspose2d(x, weight: Tensor.zeros([3, 6, 4, 4]), bias: nil, stride: 2, padding: 1) },
             ["[1, 4, 4, 6]", "[3, 6, 4, 4]", "IOHW"]),
            ("bias", { try Tensor.convTranspose2d(x, weight: Tensor.zeros([6, 3, 4, 4]), bias: Tensor.zeros([6]), stride: 2, padding: 1) },
             ["[6]", "[3]"]),
            ("stride", { try Tensor.convTranspose2d(x, weight: Tensor.zeros([6, 3, 4, 4]), bias: nil, stride: -2, padding: 1) }, ["stride"]),
            ("empty output", { try Tensor.convTranspose2d(Tensor.zeros([1, 1, 1, 6]), weight: Tensor.zeros([6, 3, 2, 2]), bias: nil,
                                                          stride: 1, padding: 1) }, ["empty output"]),
        ]
        for (name, body, fragments) in cases {
            let text = message(body)
            #expect(text.hasPrefix("convTranspose2d"), "\(name): \(text)")
            for fragment in fragments { #expect(text.contains(fragment), "\(name): '\(fragment)' missing from: \(text)") }
        }
    }

    @Test("backward kernels check the gradient's shape")
    func backwardShapes() {
        let w = Tensor.zeros([4, 3, 4, 4])
        #expect(throws: TensorError.self) {
            try Tensor.conv2dBackwardData(Tensor.zeros([1, 5, 5, 4]), weight: w, inputShape: [1, 8, 8, 3], stride: 2, padding: 1)
        }
        #expect(throws: TensorError.self) {
            try Tensor.conv2dBackwardWeights(Tensor.zeros([1, 8, 8, 3]), gradOutput: Tensor.zeros([1, 4, 4, 5]),
                                             weightShape: [4, 3, 4, 4], bias: false, stride: 2, padding: 1)
        }
        #expect(throws: TensorError.self) {
            try Tensor.convTranspose2dBackwardData(Tensor.zeros([1, 8, 8, 4]), weight: Tensor.zeros([3, 4, 4, 4]),
                                                   inputShape: [1, 3, 3, 3], stride: 2, padding: 1)
        }
        #expect(throws: TensorError.self) {
            try Reference.conv2d(Tensor.zeros([1, 8, 8, 2]), weight: w, bias: nil, stride: 2, padding: 1)
        }
    }

    @Test("output sizes follow PyTorch's formulas")
    func outputSizes() throws {
        let y = try Tensor.conv2d(Tensor.zeros([2, 9, 6, 3]), weight: Tensor.zeros([5, 3, 4, 4]), bias: nil, stride: 2, padding: 1)
        #expect(y.shape == [2, 4, 3, 5])  // ⌊(9 + 2 − 4)/2⌋ + 1 = 4, ⌊(6 + 2 − 4)/2⌋ + 1 = 3
        let z = try Tensor.convTranspose2d(Tensor.zeros([2, 3, 5, 3]), weight: Tensor.zeros([3, 7, 4, 4]), bias: nil,
                                           stride: 2, padding: 1)
        #expect(z.shape == [2, 6, 10, 7])  // (in − 1)·2 − 2 + 4
    }
}
