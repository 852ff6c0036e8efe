/// Errors thrown by tensor operations. Every message names the operation and the shapes involved.
public enum TensorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two shapes that had to agree did not.
    case shapeMismatch(op: String, expected: [Int], got: [Int], hint: String)
    /// A shape or parameter was invalid for the operation.
    case invalidArgument(op: String, message: String)
    /// `backward()` was called on a tensor that is not a scalar and no seed gradient was given.
    case notScalar(shape: [Int])
    /// A oneDNN call failed.
    case backend(op: String, status: Int32, detail: String)
    /// This machine cannot do what was asked (bf16 convolutions on a CPU without AVX-512).
    case unavailable(feature: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, expected, got, hint):
            return "\(op): expected shape \(expected), got \(got)" + (hint.isEmpty ? "" : " (\(hint))")
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .notScalar(shape):
            return "backward(): the tensor has shape \(shape); backward() without a gradient needs a scalar "
                + "(one element). Reduce it first, e.g. with .mean(), or pass backward(gradient:)."
        case let .backend(op, status, detail):
            return "\(op): oneDNN returned status \(status) (\(detail))"
        case let .unavailable(feature, reason):
            return "\(feature) are not available here: \(reason)"
        }
    }
}

/// Formats a shape the way error messages print it: `[1, 64, 64, 3]`.
@inline(__always) func describe(_ shape: [Int]) -> String { "\(shape)" }
