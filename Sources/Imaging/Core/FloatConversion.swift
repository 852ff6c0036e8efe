import CKernels

// Image <-> NHWC float buffers in [-1, 1]: byte b becomes b / 127.5 - 1 (0 -> -1, 255 -> 1), and
// back round((v + 1) * 127.5) clamped. This is the reference's Normalize((0.5,), (0.5,)) after
// ToTensor, laid out NHWC for our Tensor module.

extension Image {
    /// The image as `height * width * channels` floats in [-1, 1] (HWC).
    public func unitFloats() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            writeUnitFloats(into: buffer.baseAddress!)
            initialized = count
        }
    }

    /// Writes `height * width * channels` floats in [-1, 1] (HWC) at `destination`.
    public func writeUnitFloats(into destination: UnsafeMutablePointer<Float>) {
        pixels.withUnsafeBufferPointer { ck_img_u8_to_unit($0.baseAddress!, destination, $0.count) }
    }

    /// Reads an image back from HWC floats in [-1, 1] (values outside are clamped, NaN becomes 0).
    public init(unitFloats: UnsafeBufferPointer<Float>, width: Int, height: Int, channels: Int) throws {
        try Image.checkShape(width: width, height: height, channels: channels, operation: "Image(unitFloats:)")
        guard unitFloats.count == width * height * channels else {
            throw ImagingError.invalidArgument(
                operation: "Image(unitFloats:)",
                message: "\(width)x\(height)x\(channels) needs \(width * height * channels) floats, got \(unitFloats.count)")
        }
        self.init(width: width, height: height, channels: channels) { out in
            ck_img_unit_to_u8(unitFloats.baseAddress!, out.baseAddress!, unitFloats.count)
        }
    }

    /// Packs same-sized images into one NHWC float buffer in [-1, 1]; `shape` is [N, H, W, C].
    public static func nhwcBatch(_ images: [Image]) throws -> (values: [Float], shape: [Int]) {
        guard let first = images.first else {
            throw ImagingError.invalidArgument(operation: "Image.nhwcBatch", message: "no images to batch")
        }
        for (i, image) in images.enumerated()
        where image.width != first.width || image.height != first.height || image.channels != first.channels {
            throw ImagingError.invalidArgument(
                operation: "Image.nhwcBatch",
                message: "image \(i) is \(image.width)x\(image.height)x\(image.channels), image 0 is \(first.width)x\(first.height)x\(first.channels); resize or convert them first")
        }
        let per = first.count
        let values = [Float](unsafeUninitializedCapacity: per * images.count) { buffer, initialized in
            for (i, image) in images.enumerated() { image.writeUnitFloats(into: buffer.baseAddress! + i * per) }
            initialized = per * images.count
        }
        return (values, [images.count, first.height, first.width, first.channels])
    }

    /// Splits an NHWC float buffer in [-1, 1] (shape [N, H, W, C], C = 1 or 3) into images.
    public static func images(nhwc values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> [Image] {
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), shape[3] == 1 || shape[3] == 3 else {
            throw ImagingError.invalidArgument(
                operation: "Image.images(nhwc:shape:)", message: "expected [N, H, W, C] with C = 1 or 3, got \(shape)")
        }
        let per = shape[1] * shape[2] * shape[3]
        guard values.count == per * shape[0] else {
            throw ImagingError.invalidArgument(
                operation: "Image.images(nhwc:shape:)", message: "shape \(shape) needs \(per * shape[0]) floats, got \(values.count)")
        }
        return try (0..<shape[0]).map { n in
            try Image(unitFloats: UnsafeBufferPointer(rebasing: values[(n * per)..<((n + 1) * per)]),
                      width: shape[2], height: shape[1], channels: shape[3])
        }
    }
}
