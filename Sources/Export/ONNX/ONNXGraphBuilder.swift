import NN
import Pix2Pix
import Tensor

/// Translates a generator's module tree into ONNX nodes and initializers, layer by layer, in
/// NCHW (ONNX's and PyTorch's layout; our tensors are NHWC in memory, weights are OIHW / IOHW in
/// both). Eval-mode semantics: dropout disappears, batch norm uses its running statistics.
///
/// Initializers are named by their state-dict keys (`model.model.1.weight`), nodes and the values
/// they produce by their module paths, so the graph reads like the network's `description`.
struct ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    /// State-dict keys the graph uses, to check that nothing was left out.
    private(set) var usedKeys: Set<String> = []
    /// The type of the network's U-Net levels (internal to Pix2Pix): a child of this type inside a
    /// level's Sequential is the next level in.
    private var blockType: ObjectIdentifier?
    private var skipConnections = false

    /// Builds the graph of a U-Net or encoder-decoder generator from `input` and returns the name
    /// of its output value.
    mutating func generator(_ network: any GeneratorNetwork, input: String) throws -> String {
        guard let unet = network as? UNetGenerator else {
            throw ExportError.unsupportedNetwork(network: network.layerDescription)
        }
        guard unet.children.count == 1, unet.children[0].key == "model" else {
            throw ExportError.unsupportedLayer(path: "", layer: unet.layerDescription)
        }
        let root = unet.children[0].module
        blockType = ObjectIdentifier(type(of: root))
        skipConnections = unet.skipConnections
        return try block(root, path: "model", input: input, outermost: true)
    }

    /// One U-Net level: its `model` Sequential, then — for inner levels of a U-Net — the skip
    /// connection concatenating the level's input with that output along channels.
    private mutating func block(_ module: Module, path: String, input: String, outermost: Bool) throws -> String {
        guard module.children.count == 1, module.children[0].key == "model",
              let sequential = module.children[0].module as? Sequential else {
            throw ExportError.unsupportedLayer(path: path, layer: module.layerDescription)
        }
        let y = try layer(sequential, path: path + ".model", input: input)
        if outermost || !skipConnections { return y }
        return node("Concat", name: path + ".concat", inputs: [input, y], attributes: [ONNXAttribute("axis", .int(1))])
    }

    /// One layer (or a Sequential of them, or a nested U-Net level).
    private mutating func layer(_ module: Module, path: String, input: String) throws -> String {
        if let blockType, ObjectIdentifier(type(of: module)) == blockType {
            return try block(module, path: path, input: input, outermost: false)
        }
        switch module {
        case let s as Sequential:
            var x = input
            for (key, child) in s.children { x = try layer(child, path: path + "." + key, input: x) }
            return x
        case let c as Conv2d:
            var inputs = [input, weight(path + ".weight", c.weight)]
            if let b = c.bias { inputs.append(weight(path + ".bias", b)) }
            return node("Conv", name: path, inputs: inputs, attributes: convolution(kernel: c.kernelSize, stride: c.stride, padding: c.padding)
                        + [ONNXAttribute("dilations", .ints([1, 1])), ONNXAttribute("group", .int(1))])
        case let c as ConvTranspose2d:
            // ONNX's ConvTranspose weight is [C_in, C_out, kH, kW]: PyTorch's (and our) IOHW.
            var inputs = [input, weight(path + ".weight", c.weight)]
            if let b = c.bias { inputs.append(weight(path + ".bias", b)) }
            return node("ConvTranspose", name: path, inputs: inputs,
                        attributes: convolution(kernel: c.kernelSize, stride: c.stride, padding: c.padding))
        case let n as BatchNorm2d:
            let scale = n.weight.map { weight(path + ".weight", $0) } ?? constant(path + ".unit_scale", 1, count: n.channels)
            let shift = n.bias.map { weight(path + ".bias", $0) } ?? constant(path + ".zero_shift", 0, count: n.channels)
            let inputs = [input, scale, shift, weight(path + ".running_mean", n.runningMean), weight(path + ".running_var", n.runningVar)]
            // ONNX's momentum weighs the running value (PyTorch's weighs the batch); inference ignores both.
            return node("BatchNormalization", name: path, inputs: inputs,
                        attributes: [ONNXAttribute("epsilon", .float(n.epsilon)), ONNXAttribute("momentum", .float(1 - n.momentum))])
        case let n as InstanceNorm2d:
            let scale = n.weight.map { weight(path + ".weight", $0) } ?? constant(path + ".unit_scale", 1, count: n.channels)
            let shift = n.bias.map { weight(path + ".bias", $0) } ?? constant(path + ".zero_shift", 0, count: n.channels)
            return node("InstanceNormalization", name: path, inputs: [input, scale, shift],
                        attributes: [ONNXAttribute("epsilon", .float(n.epsilon))])
        case let a as LeakyReLU:
            return node("LeakyRelu", name: path, inputs: [input], attributes: [ONNXAttribute("alpha", .float(a.negativeSlope))])
        case is ReLU:
            return node("Relu", name: path, inputs: [input])
        case is Tanh:
            return node("Tanh", name: path, inputs: [input])
        case is Sigmoid:
            return node("Sigmoid", name: path, inputs: [input])
        case is Dropout, is Identity:
            // Eval mode: dropout passes its input through.
            return input
        default:
            throw ExportError.unsupportedLayer(path: path, layer: module.layerDescription)
        }
    }

    private func convolution(kernel: Int, stride: Int, padding: Int) -> [ONNXAttribute] {
        [ONNXAttribute("kernel_shape", .ints([kernel, kernel])), ONNXAttribute("strides", .ints([stride, stride])),
         ONNXAttribute("pads", .ints([padding, padding, padding, padding]))]
    }

    private mutating func node(_ op: String, name: String, inputs: [String], attributes: [ONNXAttribute] = []) -> String {
        nodes.append(ONNXNode(name: name, opType: op, inputs: inputs, outputs: [name], attributes: attributes))
        return name
    }

    /// A state-dict tensor as an initializer named by its key.
    private mutating func weight(_ key: String, _ tensor: Tensor) -> String {
        usedKeys.insert(key)
        initializers.append(ONNXTensor(name: key, dims: tensor.shape, data: .tensor(tensor)))
        return key
    }

    /// A constant vector the layer implies but does not store (instance norm without affine
    /// parameters has scale 1 and shift 0).
    private mutating func constant(_ name: String, _ value: Float, count: Int) -> String {
        initializers.append(ONNXTensor(name: name, dims: [count], data: .values([Float](repeating: value, count: count))))
        return name
    }

    /// Renames the value `old` to `new` everywhere (the graph's output gets the name "output").
    mutating func rename(_ old: String, to new: String) {
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
            nodes[i].outputs = nodes[i].outputs.map { $0 == old ? new : $0 }
        }
    }

    /// Appends an Identity node (a network whose output is its input).
    mutating func identity(_ input: String, output: String) {
        nodes.append(ONNXNode(name: output, opType: "Identity", inputs: [input], outputs: [output]))
    }
}
