import NN
import Tensor

/// The norm layer the reference's `get_norm_layer` returns: BatchNorm2d(affine) for `batch`,
/// InstanceNorm2d(affine: false, no running stats) for `instance`, nothing for `none`.
func makeNorm(_ kind: NormKind, channels: Int) throws -> (any UnaryLayer)? {
    switch kind {
    case .batch: return try BatchNorm2d(channels: channels)
    case .instance: return try InstanceNorm2d(channels: channels)
    case .none: return nil
    }
}
