import Base
import Tensor

/// A network component that owns named parameters, buffers and child modules.
///
/// Every tensor a module owns is registered under a **key**: a stable snake_case name chosen by
/// the layer, independent of its Swift property name, so renaming a property never breaks a saved
/// model. Keys of nested modules are joined with dots — `"model.1.weight"` — exactly as PyTorch
/// builds `state_dict()` keys, so PyTorch state dicts map onto ours key by key.
///
/// - **Parameters** are trained: registering one sets `requiresGrad = true`; the optimizer updates
///   them and ``parameterCount`` counts them.
/// - **Buffers** are saved but not trained (BatchNorm's `running_mean` / `running_var`).
///
/// A subclass creates its tensors, calls `super.init()`, then registers them:
///
/// ```swift
/// final class Affine: Module, UnaryLayer {
///     let scale = Tensor.ones([8]), shift = Tensor.zeros([8])
///     override init() {
///         super.init()
///         registerParameter("scale", scale)
///         registerParameter("shift", shift)
///     }
///     func callAsFunction(_ x: Tensor) throws -> Tensor { x * scale + shift }
/// }
/// ```
///
/// Registration keeps order: ``namedParameters()``, ``stateEntries()`` and the optimizer all see
/// tensors in the order they were registered (a module's own parameters, its own buffers, then
/// each child in turn), so the same network always serialises the same way.
///
/// Modules start in training mode; ``eval()`` and ``train(_:)`` switch the whole tree.
open class Module: CustomStringConvertible {
    /// Whether the module is in training mode (dropout active, batch norm on batch statistics).
    public private(set) var isTraining = true

    private var ownParameters: [(key: String, tensor: Tensor)] = []
    private var ownBuffers: [(key: String, tensor: Tensor)] = []
    private var ownChildren: [(key: String, module: Module)] = []

    public init() {}

    // MARK: Registration

    /// Registers `tensor` as a trained parameter under `key` and sets its `requiresGrad`.
    ///
    /// `key` is lower snake_case (`[a-z0-9_]+`) and unique within this module; anything else is a
    /// programming error in the layer and stops with a message naming the key.
    @discardableResult
    public final func registerParameter(_ key: String, _ tensor: Tensor) -> Tensor {
        checkNewKey(key)
        tensor.requiresGrad = true
        // Parameters change only through assign / the optimizer / initialisers / loads, which bump
        // the storage version, so convolutions may cache their reordered copies.
        tensor.storage.tracksVersions = true
        ownParameters.append((key, tensor))
        return tensor
    }

    /// Registers `tensor` as a buffer: saved in the state dict, never trained.
    @discardableResult
    public final func registerBuffer(_ key: String, _ tensor: Tensor) -> Tensor {
        checkNewKey(key)
        tensor.requiresGrad = false
        ownBuffers.append((key, tensor))
        return tensor
    }

    /// Registers `module` as a child under `key`; its keys appear as `key.<its key>`.
    /// The child takes on this module's training mode.
    @discardableResult
    public final func registerModule<M: Module>(_ key: String, _ module: M) -> M {
        checkNewKey(key)
        precondition(module !== self, "registerModule(\"\(key)\"): a module cannot contain itself")
        precondition(!module.namedModules().contains { $0.module === self },
                     "registerModule(\"\(key)\"): \(type(of: module)) already contains this \(type(of: self)); "
                         + "modules form a tree, not a cycle")
        module.train(isTraining)
        ownChildren.append((key, module))
        return module
    }

    private func checkNewKey(_ key: String) {
        precondition(Module.isValidKey(key),
                     "\(type(of: self)): key \"\(key)\" is not lower snake_case ([a-z0-9_]+, non-empty)")
        precondition(!ownParameters.contains { $0.key == key } && !ownBuffers.contains { $0.key == key }
                         && !ownChildren.contains { $0.key == key },
                     "\(type(of: self)): key \"\(key)\" is registered twice")
    }

    /// Whether `key` is a valid single-level key: non-empty, only `a–z`, `0–9` and `_`.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    // MARK: Traversal

    /// The direct children in registration order.
    public final var children: [(key: String, module: Module)] { ownChildren }

