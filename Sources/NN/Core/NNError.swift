import Base
import Tensor

/// Errors thrown by the NN module. Each message names the layer, key or option at fault and says
/// what would be valid.
public enum NNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Loading a state dict (or optimizer state) found missing, unexpected or wrong-shape keys.
    case stateDictMismatch(StateMismatch)
    /// A layer, initialiser, optimizer or schedule argument is out of range.
    case invalidArgument(what: String, message: String)
    /// A layer received an input it cannot take.
    case badInput(layer: String, shape: [Int], message: String)

    public var description: String {
        switch self {
        case let .stateDictMismatch(mismatch):
            return mismatch.description
        case let .invalidArgument(what, message):
            return "\(what): \(message)"
        case let .badInput(layer, shape, message):
            return "\(layer): input of shape \(shape): \(message)"
        }
    }
}
