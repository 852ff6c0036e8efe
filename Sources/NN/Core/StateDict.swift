import Base
import Tensor

extension Module {
    /// Parameters and buffers by dotted key — PyTorch's `state_dict()`.
    ///
    /// The tensors share storage with the module (as in PyTorch): write them out, or `copy()` them,
    /// before the next training step changes them.
    ///
    /// BatchNorm's `running_mean` and `running_var` are here as buffers. PyTorch's
    /// `num_batches_tracked` is not: it only drives `momentum=None` (cumulative averaging), which
    /// Pix2PixZoo does not offer, so a converted PyTorch state dict drops those keys.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, t) in stateEntries() { result[key] = t.detached() }
        return result
    }

    /// Copies `stateDict` into this module's parameters and buffers — the one checked way to load
    /// weights.
    ///
    /// Every key the module has must be present with the same shape, and no other key may be.
    /// All problems are collected first and thrown together as ``NNError/stateDictMismatch(_:)``,
    /// listing every missing, unexpected and wrong-shape key (with both shapes, see
    /// `Base.StateMismatch`); in that case
    /// nothing is written. On success the values are copied in place, so references to the
    /// module's tensors (an optimizer's, for instance) stay valid.
    public func load(stateDict: [String: Tensor]) throws {
        if let mismatch = stateMismatch(against: stateDict.mapValues(\.shape)) { throw NNError.stateDictMismatch(mismatch) }
        for (key, t) in stateEntries() {
            // Present and of the right shape: checked above.
            if let source = stateDict[key], source.storage !== t.storage { t.assign(source) }
        }
    }

    /// Compares this module's keys and shapes (each key with `keyPrefix` in front) with `shapes`:
    /// the one comparison behind ``load(stateDict:)`` and checkpoint loading, which runs it on
    /// the file's tensor table before decoding anything. Nil when they agree exactly.
    public func stateMismatch(against shapes: [String: [Int]], keyPrefix: String = "", target: String? = nil) -> StateMismatch? {
        StateMismatch(target: target ?? String(describing: type(of: self)),
                      expected: stateEntries().map { (keyPrefix + $0.key, $0.tensor.shape) }, found: shapes)
    }
}
