/// How a tensor was computed: the inputs and the rule that maps the output's gradient to theirs.
public final class GradFn {
    /// The operation's name, for debugging and error messages.
    public let name: String
    /// The tensors the operation read. Held strongly until backward releases the graph.
    public private(set) var inputs: [Tensor]
    /// Given dL/d(output) and the output itself, returns dL/d(input) for each input (`nil` = none).
    let rule: (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]

    init(name: String, inputs: [Tensor], rule: @escaping (Tensor, Tensor) throws -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.rule = rule
    }

    func release() { inputs = [] }
}

extension Tensor {
    /// Attaches a backward rule to `output` when gradients are enabled and any input requires them.
    ///
    /// The rule receives the output's gradient and the output (so it need not capture the output,
    /// which would make a reference cycle) and returns one gradient per input, each with that
    /// input's shape, or `nil` where an input needs none. Rules run with gradient recording off.
    @discardableResult
    public static func record(_ output: Tensor, op: String, inputs: [Tensor],
                              rule: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradFn = GradFn(name: op, inputs: inputs, rule: rule)
        return output
    }

    /// Back-propagates from this tensor: leaves that require gradients get `grad` += dL/dleaf.
    ///
    /// Without `gradient` the tensor must be a scalar (the seed is 1). The recorded graph is
    /// released afterwards, so a second `backward()` through the same graph finds no graph.
    public func backward(gradient: Tensor? = nil) throws {
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward(gradient:)", expected: shape, got: gradient.shape,
                                                hint: "the seed gradient must have the tensor's shape")
            }
            seed = gradient
        } else {
            guard count == 1 else { throw TensorError.notScalar(shape: shape) }
            seed = Tensor.full(shape, 1)
        }
        guard requiresGrad else {
            throw TensorError.invalidArgument(
                op: "backward()", message: "the tensor of shape \(shape) does not require gradients: no input "
                    + "had requiresGrad = true, it was computed under withNoGrad, or its graph was already used")
        }
        try withNoGrad { try runBackward(seed: seed) }
    }

    private func runBackward(seed: Tensor) throws {
        // Topological order by iterative depth-first search over recorded inputs.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            let id = ObjectIdentifier(node)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((node, true))
            if let fn = node.gradFn {
                for input in fn.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        // Gradients we allocated ourselves may be accumulated into in place; others may alias.
        var owned = Set<ObjectIdentifier>()

        for node in order.reversed() {
            let id = ObjectIdentifier(node)
            guard var g = grads.removeValue(forKey: id) else { continue }
            guard let fn = node.gradFn else {
                // A leaf: accumulate into .grad. A gradient nothing else references (the usual case:
                // a conv's weight gradient) is adopted as is; one that may alias another tensor or
                // another pending gradient is copied first.
                if node.requiresGrad {
                    if let existing = node.grad {
                        ck_accumulate(existing, g)
                    } else if isKnownUniquelyReferenced(&g) && g.ownsStorageUniquely && !g.requiresGrad {
                        node.grad = g
                    } else {
                        node.grad = g.copy()
                    }
                }
                continue
            }
            let inputGrads = try fn.rule(g, node)
            precondition(inputGrads.count == fn.inputs.count,
                         "\(fn.name): backward returned \(inputGrads.count) gradients for \(fn.inputs.count) inputs")
            for (input, maybeGrad) in zip(fn.inputs, inputGrads) {
                guard input.requiresGrad, let ig = maybeGrad else { continue }
                precondition(ig.shape == input.shape,
                             "\(fn.name): backward produced a gradient of shape \(ig.shape) for an input of shape \(input.shape)")
                let iid = ObjectIdentifier(input)
                if let existing = grads[iid] {
                    if owned.contains(iid) {
                        ck_accumulate(existing, ig)
                    } else {
                        let sum = existing.copy()
                        ck_accumulate(sum, ig)
                        grads[iid] = sum
                        owned.insert(iid)
                    }
                } else {
                    grads[iid] = ig
                }
            }
            // Release the graph as we go: saved activations are freed as soon as they are used.
            fn.release()
            node.gradFn = nil
            node.requiresGrad = false
        }
    }
}

import Base
import CKernels

@inline(__always) func ck_accumulate(_ dst: Tensor, _ src: Tensor) {
    let d = dst.pointer, s = src.pointer
    parallelRanges(dst.count) { a, b in ck_acc(d + a, s + a, b - a) }
}
