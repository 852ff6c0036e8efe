import Imaging
import Pix2Pix
import Tensor

/// How ``Translator`` runs images too large for one pass: in overlapping tiles, so memory is
/// bounded by the tile size, not the image.
///
/// The padded image is cut into tiles of at most `tileSize`² pixels whose origins lie on the
/// network's size-multiple grid (so every tile sees the same stride-2 sampling grid as the whole
/// image). Of each tile only the part at least `margin` pixels from an interior tile edge is used
/// (at the image's own borders a tile sees exactly the zero padding the whole image sees);
/// neighbouring used parts overlap by at least `blend` pixels and are cross-faded linearly, with
/// weights normalised per axis so they sum to one everywhere. With `margin` at least the network's
/// receptive-field radius — the default — the used part of a tile is exactly what whole-image
/// inference computes there (up to float rounding of the blend), so tiling is seamless.
///
/// Only eval-mode networks whose output at a pixel depends on a bounded neighbourhood can be
/// tiled: batch norm in eval mode (running statistics) qualifies; instance norm and train mode
/// (batch statistics over the whole input) do not, and such images run whole up to
/// `wholeImageLimit` pixels.
public struct TilingOptions: Sendable, Equatable {
    /// Side of a tile's network input, a multiple of the size multiple.
    public var tileSize: Int
    /// Context each tile sees beyond the part it contributes (a multiple of the size multiple).
    public var margin: Int
    /// Width of the linear cross-fade between neighbouring tiles, in pixels.
    public var blend: Int
    /// Largest padded image (width × height) run in one pass when the network cannot be tiled.
    public var wholeImageLimit: Int

    public init(tileSize: Int, margin: Int, blend: Int = 32, wholeImageLimit: Int) {
        self.tileSize = tileSize
        self.margin = margin
        self.blend = blend
        self.wholeImageLimit = wholeImageLimit
    }

    /// The defaults for a network: `margin` is its receptive-field radius rounded up to the size
    /// multiple; tiles are 2048² (or larger when the margin needs it, so that at least half a
    /// tile's side is new output).
    public static func defaults(sizeMultiple m: Int, receptiveRadius: Int?) -> TilingOptions {
        let m = max(1, m)
        let radius = receptiveRadius ?? 3 * m
        let margin = (radius + m - 1) / m * m
        let tile = max(2048, (4 * margin + 2 * m + m - 1) / m * m)
        return TilingOptions(tileSize: tile, margin: margin, blend: min(32, m), wholeImageLimit: tile * tile)
    }

    /// Throws unless the options make a valid plan for `sizeMultiple`.
    public func validate(sizeMultiple m: Int, model: String) throws {
        func bad(_ message: String) -> ZooError { .unsupportedInput(model: model, reason: "tiling: \(message)") }
        guard tileSize >= m, tileSize % m == 0 else { throw bad("the tile size must be a positive multiple of \(m), got \(tileSize)") }
        guard margin >= 0, margin % m == 0 else { throw bad("the margin must be a multiple of \(m), got \(margin)") }
        guard blend >= 0 else { throw bad("the blend width must be ≥ 0, got \(blend)") }
        guard tileSize - 2 * margin - blend >= m else {
            throw bad("a tile of \(tileSize) with margins of \(margin) and a blend of \(blend) leaves less than \(m) pixels of new output; use larger tiles")
        }
        guard wholeImageLimit >= 1 else { throw bad("the whole-image limit must be ≥ 1, got \(wholeImageLimit)") }
    }
}

/// One tile along one axis: the network input covers `start ..< start + size`; it contributes
/// `weights[i]` (normalised across tiles) of its output at `start + i`.
struct TileSpan: Equatable {
    var start: Int
    var size: Int
    /// Where the weights are non-zero: `validStart ..< validEnd`.
    var validStart: Int
    var validEnd: Int
    var weights: [Float]
}

