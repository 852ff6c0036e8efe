import Base

extension Tensor {
    /// Rows of an NHWC batch per block of the per-channel reductions below. A fixed block (not one
    /// per thread) keeps the order of every sum, so results do not depend on the thread count.
    static let statisticsBlockRows = 4096

    /// Training-mode batch normalisation whose statistics span every rank of `group` (synchronised
    /// batch norm): N ranks with batch b normalise as one process with batch N·b would.
    ///
    /// Forward: each rank sums its values and squared values per channel (in double precision), the
    /// sums and the element counts are all-reduced, and every rank normalises with the global mean
    /// and biased variance (oneDNN with given statistics). The running statistics are updated
    /// from the global ones (unbiased variance over the global count), identically on every rank.
    ///
    /// Backward: the two per-channel gradient sums, Σ dy and Σ dy·(x − μ), are all-reduced and
    /// `dx = γ/σ · (dy − Σdy/M − x̂ · Σdy·x̂/M)` with the global count M. The gradients of `weight`
    /// and `bias` are this rank's own sums (Σ dy·x̂, Σ dy): averaging them over the ranks, as the
    /// gradient all-reduce does, gives the one-process gradient of the mean loss.
    ///
    /// Every rank must call it for the same layers in the same order (it is a collective).
    /// Shapes and errors as ``batchNorm(_:weight:bias:runningMean:runningVar:training:momentum:eps:)``,
    /// except that one value per channel on a rank is enough when the group holds more.
    public static func synchronizedBatchNorm(_ input: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor,
                                             runningVar: Tensor, momentum: Float, eps: Float,
                                             group: any Communicator) throws -> Tensor {
        let op = "synchronizedBatchNorm"
        let (n, h, w, c) = try batchNormShape(op, input, weight, bias, runningMean, runningVar, momentum, eps)
        let rows = n * h * w
        // [count, Σx per channel, Σx² per channel], summed over the ranks.
        var totals = [Double](repeating: 0, count: 1 + 2 * c)
        totals[0] = Double(rows)
        channelSums(rows: rows, channels: c, into: &totals, offset: 1) { row, sums, squares in
            let x = input.pointer + row * c
            for k in 0..<c {
                let v = Double(x[k])
                sums[k] += v
                squares[k] += v * v
            }
        }
        try group.allReduce(&totals, .sum)
        let count = totals[0]
        guard count > 1 else {
            throw TensorError.invalidArgument(
                op: op, message: "training needs more than one value per channel over all ranks, input \(input.shape) has \(Int(count))"
                    + " (use a larger batch or image, eval mode, or instance norm)")
        }
        let mean = Tensor.empty([c]), variance = Tensor.empty([c])
        for k in 0..<c {
            let mu = totals[1 + k] / count
            mean.pointer[k] = Float(mu)
            variance.pointer[k] = Float(max(0, totals[1 + c + k] / count - mu * mu))
        }
        let s = DNNLBatchNorm.Shape(n: n, h: h, w: w, c: c, eps: eps, scale: weight != nil, shift: bias != nil,
                                    globalStats: true, op: op)
        let out = Tensor.empty(input.shape)
        let rt = try DNNLRuntime.shared()
        try rt.run {
            try DNNLBatchNorm.forward(rt, s, training: true, src: input.pointer, dst: out.pointer,
                                      scale: weight?.pointer, shift: bias?.pointer, mean: mean.pointer, variance: variance.pointer)
        }
        let unbias = Float(count / (count - 1))
        for k in 0..<c {
            runningMean.pointer[k] = (1 - momentum) * runningMean.pointer[k] + momentum * mean.pointer[k]
            runningVar.pointer[k] = (1 - momentum) * runningVar.pointer[k] + momentum * variance.pointer[k] * unbias
        }
        runningMean.markModified()
        runningVar.markModified()

        let inputs = [input] + [weight, bias].compactMap { $0 }
        return record(out, op: op, inputs: inputs, readsOutput: false) { gradOutput, _ in
            var invStd = [Double](repeating: 0, count: c)
            for k in 0..<c { invStd[k] = 1 / Double(variance.pointer[k] + eps).squareRoot() }
            // [Σ dy, Σ dy·(x − μ)] per channel: this rank's, then the group's.
            var local = [Double](repeating: 0, count: 2 * c)
            channelSums(rows: rows, channels: c, into: &local, offset: 0) { row, sumDy, sumDyX in
                let x = input.pointer + row * c, dy = gradOutput.pointer + row * c
                for k in 0..<c {
                    let g = Double(dy[k])
                    sumDy[k] += g
                    sumDyX[k] += g * (Double(x[k]) - Double(mean.pointer[k]))
                }
            }
            let gradWeight = weight.map { _ in Tensor.empty([c]) }
            let gradBias = bias.map { _ in Tensor.empty([c]) }
            for k in 0..<c {
                gradWeight?.pointer[k] = Float(local[c + k] * invStd[k])
                gradBias?.pointer[k] = Float(local[k])
            }
            var global = local
            try group.allReduce(&global, .sum)
            // Per channel: dx = a·dy − b − d·(x − μ).
            var a = [Float](repeating: 0, count: c), b = [Float](repeating: 0, count: c), d = [Float](repeating: 0, count: c)
            for k in 0..<c {
                let scale = Double(weight?.pointer[k] ?? 1) * invStd[k]
                a[k] = Float(scale)
                b[k] = Float(scale * global[k] / count)
                d[k] = Float(scale * invStd[k] * invStd[k] * global[c + k] / count)
            }
            let gradInput = Tensor.empty(input.shape)
            let gx = UncheckedSendable((gradInput.pointer, gradOutput.pointer, input.pointer, mean.pointer))
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    d.withUnsafeBufferPointer { d in
                        let coefficients = UncheckedSendable((a.baseAddress!, b.baseAddress!, d.baseAddress!))
                        parallelRanges(rows, grain: 1024) { start, end in
                            let (dx, dy, x, mu) = gx.value
                            let (a, b, d) = coefficients.value
                            for row in start..<end {
                                let base = row * c
                                for k in 0..<c {
                                    dx[base + k] = a[k] * dy[base + k] - b[k] - d[k] * (x[base + k] - mu[k])
                                }
                            }
                        }
                    }
                }
            }
            let present: [Tensor] = [gradWeight, gradBias].compactMap { $0 }
            return [gradInput] + present
        }
    }

    /// Two per-channel sums over the rows of an NHWC buffer, written into `totals[offset ..< offset + 2c]`:
    /// `body(row, first, second)` adds one row's terms to the two running sums. Blocks of
    /// ``statisticsBlockRows`` rows are summed in parallel and their partial sums added in block order.
    static func channelSums(rows: Int, channels c: Int, into totals: inout [Double], offset: Int,
                            _ body: @escaping (Int, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void) {
        let blocks = max(1, (rows + statisticsBlockRows - 1) / statisticsBlockRows)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: blocks * 2 * c)
        partial.initialize(repeating: 0, count: blocks * 2 * c)
        defer { partial.deallocate() }
        let shared = UncheckedSendable((partial, body))
        parallelFor(blocks) { (_, block) throws(Never) in
            let (partial, body) = shared.value
            let first = partial + block * 2 * c, second = first + c
            for row in (block * statisticsBlockRows)..<min(rows, (block + 1) * statisticsBlockRows) {
                body(row, first, second)
            }
        }
        for block in 0..<blocks {
            for k in 0..<(2 * c) { totals[offset + k] += partial[block * 2 * c + k] }
        }
    }
}
