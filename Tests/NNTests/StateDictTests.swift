import Base
import Testing
import Tensor
@testable import NN

@Suite("State dict")
struct StateDictTests {
    /// Fills every state tensor of `net` with distinct values.
    func fill(_ net: Module, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for (_, t) in net.stateEntries() { t.assign(Tensor.normal(t.shape, using: &rng)) }
    }

    @Test("round trip: save from one network, load into a fresh one, values and identities preserved")
    func roundTrip() throws {
        let source = TwoLevel()
        fill(source, seed: 1)
        let saved = source.stateDict().mapValues { $0.copy() }
        #expect(saved.count == 9)
        #expect(saved.keys.contains("head.seen"))

        let target = TwoLevel()
        let scaleBefore = target.head.scale
        try target.load(stateDict: saved)
        for (key, t) in target.stateEntries() {
            #expect(t.scalars == saved[key]?.scalars, "\(key)")
        }
        // Loaded in place: the module still holds the same tensor objects, still trainable.
        #expect(target.head.scale === scaleBefore)
        #expect(target.head.scale.requiresGrad)
        // The saved copy is independent of later changes.
        target.head.scale.assign(Tensor.zeros([2]))
        #expect(saved["head.scale"]?.scalars != [0, 0])
    }

    @Test("the state dict shares storage with the module, like PyTorch's")
    func sharesStorage() {
        let net = TwoLevel()
        let dict = net.stateDict()
        net.head.scale.pointer[0] = 42
        #expect(dict["head.scale"]?.scalars[0] == 42)
        #expect(dict["head.scale"]?.requiresGrad == false)
    }

    @Test("loading a module's own state dict into itself is a no-op")
    func selfLoad() throws {
        let net = TwoLevel()
        fill(net, seed: 3)
        let before = net.stateEntries().map { $0.tensor.scalars }
        try net.load(stateDict: net.stateDict())
        #expect(net.stateEntries().map { $0.tensor.scalars } == before)
    }

    @Test("one error lists every missing, unexpected and wrong-shape key with both shapes; nothing is written")
    func allProblemsAtOnce() throws {
        let source = TwoLevel()
        fill(source, seed: 2)
        var dict = source.stateDict().mapValues { $0.copy() }
        dict["encoder.0.scale"] = nil                                   // missing
        dict["head.seen"] = nil                                         // missing buffer
        dict["encoder.1.scael"] = Tensor.zeros([5])                     // unexpected
        dict["head.shift"] = Tensor.zeros([2, 1])                       // wrong shape (expected [1, 2])

        let target = TwoLevel()
        let before = target.stateEntries().map { $0.tensor.scalars }
        let error = try #require(throws: NNError.self) { try target.load(stateDict: dict) }
        guard case let .stateDictMismatch(mismatch) = error else {
            Issue.record("expected stateDictMismatch, got \(error)")
            return
        }
        #expect(mismatch.missing.map(\.name) == ["encoder.0.scale", "head.seen"])
        #expect(mismatch.unexpected.map(\.name) == ["encoder.1.scael"])
        #expect(mismatch.wrongShape == [.init(name: "head.shift", expected: [1, 2], found: [2, 1])])
        let text = error.description
        #expect(text.contains("TwoLevel"))
        #expect(text.contains("4 keys do not match (2 missing, 1 unexpected, 1 with the wrong shape)"))
        #expect(text.contains("missing:     encoder.0.scale"))
        #expect(text.contains("unexpected:  encoder.1.scael"))
        #expect(text.contains("wrong shape: head.shift: expected [1, 2], found [2, 1]"))
        #expect(text.contains("hint:"))
        // All or nothing: the valid keys were not copied either.
        #expect(target.stateEntries().map { $0.tensor.scalars } == before)
    }

    @Test("hints recognise a wrapper prefix, a submodule's dict, and PyTorch's num_batches_tracked")
    func hints() throws {
        let net = TwoLevel()
        var prefixed: [String: Tensor] = [:]
        for (k, t) in net.stateDict() { prefixed["module." + k] = t }
        var error = try #require(throws: NNError.self) { try TwoLevel().load(stateDict: prefixed) }
        #expect(error.description.contains("extra prefix \"module.\""))

        let headOnly = net.head.stateDict()
        error = try #require(throws: NNError.self) { try TwoLevel().load(stateDict: headOnly) }
        // Not every key is missing only by prefix here, so only the general hint applies.
        #expect(error.description.contains("hint:"))
        error = try #require(throws: NNError.self) {
            var d = net.stateDict()
            d["head.num_batches_tracked"] = Tensor(scalar: 7)
            try TwoLevel().load(stateDict: d)
        }
        #expect(error.description.contains("num_batches_tracked is PyTorch's BatchNorm step counter"))

        var nested: [String: Tensor] = [:]
        for (k, t) in net.encoder.stateDict() { nested[k] = t }
        let encoderOnly = Sequential(ScaleShift(3), ScaleShift(5))
        try encoderOnly.load(stateDict: nested)
        let twoLevelFromEncoder = try #require(throws: NNError.self) {
            let wrapper = Sequential(Sequential(ScaleShift(3), ScaleShift(5)))
            try wrapper.load(stateDict: nested)
        }
        #expect(twoLevelFromEncoder.description.contains("lack the prefix \"0.\""))
    }
}