    /// This module (key `""`) and every descendant, depth first in registration order, with dotted paths.
    public final func namedModules() -> [(key: String, module: Module)] {
        var result: [(key: String, module: Module)] = []
        func visit(_ m: Module, _ path: String) {
            result.append((path, m))
            for (key, child) in m.ownChildren { visit(child, path.isEmpty ? key : path + "." + key) }
        }
        visit(self, "")
        return result
    }

    /// The module at a dotted path (`""` is this module), or nil.
    public final func module(at path: String) -> Module? {
        if path.isEmpty { return self }
        var current: Module = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current.ownChildren.first(where: { $0.key == part })?.module else { return nil }
            current = next
        }
        return current
    }

    /// Every parameter with its dotted path, in registration order (own first, then each child).
    public final func namedParameters() -> [(key: String, tensor: Tensor)] {
        collect { $0.ownParameters }
    }

    /// Every parameter tensor, in the order of ``namedParameters()``.
    public final func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Every buffer with its dotted path.
    public final func namedBuffers() -> [(key: String, tensor: Tensor)] {
        collect { $0.ownBuffers }
    }

    /// Parameters and buffers, in PyTorch `state_dict()` order: per module its parameters, then its
    /// buffers, then its children.
    public final func stateEntries() -> [(key: String, tensor: Tensor)] {
        collect { $0.ownParameters + $0.ownBuffers }
    }

    private func collect(_ pick: (Module) -> [(key: String, tensor: Tensor)]) -> [(key: String, tensor: Tensor)] {
        var result: [(key: String, tensor: Tensor)] = []
        for (path, m) in namedModules() {
            for (key, t) in pick(m) { result.append((path.isEmpty ? key : path + "." + key, t)) }
        }
        return result
    }

    /// The number of trained scalars (buffers not counted), as PyTorch's
    /// `sum(p.numel() for p in net.parameters())`.
    public final var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    // MARK: Modes and gradients

    /// Sets training mode (`true`) or evaluation mode (`false`) on this module and every descendant.
    public final func train(_ mode: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = mode }
    }

    /// Evaluation mode: dropout passes input through, batch norm uses its running statistics.
    public final func eval() { train(false) }

    /// Clears `grad` on every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public final func zeroGrad() {
        for (_, t) in namedParameters() { t.grad = nil }
    }

    /// Freezes (`false`) or unfreezes (`true`) every parameter. Frozen parameters receive no
    /// gradients, which is how the pix2pix G step keeps D's weights out of the graph.
    public final func setRequiresGrad(_ flag: Bool) {
        for (_, t) in namedParameters() { t.requiresGrad = flag }
    }

    // MARK: Initialisation hook

    /// Initialises this module's *own* parameters (not its children's) for `scheme`.
    ///
    /// Called by ``Module/initialize(_:using:)`` once per module. The default does nothing, as the
    /// PyTorch reference leaves layers other than convolutions and batch norm untouched; layers
    /// with weights override it.
    open func initializeOwnParameters(_ scheme: WeightInit, using rng: inout RandomGenerator) throws {}

    /// Initialises the whole tree with `scheme` — the PyTorch reference's `init_weights(net,
    /// init_type, init_gain)` — drawing from `rng` module by module in ``namedModules()`` order.
    public final func initialize(_ scheme: WeightInit = .reference, using rng: inout RandomGenerator) throws {
        for (_, m) in namedModules() { try m.initializeOwnParameters(scheme, using: &rng) }
    }

    // MARK: Description

    /// One line describing this module's configuration, e.g. `Conv2d(3 → 64, kernel 4, stride 2, padding 1)`.
    open var layerDescription: String { String(describing: type(of: self)) }

    /// The module tree, one module per line, indented, with keys — like PyTorch's `print(net)`.
    public var description: String {
        var lines: [String] = []
        func visit(_ m: Module, _ key: String?, _ depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            lines.append(indent + (key.map { "(\($0)): " } ?? "") + m.layerDescription)
            for (k, child) in m.ownChildren { visit(child, k, depth + 1) }
        }
        visit(self, nil, 0)
        return lines.joined(separator: "\n")
    }
}

/// A module that maps one tensor to one tensor: every layer, ``Sequential``, and whole networks.
///
/// Layers are classes you call: `let y = try conv(x)`.
public protocol UnaryLayer: Module {
    /// The forward pass. Images are NHWC: `[batch, height, width, channels]`.
    func callAsFunction(_ input: Tensor) throws -> Tensor
}
