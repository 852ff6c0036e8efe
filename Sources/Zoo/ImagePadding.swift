import Imaging

/// Padding amounts on each side of an image.
public struct Padding: Sendable, Equatable {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int

    public init(top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// The padding that grows `width` × `height` to the next multiples of `multiple`, split as evenly
    /// as possible between the two sides (the extra pixel, if any, goes right / bottom).
    public static func toMultiple(_ multiple: Int, width: Int, height: Int) -> Padding {
        let m = max(1, multiple)
        let w = (width + m - 1) / m * m, h = (height + m - 1) / m * m
        return Padding(top: (h - height) / 2, bottom: h - height - (h - height) / 2,
                       left: (w - width) / 2, right: w - width - (w - width) / 2)
    }

    public var isZero: Bool { top == 0 && bottom == 0 && left == 0 && right == 0 }
}

extension Image {
    /// The image grown by mirroring at its borders without repeating the edge pixel (NumPy's and
    /// PyTorch's "reflect"). Padding wider than the image folds back and forth, so any amount works;
    /// a 1-pixel-wide axis is replicated.
    public func reflectPadded(_ padding: Padding) -> Image {
        if padding.isZero { return self }
        precondition(padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0, "negative padding \(padding)")
        let newWidth = width + padding.left + padding.right
        let newHeight = height + padding.top + padding.bottom
        let xs = (0..<newWidth).map { Self.reflect($0 - padding.left, count: width) }
        let ys = (0..<newHeight).map { Self.reflect($0 - padding.top, count: height) }
        let c = channels, w = width
        return withUnsafeBytes { src in
            Image(width: newWidth, height: newHeight, channels: c) { out in
                var o = 0
                for y in ys {
                    let row = y * w
                    for x in xs {
                        let s = (row + x) * c
                        for k in 0..<c { out[o + k] = src[s + k] }
                        o += c
                    }
                }
            }
        }
    }

    /// Undoes ``reflectPadded(_:)``: the window of the original size.
    public func removingPadding(_ padding: Padding) -> Image {
        if padding.isZero { return self }
        return cropped(x: padding.left, y: padding.top, width: width - padding.left - padding.right,
                       height: height - padding.top - padding.bottom)
    }

    /// Index `i` of an axis of `count` pixels mirrored into 0..<count (reflect-101, periodic).
    static func reflect(_ i: Int, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let period = 2 * (count - 1)
        var m = i % period
        if m < 0 { m += period }
        return m < count ? m : period - m
    }
}
