/// How a tensor was computed: edges to the inputs and the rule that maps the output's gradient
/// to theirs. It is the graph's node: backward walks from node to node, so an input whose values
/// the rule does not read need not be kept (``Tensor/record(_:op:inputs:savesInputs:readsOutput:rule:)``).
public final class GradFn {
    /// The operation's name, for debugging and error messages.
    public let name: String

    /// One recorded input: the tensor itself (a leaf, a constant the rule may read, or an input
    /// whose producer's rule reads its output), or only the node that produced it (its values
    /// are then freed as soon as nothing else holds them).
    enum Edge {
        case tensor(Tensor)
        case node(GradFn, shape: [Int])
        /// An input that needs no gradient, recorded with `savesInputs: false`: nothing of it is kept.
        case constant
    }

    /// Held strongly until backward releases the graph.
    private(set) var edges: [Edge]
    /// Whether the rule reads its `output` argument. Only nodes whose rule does not may be
    /// reached through ``Edge/node(_:shape:)`` edges (their output tensor may be gone by then).
    let readsOutput: Bool
    /// The tensor this node computed, while it lives (the rule's `output` argument).
    weak var output: Tensor?
    /// Given dL/d(output) and the output itself, returns dL/d(input) for each input (`nil` = none).
    let rule: (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]
    /// Set once backward has run the rule: the node no longer passes gradients on.
    private(set) var released = false

    init(name: String, edges: [Edge], readsOutput: Bool, rule: @escaping (Tensor, Tensor) throws -> [Tensor?]) {
        self.name = name
        self.edges = edges
        self.readsOutput = readsOutput
        self.rule = rule
    }

    /// The number of recorded inputs (the rule returns one gradient per input).
    public var inputCount: Int { edges.count }

    func release() {
        edges = []
        released = true
    }
}

