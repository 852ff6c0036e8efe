extension Image {
    /// Images laid out row by row in a grid of `columns` columns, for previews.
    ///
    /// Each cell is as large as the largest image; smaller images are centred. When any image is RGB
    /// the grid is RGB (gray images replicated). `padding` pixels of `background` separate the cells
    /// and frame the grid.
    public static func grid(_ images: [Image], columns: Int, padding: Int = 2, background: UInt8 = 255) throws -> Image {
        guard !images.isEmpty else {
            throw ImagingError.invalidArgument(operation: "Image.grid", message: "no images to lay out")
        }
        guard columns > 0, padding >= 0 else {
            throw ImagingError.invalidArgument(operation: "Image.grid", message: "columns must be positive and padding >= 0, got \(columns), \(padding)")
        }
        let channels = images.contains { $0.channels == 3 } ? 3 : 1
        let cellW = images.map(\.width).max()!, cellH = images.map(\.height).max()!
        let cols = min(columns, images.count)
        let rows = (images.count + cols - 1) / cols
        let width = cols * cellW + (cols + 1) * padding
        let height = rows * cellH + (rows + 1) * padding
        var canvas = Image(width: width, height: height, channels: channels, fill: background)
        canvas.withUnsafeMutableBytes { out in
            for (i, original) in images.enumerated() {
                let image = original.converted(toChannels: channels)
                let col = i % cols, row = i / cols
                let x0 = padding + col * (cellW + padding) + (cellW - image.width) / 2
                let y0 = padding + row * (cellH + padding) + (cellH - image.height) / 2
                image.withUnsafeBytes { src in
                    let rowBytes = image.width * channels
                    for y in 0..<image.height {
                        (out.baseAddress! + ((y0 + y) * width + x0) * channels)
                            .update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
                    }
                }
            }
        }
        return canvas
    }
}
