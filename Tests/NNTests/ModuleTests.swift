import Testing
import Tensor
@testable import NN

@Suite("Module")
struct ModuleTests {
    @Test("keys are dotted paths in registration order: own parameters, own buffers, then children")
    func keysAndOrder() {
        let net = TwoLevel()
        #expect(net.namedParameters().map(\.key) == [
            "encoder.0.scale", "encoder.0.shift", "encoder.1.scale", "encoder.1.shift", "head.scale", "head.shift",
        ])
        #expect(net.namedBuffers().map(\.key) == ["encoder.0.seen", "encoder.1.seen", "head.seen"])
        #expect(net.stateEntries().map(\.key) == [
            "encoder.0.scale", "encoder.0.shift", "encoder.0.seen", "encoder.1.scale", "encoder.1.shift",
            "encoder.1.seen", "head.scale", "head.shift", "head.seen",
        ])
        #expect(net.namedModules().map(\.key) == ["", "encoder", "encoder.0", "encoder.1", "head"])
        #expect(net.module(at: "encoder.1") === net.encoder.layers[1])
        #expect(net.module(at: "encoder.2") == nil)
        #expect(net.module(at: "") === net)
    }

    @Test("parameters are the registered tensors themselves, require gradients, and are counted without buffers")
    func parametersAndCount() {
        let net = TwoLevel()
        #expect(net.parameters().first === net.encoder.layers[0].namedParameters().first?.tensor)
        #expect(net.parameters().allSatisfy { $0.requiresGrad })
        #expect(net.namedBuffers().allSatisfy { !$0.tensor.requiresGrad })
        // (3 + 3) + (5 + 5) + (2 + 2); the scalar buffers are not parameters.
        #expect(net.parameterCount == 20)
    }

    @Test("train / eval switch the whole tree, and a child registered later takes the parent's mode")
    func modes() {
        let net = TwoLevel()
        #expect(net.namedModules().allSatisfy { $0.module.isTraining })
        net.eval()
        #expect(net.namedModules().allSatisfy { !$0.module.isTraining })
        net.encoder.append(ScaleShift(4))
        #expect(net.encoder.layers[2].isTraining == false)
        net.train()
        #expect(net.namedModules().allSatisfy { $0.module.isTraining })
        net.head.train(false)
        #expect(!net.head.isTraining && net.encoder.isTraining && net.isTraining)
    }

    @Test("zeroGrad clears every gradient; setRequiresGrad freezes and unfreezes")
    func gradients() throws {
        let net = TwoLevel()
        let scale = net.head.scale
        let x = try Tensor(shape: [2], values: [3, 4])
        try (scale * x).sum().backward()
        #expect(scale.grad?.scalars == [3, 4])
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })
        net.setRequiresGrad(false)
        #expect(net.parameters().allSatisfy { !$0.requiresGrad })
        net.setRequiresGrad(true)
        #expect(net.parameters().allSatisfy { $0.requiresGrad })
    }

    @Test("keys are snake_case")
    func keyValidation() {
        #expect(Module.isValidKey("running_mean"))
        #expect(Module.isValidKey("12"))
        #expect(!Module.isValidKey(""))
        #expect(!Module.isValidKey("runningMean"))
        #expect(!Module.isValidKey("model.weight"))
        #expect(!Module.isValidKey("bias "))
    }

    @Test("description prints the tree with keys")
    func description() {
        let text = TwoLevel().description
        #expect(text == """
        TwoLevel
          (encoder): Sequential(2 layers)
            (0): ScaleShift
            (1): ScaleShift
          (head): ScaleShift
        """)
    }
}
