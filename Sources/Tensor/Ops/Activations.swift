extension Tensor {
    /// max(x, 0) on oneDNN eltwise. The gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor { activation(DNNLEltwise.relu(slope: 0)) }

    /// x for x > 0, `slope`·x otherwise (PyTorch's `LeakyReLU(negative_slope)`); gradient `slope` at 0.
    public func leakyReLU(_ slope: Float) -> Tensor { activation(DNNLEltwise.relu(slope: slope)) }

    /// Hyperbolic tangent on oneDNN eltwise; backward uses the output (1 − y²).
    public func tanh() -> Tensor { activation(DNNLEltwise.tanh) }

    /// Logistic sigmoid 1 / (1 + e^−x) on oneDNN eltwise; backward uses the output (y·(1 − y)).
    public func sigmoid() -> Tensor { activation(DNNLEltwise.sigmoid) }

    /// These entry points cannot throw (their signatures mirror PyTorch's methods): an eltwise
    /// primitive over a flat f32 vector has no shape to reject, so a oneDNN failure here is an
    /// environment fault (no CPU engine, out of memory) and stops with oneDNN's message.
    private func activation(_ kind: DNNLEltwise.Kind) -> Tensor {
        let training = GradMode.isEnabled && requiresGrad
        let out: Tensor
        do {
            out = try DNNLEltwise.forward(kind, self, training: training)
        } catch {
            fatalError("\(kind.name) on a tensor of shape \(shape): \(error)")
        }
        guard kind.backwardFromOutput else {
            return Tensor.record(out, op: kind.name, inputs: [self], readsOutput: false) { gradOutput, _ in
                [try DNNLEltwise.backward(kind, gradOutput: gradOutput, saved: self)]
            }
        }
        // Backward reads the output only, so the graph need not keep the input (PyTorch's in-place
        // ReLUs save the same activation).
        return Tensor.record(out, op: kind.name, inputs: [self], savesInputs: false) { gradOutput, output in
            [try DNNLEltwise.backward(kind, gradOutput: gradOutput, saved: output)]
        }
    }
}