extension Tensor {
    /// Attaches a backward rule to `output` when gradients are enabled and any input requires them.
    ///
    /// The rule receives the output's gradient and the output (so it need not capture the output,
    /// which would make a reference cycle) and returns one gradient per input, each with that
    /// input's shape, or `nil` where an input needs none. Rules run with gradient recording off.
    ///
    /// Memory: by default the graph keeps every input alive until backward (`savesInputs`). An
    /// operation whose rule does not read its inputs' values (an activation that differentiates
    /// from its output, concatenation, dropout, addition) passes `savesInputs: false`: the graph
    /// then holds only the nodes that produced them, so an input nothing else holds is freed after
    /// the forward pass (as PyTorch's in-place ReLUs free one activation per layer). That applies to
    /// inputs whose producer was recorded with `readsOutput: false` (its rule ignores its `output`
    /// argument: convolutions, batch norm, concatenation…); the others stay. Whatever a rule
    /// captures stays alive through the closure either way, so these flags only decide memory,
    /// never results, provided `readsOutput: false` is true of the rule.
    @discardableResult
    public static func record(_ output: Tensor, op: String, inputs: [Tensor], savesInputs: Bool = true,
                              readsOutput: Bool = true,
                              rule: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        let edges = inputs.map { input -> GradFn.Edge in
            guard !savesInputs else { return .tensor(input) }
            guard input.requiresGrad else { return .constant }
            if let producer = input.gradFn, !producer.readsOutput { return .node(producer, shape: input.shape) }
            return .tensor(input)
        }
        let fn = GradFn(name: op, edges: edges, readsOutput: readsOutput, rule: rule)
        fn.output = output
        output.gradFn = fn
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

    /// A vertex of the backward walk: a recorded operation, or a leaf that accumulates `.grad`.
    private enum Vertex {
        case node(GradFn)
        case leaf(Tensor)

        var id: ObjectIdentifier {
            switch self {
            case .node(let fn): return ObjectIdentifier(fn)
            case .leaf(let t): return ObjectIdentifier(t)
            }
        }

        /// Where gradients for `tensor` go, or nil when none are wanted.
        init?(_ tensor: Tensor) {
            guard tensor.requiresGrad else { return nil }
            if let fn = tensor.gradFn {
                guard !fn.released else { return nil }
                self = .node(fn)
            } else {
                self = .leaf(tensor)
            }
        }

        /// Where gradients for `edge` go (and the input's shape), or nil when none are wanted.
        static func of(_ edge: GradFn.Edge) -> (Vertex, [Int])? {
            switch edge {
            case .tensor(let t): return Vertex(t).map { ($0, t.shape) }
            case .node(let fn, let shape): return fn.released ? nil : (.node(fn), shape)
            case .constant: return nil
            }
        }
    }

    private func runBackward(seed: Tensor) throws {
        guard let root = Vertex(self) else { return }
        // Topological order by iterative depth-first search over the recorded edges.
        var order: [Vertex] = []
        var visited = Set<ObjectIdentifier>()
        // Outputs that rules read, held until their node has run (consumers release their edges first).
        var outputs: [ObjectIdentifier: Tensor] = [:]
        var stack: [(Vertex, Bool)] = [(root, false)]
        while let (vertex, expanded) = stack.popLast() {
            if expanded { order.append(vertex); continue }
            guard visited.insert(vertex.id).inserted else { continue }
            stack.append((vertex, true))
            if case .node(let fn) = vertex {
                if fn.readsOutput, let output = fn.output { outputs[vertex.id] = output }
                for edge in fn.edges {
                    if let (input, _) = Vertex.of(edge), !visited.contains(input.id) { stack.append((input, false)) }
                }
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [root.id: seed]
        // Gradients we allocated ourselves may be accumulated into in place; others may alias.
        var owned = Set<ObjectIdentifier>()
        // A rule recorded with readsOutput: false may see this stand-in when its output is gone.
        let absent = Tensor(zeros: [0])

        // Root first; each node leaves `order` as it runs, so its rule (and what the rule captured)
        // is freed right after it: saved activations go as soon as they have been used.
        while let vertex = order.popLast() {
            guard var g = grads.removeValue(forKey: vertex.id) else { continue }
            switch vertex {
            case .leaf(let leaf):
                // Accumulate into .grad. A gradient nothing else references (the usual case: a
                // conv's weight gradient) is adopted as is; one that may alias another tensor or
                // another pending gradient is copied first.
                if let existing = leaf.grad {
                    ck_accumulate(existing, g)
                } else if isKnownUniquelyReferenced(&g) && g.ownsStorageUniquely && !g.requiresGrad {
                    leaf.grad = g
                } else {
                    leaf.grad = g.copy()
                }
            case .node(let fn):
                let output = outputs.removeValue(forKey: vertex.id) ?? fn.output
                if output == nil && fn.readsOutput {
                    fatalError("\(fn.name): its output was freed before backward (a rule that reads it must be reached through the tensor)")
                }
                let inputGrads = try fn.rule(g, output ?? absent)
                precondition(inputGrads.count == fn.edges.count,
                             "\(fn.name): backward returned \(inputGrads.count) gradients for \(fn.edges.count) inputs")
                for (edge, maybeGrad) in zip(fn.edges, inputGrads) {
                    guard let ig = maybeGrad, let (input, shape) = Vertex.of(edge) else { continue }
                    precondition(ig.shape == shape,
                                 "\(fn.name): backward produced a gradient of shape \(ig.shape) for an input of shape \(shape)")
                    let iid = input.id
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
                if let output {
                    output.gradFn = nil
                    output.requiresGrad = false
                }
            }
        }
    }
}

import Base
import CKernels

@inline(__always) func ck_accumulate(_ dst: Tensor, _ src: Tensor) {
    let d = dst.pointer, s = src.pointer
    parallelRanges(dst.count) { a, b in ck_acc(d + a, s + a, b - a) }
}
