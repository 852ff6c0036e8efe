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
    /// listing every missing, unexpected and wrong-shape key (with both shapes); in that case
    /// nothing is written. On success the values are copied in place, so references to the
    /// module's tensors (an optimizer's, for instance) stay valid.
    public func load(stateDict: [String: Tensor]) throws {
        let entries = stateEntries()
        let mismatch = StateDictMismatch.compare(target: String(describing: type(of: self)),
                                    expected: entries.map { ($0.key, $0.tensor.shape) }, given: stateDict)
        guard mismatch.isEmpty else { throw NNError.stateDictMismatch(mismatch) }
        for (key, t) in entries {
            // Present and of the right shape: checked above.
            if let source = stateDict[key], source.storage !== t.storage { t.assign(source) }
        }
    }
}

extension StateDictMismatch {
    /// Compares the keys and shapes a target holds with those of a state dict.
    static func compare(target: String, expected: [(String, [Int])], given: [String: Tensor]) -> StateDictMismatch {
        var missing: [String] = []
        var wrong: [StateDictMismatch.WrongShape] = []
        var known = Set<String>()
        for (key, shape) in expected {
            known.insert(key)
            guard let t = given[key] else { missing.append(key); continue }
            if t.shape != shape { wrong.append(.init(key: key, expected: shape, got: t.shape)) }
        }
        let unexpected = given.keys.filter { !known.contains($0) }.sorted()
        return StateDictMismatch(target: target, missing: missing, unexpected: unexpected, wrongShape: wrong)
    }
}