enum TilePlanner {
    /// Tiles covering an axis of `length` pixels (a multiple of `multiple`).
    static func spans(length: Int, options: TilingOptions, multiple m: Int) -> [TileSpan] {
        let margin = options.margin, blend = options.blend
        if length <= options.tileSize {
            return [TileSpan(start: 0, size: length, validStart: 0, validEnd: length, weights: [Float](repeating: 1, count: length))]
        }
        // The fewest tiles, each as small as that count allows (less work in the overlaps), whose
        // grid-aligned, evenly spread origins never step more than a tile's new output.
        func plan(count n: Int, size t: Int) -> [Int]? {
            let travel = length - t                        // a multiple of m
            let starts = (0..<n).map { k in k == n - 1 ? travel : (k * travel / (n - 1)) / m * m }
            return zip(starts, starts.dropFirst()).allSatisfy({ $1 - $0 <= t - 2 * margin - blend }) ? starts : nil
        }
        var starts: [Int] = []
        var tile = options.tileSize
        search: for n in 2... {
            let overlap = 2 * margin + blend
            let smallest = ((length + (n - 1) * overlap + n - 1) / n + m - 1) / m * m
            for t in stride(from: min(smallest, options.tileSize), through: options.tileSize, by: m) {
                if let found = plan(count: n, size: t) {
                    (starts, tile) = (found, t)
                    break search
                }
            }
        }
        var raw: [(start: Int, validStart: Int, validEnd: Int, weights: [Float])] = []
        for (k, start) in starts.enumerated() {
            let first = k == 0, last = k == starts.count - 1
            let validStart = first ? start : start + margin
            let validEnd = last ? start + tile : start + tile - margin
            var weights = [Float](repeating: 0, count: tile)
            for x in validStart..<validEnd {
                let rampIn: Float = first ? 1 : min(1, Float(x - validStart + 1) / Float(blend + 1))
                let rampOut: Float = last ? 1 : min(1, Float(validEnd - x) / Float(blend + 1))
                weights[x - start] = min(rampIn, rampOut)
            }
            raw.append((start, validStart, validEnd, weights))
        }
        // Normalise so the weights of every position sum to one.
        var total = [Float](repeating: 0, count: length)
        for r in raw { for i in 0..<tile { total[r.start + i] += r.weights[i] } }
        return raw.map { r in
            var w = r.weights
            for i in 0..<tile where w[i] > 0 { w[i] /= total[r.start + i] }
            return TileSpan(start: r.start, size: tile, validStart: r.validStart, validEnd: r.validEnd, weights: w)
        }
    }
}

extension Translator {
    /// The radius (in input pixels) of the neighbourhood a generator output depends on; nil when
    /// the family is not known. A U-Net (or encoder-decoder) of depth d: its stride-2 4×4
    /// convolutions reach 2^d − 1 pixels beyond a bottleneck cell and every 4×4 transposed
    /// convolution one parent cell further, 3·2^d − 3 in all.
    public static func receptiveRadius(of network: any GeneratorNetwork) -> Int? {
        if let unet = network as? UNetGenerator { return 3 * (1 << unet.config.depth) - 3 }
        return nil
    }

    /// Whether outputs depend only on a bounded neighbourhood, so tiles give whole-image results:
    /// eval mode, a known receptive field, and no per-image normalisation (instance norm).
    public var isTileable: Bool {
        guard mode == .eval, Self.receptiveRadius(of: network) != nil else { return false }
        if let unet = network as? UNetGenerator, unet.config.norm == .instance { return false }
        return true
    }

    /// Whether ``translate(_:)`` runs an image of this size in tiles.
    public func usesTiles(width: Int, height: Int) -> Bool {
        let p = padding(width: width, height: height)
        return isTileable && (width + p.left + p.right > tiling.tileSize || height + p.top + p.bottom > tiling.tileSize)
    }

    /// Throws unless an image of this size can be translated: tiled, or whole within the limit.
    func checkSize(width: Int, height: Int) throws {
        // Tileable networks run any size: whole up to a tile, in tiles beyond.
        guard !isTileable else { return }
        let p = padding(width: width, height: height)
        let (pw, ph) = (width + p.left + p.right, height + p.top + p.bottom)
        let (pixels, overflow) = pw.multipliedReportingOverflow(by: ph)
        guard overflow || pixels > tiling.wholeImageLimit else { return }
        let why = mode == .train ? "train mode normalises with the statistics of the whole input"
                                 : "this network normalises per image (instance norm) or has no known receptive field"
        throw ZooError.unsupportedInput(model: name, reason: "the \(width)x\(height) image (padded \(pw)x\(ph)) must run in one pass because \(why), and that is over the one-pass limit of \(tiling.wholeImageLimit) pixels. Hint: downscale the image\(mode == .train ? ", or translate in eval mode (without --train-mode), which runs large images in tiles" : "")")
    }

