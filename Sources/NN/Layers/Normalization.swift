import Base
import Tensor

/// Batch normalisation over NHWC images, PyTorch's `nn.BatchNorm2d`.
///
/// - Input and output: `[batch, height, width, channels]`.
/// - Parameters (keys), when `affine`: `weight` `[channels]` (starts at 1), `bias` `[channels]` (0).
/// - Buffers (keys): `running_mean` `[channels]` (starts at 0), `running_var` `[channels]` (1).
///
/// In training mode it normalises with the batch's statistics (biased variance) and updates the
/// running statistics in place: running = (1 − momentum)·running + momentum·batch, with the
/// unbiased batch variance, as PyTorch does. In evaluation mode it normalises with the running
/// statistics. PyTorch's `num_batches_tracked` is not kept (see ``Module/stateDict()``).
///
/// With a ``statisticsGroup`` of several ranks, training mode normalises with the statistics of
/// the whole group's batch (synchronised batch norm, `Tensor.synchronizedBatchNorm`); by default
/// each process uses its own batch's, as the paper's single-process training does.
public final class BatchNorm2d: Module, UnaryLayer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    /// `[channels]`, or nil when not affine.
    public let weight: Tensor?
    /// `[channels]`, or nil when not affine.
    public let bias: Tensor?
    /// `[channels]`, a buffer.
    public let runningMean: Tensor
    /// `[channels]`, a buffer.
    public let runningVar: Tensor
    /// The ranks whose batches share statistics in training mode (nil, or a group of one: this
    /// process's batch alone). Set by a data-parallel trainer with `--sync-batchnorm`.
    public var statisticsGroup: (any Communicator)?

    /// - Parameters:
    ///   - channels: channels of the NHWC input (its last axis).
    ///   - momentum: weight of the current batch in the running statistics (default 0.1).
    ///   - epsilon: added to the variance (default 1e-5).
    ///   - affine: whether to learn a per-channel scale and shift (default true).
    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, affine: Bool = true) throws {
        guard channels >= 1 else { throw NNError.invalidArgument(what: "BatchNorm2d", message: "channels must be ≥ 1, got \(channels)") }
        guard momentum >= 0, momentum <= 1 else {
            throw NNError.invalidArgument(what: "BatchNorm2d", message: "momentum must be in [0, 1], got \(momentum) (PyTorch uses 0.1)")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw NNError.invalidArgument(what: "BatchNorm2d", message: "epsilon must be finite and > 0, got \(epsilon)")
        }
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = affine ? Tensor.ones([channels]) : nil
        bias = affine ? Tensor.zeros([channels]) : nil
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        super.init()
        if let weight, let bias {
            registerParameter("weight", weight)
            registerParameter("bias", bias)
        }
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkNHWC(layerDescription, input, channels: channels)
        if isTraining, let group = statisticsGroup, group.isDistributed {
            return try Tensor.synchronizedBatchNorm(input, weight: weight, bias: bias, runningMean: runningMean,
                                                    runningVar: runningVar, momentum: momentum, eps: epsilon, group: group)
        }
        if isTraining, input.shape[0] * input.shape[1] * input.shape[2] <= 1 {
            throw NNError.badInput(layer: layerDescription, shape: input.shape,
                                   message: "training needs more than one value per channel for batch statistics; "
                                       + "use a larger batch or image, instance norm, or eval()")
        }
        return try Tensor.batchNorm(input, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                    training: isTraining, momentum: momentum, eps: epsilon)
    }

    /// The reference's rule for BatchNorm2d: weight ~ N(1, gain²), bias 0, whatever the kind.
    public override func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {
        try scheme.validate()
        if let weight { try Initializers.normal(weight, mean: 1, std: scheme.gain, using: &rng) }
        if let bias { Initializers.constant(bias, 0) }
    }

    public override var layerDescription: String {
        "BatchNorm2d(\(channels), momentum \(momentum), eps \(epsilon)\(weight == nil ? ", not affine" : ""))"
    }
}

/// Instance normalisation over NHWC images, PyTorch's `nn.InstanceNorm2d` with
/// `track_running_stats=False`: each sample's channels are normalised by their own mean and
/// (biased) variance over height × width, in training and evaluation alike.
///
/// - Input and output: `[batch, height, width, channels]`.
/// - Parameters (keys), only when `affine`: `weight` `[channels]` (starts at 1), `bias` `[channels]` (0).
/// - No buffers.
public final class InstanceNorm2d: Module, UnaryLayer {
    public let channels: Int
    public let epsilon: Float
    /// `[channels]`, or nil when not affine.
    public let weight: Tensor?
    /// `[channels]`, or nil when not affine.
    public let bias: Tensor?

    /// - Parameters:
    ///   - channels: channels of the NHWC input (its last axis).
    ///   - epsilon: added to the variance (default 1e-5).
    ///   - affine: whether to learn a per-channel scale and shift (default false, as PyTorch and the
    ///     pix2pix reference).
    public init(channels: Int, epsilon: Float = 1e-5, affine: Bool = false) throws {
        guard channels >= 1 else { throw NNError.invalidArgument(what: "InstanceNorm2d", message: "channels must be ≥ 1, got \(channels)") }
        guard epsilon > 0, epsilon.isFinite else {
            throw NNError.invalidArgument(what: "InstanceNorm2d", message: "epsilon must be finite and > 0, got \(epsilon)")
        }
        self.channels = channels
        self.epsilon = epsilon
        weight = affine ? Tensor.ones([channels]) : nil
        bias = affine ? Tensor.zeros([channels]) : nil
        super.init()
        if let weight, let bias {
            registerParameter("weight", weight)
            registerParameter("bias", bias)
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try checkNHWC(layerDescription, input, channels: channels)
        if input.shape[1] * input.shape[2] <= 1 {
            throw NNError.badInput(layer: layerDescription, shape: input.shape,
                                   message: "instance statistics need more than one spatial element (height × width > 1)")
        }
        return try Tensor.instanceNorm(input, weight: weight, bias: bias, eps: epsilon)
    }

    public override var layerDescription: String {
        "InstanceNorm2d(\(channels), eps \(epsilon)\(weight == nil ? "" : ", affine"))"
    }
}
