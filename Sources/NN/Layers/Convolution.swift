import Base
import Tensor

/// Validates the numbers every convolution layer takes.
func checkConvArguments(_ layer: String, inputChannels: Int, outputChannels: Int, kernelSize: Int,
                        stride: Int, padding: Int) throws {
    func fail(_ message: String) -> NNError { .invalidArgument(what: layer, message: message) }
    guard inputChannels >= 1 else { throw fail("inputChannels must be ≥ 1, got \(inputChannels)") }
    guard outputChannels >= 1 else { throw fail("outputChannels must be ≥ 1, got \(outputChannels)") }
    guard kernelSize >= 1 else { throw fail("kernelSize must be ≥ 1, got \(kernelSize)") }
    guard stride >= 1 else { throw fail("stride must be ≥ 1, got \(stride)") }
    guard padding >= 0 else { throw fail("padding must be ≥ 0, got \(padding)") }
}

/// Checks that `input` is NHWC with `channels` channels.
func checkNHWC(_ layer: String, _ input: Tensor, channels: Int) throws {
    guard input.rank == 4 else {
        throw NNError.badInput(layer: layer, shape: input.shape,
                               message: "expected an NHWC image batch [batch, height, width, \(channels)] (rank 4), got rank \(input.rank)")
    }
    guard input.shape[3] == channels else {
        throw NNError.badInput(layer: layer, shape: input.shape,
                               message: "expected \(channels) channels in the last axis (NHWC), got \(input.shape[3])")
    }
}

/// A 2-D convolution, PyTorch's `nn.Conv2d` with square kernels, on NHWC images.
///
/// - Input: `[batch, height, width, inputChannels]`.
/// - Output: `[batch, (height + 2·padding − kernelSize) / stride + 1, (same for width), outputChannels]`.
/// - Parameters (keys): `weight` `[outputChannels, inputChannels, kernelSize, kernelSize]` (OIHW,
///   PyTorch's layout) and, when `bias` is true, `bias` `[outputChannels]`.
///
/// Weights start at zero: initialise the network with ``Module/initialize(_:using:)`` (or load a
/// state dict) before training.
public final class Conv2d: Module, UnaryLayer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// `[outputChannels, inputChannels, kernelSize, kernelSize]` (OIHW).
    public let weight: Tensor
    /// `[outputChannels]`, or nil without bias.
    public let bias: Tensor?

    /// - Parameters:
    ///   - inputChannels: channels of the NHWC input (its last axis).
    ///   - outputChannels: channels of the NHWC output.
    ///   - kernelSize: the side of the square kernel.
    ///   - stride: the step between kernel positions (default 1).
    ///   - padding: zero padding on each side (default 0).
    ///   - bias: whether to add a learned bias `[outputChannels]` (default true, as PyTorch).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) throws {
        try checkConvArguments("Conv2d", inputChannels: inputChannels, outputChannels: outputChannels,
                               kernelSize: kernelSize, stride: stride, padding: padding)
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Tensor.zeros([outputChannels, inputChannels, kernelSize, kernelSize])
        self.bias = bias ? Tensor.zeros([outputChannels]) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkNHWC(layerDescription, input, channels: inputChannels)
        let h = input.shape[1] + 2 * padding, w = input.shape[2] + 2 * padding
        guard h >= kernelSize, w >= kernelSize else {
            throw NNError.badInput(layer: layerDescription, shape: input.shape,
                                   message: "the padded image (\(h)×\(w)) is smaller than the \(kernelSize)×\(kernelSize) kernel")
        }
        return try Tensor.conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        try scheme.initializeWeight(weight, using: &rng)
        if let bias { Initializers.constant(bias, 0) }
    }

    public override var layerDescription: String {
        "Conv2d(\(inputChannels) → \(outputChannels), kernel \(kernelSize), stride \(stride), padding \(padding)\(bias == nil ? ", no bias" : ""))"
    }
}

/// A 2-D transposed convolution ("deconvolution"), PyTorch's `nn.ConvTranspose2d` with square
/// kernels and no output padding, on NHWC images.
///
/// - Input: `[batch, height, width, inputChannels]`.
/// - Output: `[batch, (height − 1)·stride − 2·padding + kernelSize, (same for width), outputChannels]`;
///   kernel 4, stride 2, padding 1 doubles the size.
/// - Parameters (keys): `weight` `[inputChannels, outputChannels, kernelSize, kernelSize]` (IOHW,
///   PyTorch's layout) and, when `bias` is true, `bias` `[outputChannels]`.
///
/// Weights start at zero: initialise the network with ``Module/initialize(_:using:)`` (or load a
/// state dict) before training.
public final class ConvTranspose2d: Module, UnaryLayer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// `[inputChannels, outputChannels, kernelSize, kernelSize]` (IOHW).
    public let weight: Tensor
    /// `[outputChannels]`, or nil without bias.
    public let bias: Tensor?

    /// - Parameters:
    ///   - inputChannels: channels of the NHWC input (its last axis).
    ///   - outputChannels: channels of the NHWC output.
    ///   - kernelSize: the side of the square kernel.
    ///   - stride: the upsampling factor (default 1).
    ///   - padding: rows / columns cropped from each side of the full output (default 0).
    ///   - bias: whether to add a learned bias `[outputChannels]` (default true, as PyTorch).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) throws {
        try checkConvArguments("ConvTranspose2d", inputChannels: inputChannels, outputChannels: outputChannels,
                               kernelSize: kernelSize, stride: stride, padding: padding)
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Tensor.zeros([inputChannels, outputChannels, kernelSize, kernelSize])
        self.bias = bias ? Tensor.zeros([outputChannels]) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkNHWC(layerDescription, input, channels: inputChannels)
        let h = (input.shape[1] - 1) * stride - 2 * padding + kernelSize
        let w = (input.shape[2] - 1) * stride - 2 * padding + kernelSize
        guard input.shape[1] >= 1, input.shape[2] >= 1, h >= 1, w >= 1 else {
            throw NNError.badInput(layer: layerDescription, shape: input.shape,
                                   message: "the output would be \(h)×\(w); padding \(padding) crops away the whole image")
        }
        return try Tensor.convTranspose2d(input, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        try scheme.initializeWeight(weight, using: &rng)
        if let bias { Initializers.constant(bias, 0) }
    }

    public override var layerDescription: String {
        "ConvTranspose2d(\(inputChannels) → \(outputChannels), kernel \(kernelSize), stride \(stride), padding \(padding)\(bias == nil ? ", no bias" : ""))"
    }
}
