import Foundation

/// Why an image-quality metric could not be computed.
///
/// Every case names the operation (e.g. `ImageMetrics.ssim`) and the shapes involved, written
/// `HxWxC` (height x width x channels); `description` adds a hint.
public enum MetricError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The two images (or batches) do not have the same height, width and channels.
    case shapeMismatch(operation: String, first: ImageMetrics.Shape, second: ImageMetrics.Shape)
    /// A buffer holds a different number of values than its stated shape needs.
    case bufferSize(operation: String, argument: String, shape: ImageMetrics.Shape, expected: Int, got: Int)
    /// Height, width or channels is not positive.
    case invalidShape(operation: String, shape: ImageMetrics.Shape)
    /// A batch shape is not `[N, H, W, C]` with positive entries.
    case invalidBatchShape(operation: String, shape: [Int])
    /// SSIM needs at least one full 11 x 11 window in every channel.
    case tooSmallForSSIM(operation: String, shape: ImageMetrics.Shape, minimumSide: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, first, second):
            return "\(operation): the images differ in shape: first is \(first), second is \(second) (HxWxC); "
                + "compare an output with a target of the same size and channel count (resize or convert one of them)"
        case let .bufferSize(operation, argument, shape, expected, got):
            return "\(operation): \(argument) holds \(got) values but \(shape) (HxWxC) needs \(expected); "
                + "check the height, width and channels passed with the buffer"
        case let .invalidShape(operation, shape):
            return "\(operation): shape \(shape) (HxWxC) is not a valid image; height, width and channels must be positive"
        case let .invalidBatchShape(operation, shape):
            return "\(operation): batch shape \(shape) is not [N, H, W, C] with positive entries (NHWC layout expected)"
        case let .tooSmallForSSIM(operation, shape, minimumSide):
            return "\(operation): \(shape) (HxWxC) is smaller than the \(minimumSide)x\(minimumSide) SSIM window; "
                + "SSIM needs height and width of at least \(minimumSide) (L1 and PSNR have no minimum)"
        }
    }
}

extension MetricError: LocalizedError {
    public var errorDescription: String? { description }
}
