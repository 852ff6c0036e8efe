import CKernels

extension Tensor {
    /// The same storage under another shape, without recording (internal helper).
    func reshapedRaw(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, storage: storage) }

    /// The same elements under another shape (shares storage). One extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var resolved = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        guard unknown.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshaped", message: "cannot reshape \(shape) to \(newShape): at most one -1 and no other negative extent")
        }
        if let u = unknown.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.invalidArgument(op: "reshaped", message: "cannot reshape \(shape) (\(count) elements) to \(newShape)")
            }
            resolved[u] = count / known
        }
        guard resolved.reduce(1, *) == count else {
            throw TensorError.invalidArgument(op: "reshaped", message: "cannot reshape \(shape) (\(count) elements) to \(newShape) (\(resolved.reduce(1, *)) elements)")
        }
        let out = reshapedRaw(resolved)
        let original = shape
        return Tensor.record(out, op: "reshape", inputs: [self]) { g, _ in [g.reshapedRaw(original)] }
    }

    /// Elements `range` along `axis` (a copy). For NHWC images, axis 0 is the batch, axis 3 the channels.
    public func slice(axis: Int, _ range: Range<Int>) throws -> Tensor {
        guard axis >= 0, axis < rank else {
            throw TensorError.invalidArgument(op: "slice", message: "axis \(axis) is out of range for shape \(shape)")
        }
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            throw TensorError.invalidArgument(op: "slice", message: "range \(range) is out of bounds for axis \(axis) of shape \(shape)")
        }
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = range.count
        let out = Tensor.empty(outShape)
        ck_copy_strided(out.pointer, range.count * inner, pointer + range.lowerBound * inner, shape[axis] * inner,
                        outer, range.count * inner)
        let inShape = shape
        return Tensor.record(out, op: "slice", inputs: [self]) { g, _ in
            let gi = Tensor.zeros(inShape)
            ck_copy_strided(gi.pointer + range.lowerBound * inner, inShape[axis] * inner, g.pointer, range.count * inner,
                            outer, range.count * inner)
            return [gi]
        }
    }

    /// Batch items `range` of an NHWC (or any) tensor.
    public func slice(batch range: Range<Int>) throws -> Tensor { try slice(axis: 0, range) }

    /// Channels `range` of an NHWC tensor (the last axis).
    public func slice(channels range: Range<Int>) throws -> Tensor { try slice(axis: rank - 1, range) }

    /// Joins tensors along `axis`; every other extent must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "concat", message: "no tensors to join")
        }
        guard axis >= 0, axis < first.rank else {
            throw TensorError.invalidArgument(op: "concat", message: "axis \(axis) is out of range for shape \(first.shape)")
        }
        for t in tensors.dropFirst() {
            var a = first.shape, b = t.shape
            guard a.count == b.count else {
                throw TensorError.shapeMismatch(op: "concat", expected: first.shape, got: t.shape, hint: "ranks differ")
            }
            a[axis] = 0; b[axis] = 0
            guard a == b else {
                throw TensorError.shapeMismatch(op: "concat", expected: first.shape, got: t.shape,
                                                hint: "all extents but axis \(axis) must agree")
            }
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let total = tensors.reduce(0) { $0 + $1.shape[axis] }
        var outShape = first.shape
        outShape[axis] = total
        let out = Tensor.empty(outShape)
        var offset = 0
        for t in tensors {
            let width = t.shape[axis] * inner
            ck_copy_strided(out.pointer + offset, total * inner, t.pointer, width, outer, width)
            offset += width
        }
        // The rule reads only shapes: the graph need not keep the inputs (a U-Net's decoder output is
        // freed once concatenated with its skip connection).
        let shapes = tensors.map(\.shape)
        return record(out, op: "concat", inputs: tensors, savesInputs: false, readsOutput: false) { g, _ in
            var grads: [Tensor?] = []
            var off = 0
            for shape in shapes {
                let width = shape[axis] * inner
                let gi = Tensor.empty(shape)
                ck_copy_strided(gi.pointer, width, g.pointer + off, total * inner, outer, width)
                grads.append(gi)
                off += width
            }
            return grads
        }
    }

    /// Joins NHWC tensors along the channel axis (the U-Net skip connection, D's (A, B) input).
    public static func concatChannels(_ tensors: [Tensor]) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError.invalidArgument(op: "concatChannels", message: "no tensors to join") }
        return try concat(tensors, axis: first.rank - 1)
    }
}
