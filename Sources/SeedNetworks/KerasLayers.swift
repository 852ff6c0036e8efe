import Base
import NN
import Tensor

// Keras 2's layers as the seed code used them, built on NN's: `Conv2D(padding='same')` (TensorFlow
// pads the odd pixel on the bottom / right), `BatchNormalization()` (momentum 0.99, epsilon 1e-3)
// and `Dense`, each starting from Keras' initial values (Glorot-uniform kernels, zero biases,
// γ = 1, β = 0) whatever scheme the model is initialised with: these networks are the seed's, so
// they start as its Keras code started them.
//
// Each wrapper owns an NN layer that it does not register as a child; it registers that layer's
// tensors as its own under the same keys (`weight`, `bias`, `running_mean`, …), so the wrapper is
// a leaf whose `initializeOwnParameters` is the only initialiser that touches them.

/// Keras' `glorot_uniform`: U(−l, l) with l = √(6 / (fan_in + fan_out)).
func glorotUniform(_ weight: Tensor, fanIn: Int, fanOut: Int, using rng: inout RandomGenerator) {
    let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
    weight.assign(Tensor.uniform(weight.shape, low: -limit, high: limit, using: &rng))
}

/// `Conv2D(filters, (k, k), strides=(s, s), padding='same')`: output ⌈size / stride⌉, TensorFlow's
/// padding (the total pad split with the extra pixel at the bottom / right, so a 3×3 stride-2
/// convolution of an even-sized map pads only the bottom row and right column).
///
/// - Input: `[batch, height, width, inputChannels]`; output `[batch, ⌈height / stride⌉, ⌈width / stride⌉, outputChannels]`.
/// - Parameters (keys): `weight` `[outputChannels, inputChannels, k, k]` (OIHW; Keras stores HWIO), `bias` `[outputChannels]`.
final class KerasConv2d: Module, UnaryLayer {
    let conv: Conv2d

    init(inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, stride: Int = 1) throws {
        conv = try Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                          stride: stride, padding: 0, bias: true)
        super.init()
        registerParameter("weight", conv.weight)
        registerParameter("bias", conv.bias!)
    }

    /// TensorFlow's 'same' padding of one axis: (before, after).
    static func samePadding(size: Int, kernel: Int, stride: Int) -> (before: Int, after: Int) {
        let output = (size + stride - 1) / stride
        let total = max((output - 1) * stride + kernel - size, 0)
        return (total / 2, total - total / 2)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        // Conv2d reports a shape it cannot take.
        guard input.rank == 4, input.shape[3] == conv.inputChannels else { return try conv(input) }
        let k = conv.kernelSize, s = conv.stride
        let rows = Self.samePadding(size: input.shape[1], kernel: k, stride: s)
        let columns = Self.samePadding(size: input.shape[2], kernel: k, stride: s)
        // The symmetric part goes to the convolution; the rest is explicit zeros.
        let p = min(rows.before, rows.after, columns.before, columns.after)
        let padded = try input.zeroPadded(top: rows.before - p, bottom: rows.after - p,
                                          left: columns.before - p, right: columns.after - p)
        return try Tensor.conv2d(padded, weight: conv.weight, bias: conv.bias, stride: s, padding: p)
    }

    override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        let area = conv.kernelSize * conv.kernelSize
        glorotUniform(conv.weight, fanIn: conv.inputChannels * area, fanOut: conv.outputChannels * area, using: &rng)
        Initializers.constant(conv.bias!, 0)
    }

    override var layerDescription: String {
        "KerasConv2d(\(conv.inputChannels) → \(conv.outputChannels), kernel \(conv.kernelSize), stride \(conv.stride), same)"
    }
}

/// `BatchNormalization(axis=-1)` with Keras' defaults: running statistics updated with momentum
/// 0.99 (PyTorch's convention: 0.01 of the batch), epsilon 1e-3, γ = 1 and β = 0 at the start.
/// Keys as `BatchNorm2d`'s: `weight`, `bias`, `running_mean`, `running_var`.
final class KerasBatchNorm: Module, UnaryLayer {
    let norm: BatchNorm2d

    init(channels: Int) throws {
        norm = try BatchNorm2d(channels: channels, momentum: 0.01, epsilon: 1e-3)
        super.init()
        registerParameter("weight", norm.weight!)
        registerParameter("bias", norm.bias!)
        registerBuffer("running_mean", norm.runningMean)
        registerBuffer("running_var", norm.runningVar)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        // The inner layer is not a child, so it follows this layer's mode here.
        if norm.isTraining != isTraining { norm.train(isTraining) }
        if isTraining, input.rank == 4, input.shape[3] == norm.channels, input.shape[0] * input.shape[1] * input.shape[2] == 1 {
            return try singleValue(input)
        }
        return try norm(input)
    }

    /// Training on one value per channel (the seed U-Net's 1×1 innermost map at batch 1), which
    /// NN's batch norm refuses and TensorFlow computes: x − μ is 0, so the output is β and no
    /// gradient reaches x or γ; the running mean moves towards x, the running variance towards the
    /// batch's variance, 0.
    private func singleValue(_ input: Tensor) throws -> Tensor {
        let momentum = norm.momentum, x = input.pointer
        let mean = norm.runningMean.pointer, variance = norm.runningVar.pointer
        for c in 0..<norm.channels {
            mean[c] = (1 - momentum) * mean[c] + momentum * x[c]
            variance[c] = (1 - momentum) * variance[c]
        }
        return try input * 0 + norm.bias!.reshaped(input.shape)
    }

    override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        Initializers.constant(norm.weight!, 1)
        Initializers.constant(norm.bias!, 0)
    }

    override var layerDescription: String { "KerasBatchNorm(\(norm.channels), momentum 0.99, eps 0.001)" }
}

/// `Dense(units)` without its activation: `[batch, inputFeatures]` → `[batch, units]`. Keys as
/// `Linear`'s: `weight` `[units, inputFeatures]` (Keras stores the transpose), `bias` `[units]`.
final class KerasDense: Module, UnaryLayer {
    let linear: Linear

    init(inputFeatures: Int, units: Int) throws {
        linear = try Linear(inputFeatures: inputFeatures, outputFeatures: units)
        super.init()
        registerParameter("weight", linear.weight)
        registerParameter("bias", linear.bias!)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor { try linear(input) }

    override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        glorotUniform(linear.weight, fanIn: linear.inputFeatures, fanOut: linear.outputFeatures, using: &rng)
        Initializers.constant(linear.bias!, 0)
    }

    override var layerDescription: String { "KerasDense(\(linear.inputFeatures) → \(linear.outputFeatures))" }
}

extension Tensor {
    /// Zero rows and columns around an NHWC batch (recorded: the gradient is the inner window).
    func zeroPadded(top: Int, bottom: Int, left: Int, right: Int) throws -> Tensor {
        if top == 0 && bottom == 0 && left == 0 && right == 0 { return self }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        var parts: [Tensor] = []
        if top > 0 { parts.append(Tensor.zeros([n, top, w, c])) }
        parts.append(self)
        if bottom > 0 { parts.append(Tensor.zeros([n, bottom, w, c])) }
        let tall = parts.count == 1 ? self : try Tensor.concat(parts, axis: 1)
        let height = h + top + bottom
        parts = []
        if left > 0 { parts.append(Tensor.zeros([n, height, left, c])) }
        parts.append(tall)
        if right > 0 { parts.append(Tensor.zeros([n, height, right, c])) }
        return parts.count == 1 ? tall : try Tensor.concat(parts, axis: 2)
    }
}
