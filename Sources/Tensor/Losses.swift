import CKernels

/// Loss functions, each the mean over all elements (PyTorch's `reduction='mean'`).
public enum Loss {
    static func check(_ op: String, _ prediction: Tensor, _ target: Tensor) throws {
        guard prediction.shape == target.shape else {
            throw TensorError.shapeMismatch(op: op, expected: prediction.shape, got: target.shape,
                                            hint: "the target must have the prediction's shape")
        }
        guard prediction.count > 0 else {
            throw TensorError.invalidArgument(op: op, message: "empty tensors of shape \(prediction.shape)")
        }
    }

    /// mean |prediction − target|. Gradients flow to both (the target usually has none).
    public static func l1(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
        try check("Loss.l1", prediction, target)
        let n = prediction.count
        let out = Tensor(scalar: Float(ck_sum_abs_diff(prediction.pointer, target.pointer, n) / Double(n)))
        return Tensor.record(out, op: "l1_loss", inputs: [prediction, target]) { g, _ in
            let scale = g.pointer[0] / Float(n)
            let diff = Tensor.binary(prediction, target) { ck_sub($0, $1, $2, $3) }
            let gp = Tensor.empty(prediction.shape)
            ck_sign_scaled(gp.pointer, diff.pointer, scale, n)
            return [gp, target.requiresGrad ? gp.affineRaw(scale: -1, shift: 0) : nil]
        }
    }

    /// mean (prediction − target)².
    public static func mse(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
        try check("Loss.mse", prediction, target)
        let n = prediction.count
        let out = Tensor(scalar: Float(ck_sum_sq_diff(prediction.pointer, target.pointer, n) / Double(n)))
        return Tensor.record(out, op: "mse_loss", inputs: [prediction, target]) { g, _ in
            let scale = 2 * g.pointer[0] / Float(n)
            let diff = Tensor.binary(prediction, target) { ck_sub($0, $1, $2, $3) }
            let gp = diff.affineRaw(scale: scale, shift: 0)
            return [gp, target.requiresGrad ? gp.affineRaw(scale: -1, shift: 0) : nil]
        }
    }

    /// Binary cross-entropy on logits, numerically stable: mean(max(x,0) − x·y + log(1 + e^−|x|)).
    public static func bceWithLogits(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        try check("Loss.bceWithLogits", logits, target)
        let n = logits.count
        let out = Tensor(scalar: Float(ck_bce_logits_sum(logits.pointer, target.pointer, n) / Double(n)))
        return Tensor.record(out, op: "bce_with_logits", inputs: [logits, target]) { g, _ in
            let gl = Tensor.empty(logits.shape)
            ck_bce_logits_grad(gl.pointer, logits.pointer, target.pointer, g.pointer[0] / Float(n), n)
            var gt: Tensor? = nil
            if target.requiresGrad {
                // d/dy = −x / n
                gt = logits.affineRaw(scale: -g.pointer[0] / Float(n), shift: 0)
            }
            return [gl, gt]
        }
    }

    /// BCE with logits against a constant label (1 = real, 0 = fake), as the GAN losses use it.
    public static func bceWithLogits(_ logits: Tensor, label: Float) throws -> Tensor {
        try bceWithLogits(logits, Tensor.full(logits.shape, label))
    }

    /// MSE against a constant label (LSGAN).
    public static func mse(_ prediction: Tensor, label: Float) throws -> Tensor {
        try mse(prediction, Tensor.full(prediction.shape, label))
    }
}