    /// Translates one image in overlapping tiles (see ``TilingOptions``): the network input never
    /// exceeds `tileSize`², the float accumulator holds one band of tile rows, and the input and
    /// output images are the only full-size buffers.
    func translateTiled(_ image: Image) throws -> Image {
        let m = sizeMultiple
        try tiling.validate(sizeMultiple: m, model: name)
        let source = image.converted(toChannels: inputChannels)
        let padding = self.padding(width: image.width, height: image.height)
        let (pw, ph) = (image.width + padding.left + padding.right, image.height + padding.top + padding.bottom)
        let columns = TilePlanner.spans(length: pw, options: tiling, multiple: m)
        let rows = TilePlanner.spans(length: ph, options: tiling, multiple: m)
        let cOut = outputChannels, cIn = inputChannels
        let (width, height) = (image.width, image.height)
        // Reflect-padding index maps (padded coordinate → source coordinate), as reflectPadded.
        let xs = (0..<pw).map { Image.reflect($0 - padding.left, count: width) }
        let ys = (0..<ph).map { Image.reflect($0 - padding.top, count: height) }

        var output = [UInt8](repeating: 0, count: width * height * cOut)
        let bandRows = rows.map(\.size).max()!
        let rowFloats = pw * cOut
        var band = [Float](repeating: 0, count: bandRows * rowFloats)
        var bandTop = 0                 // padded row of band[0]
        var flushed = 0                 // padded rows before this are final

        /// Converts padded rows flushed..<upTo of the band to bytes in `output` (cropping the padding).
        func flush(upTo: Int) throws {
            let from = max(flushed, padding.top), to = min(upTo, padding.top + height)
            if from < to {
                let count = (to - from) * rowFloats
                let strip = try band.withUnsafeBufferPointer { all in
                    try Image(unitFloats: UnsafeBufferPointer(rebasing: all[((from - bandTop) * rowFloats)..<((from - bandTop) * rowFloats + count)]),
                              width: pw, height: to - from, channels: cOut)
                }
                strip.withUnsafeBytes { src in
                    output.withUnsafeMutableBufferPointer { dst in
                        let rowBytes = width * cOut
                        for r in 0..<(to - from) {
                            let s = (r * pw + padding.left) * cOut
                            let d = (from - padding.top + r) * rowBytes
                            (dst.baseAddress! + d).update(from: src.baseAddress! + s, count: rowBytes)
                        }
                    }
                }
            }
            flushed = max(flushed, upTo)
        }

        for rowSpan in rows {
            // Move the band down to this tile row, keeping the rows it still blends into.
            if rowSpan.start > bandTop {
                try flush(upTo: rowSpan.validStart)
                let shift = rowSpan.start - bandTop
                band.withUnsafeMutableBufferPointer { b in
                    let keep = (bandRows - shift) * rowFloats
                    if keep > 0 { b.baseAddress!.update(from: b.baseAddress! + shift * rowFloats, count: keep) }
                    (b.baseAddress! + max(0, keep)).update(repeating: 0, count: b.count - max(0, keep))
                }
                bandTop = rowSpan.start
            }
            for columnSpan in columns {
                let tile = source.withUnsafeBytes { src in
                    Image(width: columnSpan.size, height: rowSpan.size, channels: cIn) { out in
                        var o = 0
                        for r in 0..<rowSpan.size {
                            let row = ys[rowSpan.start + r] * width
                            for c in 0..<columnSpan.size {
                                let s = (row + xs[columnSpan.start + c]) * cIn
                                for k in 0..<cIn { out[o + k] = src[s + k] }
                                o += cIn
                            }
                        }
                    }
                }
                let result = try run(try Tensor(shape: [1, rowSpan.size, columnSpan.size, cIn], values: tile.unitFloats()))
                let values = result.pointer
                band.withUnsafeMutableBufferPointer { b in
                    for r in (rowSpan.validStart - rowSpan.start)..<(rowSpan.validEnd - rowSpan.start) {
                        let wy = rowSpan.weights[r]
                        let bandRow = (rowSpan.start + r - bandTop) * rowFloats
                        for c in (columnSpan.validStart - columnSpan.start)..<(columnSpan.validEnd - columnSpan.start) {
                            let w = wy * columnSpan.weights[c]
                            let s = (r * columnSpan.size + c) * cOut
                            let d = bandRow + (columnSpan.start + c) * cOut
                            for k in 0..<cOut { b[d + k] += w * values[s + k] }
                        }
                    }
                }
            }
        }
        try flush(upTo: ph)
        return try Image(width: width, height: height, channels: cOut, pixels: output)
    }
}
