import CKernels
import Foundation

/// What `DatasetInspector.inspect` found.
public struct DatasetReport: Sendable, CustomStringConvertible {
    public var path: String
    /// "HDF5", "aligned folder" or "image".
    public var kind: String
    /// Human-readable lines: layout, splits, counts, shapes, dtypes, value ranges.
    public var lines: [String]
    /// A grid of the first pairs (A left of B, two pairs per row), when there are any.
    public var preview: Image?

    public var description: String { lines.joined(separator: "\n") }
}

/// Describes datasets for `pix2pix data inspect`.
public enum DatasetInspector {
    /// Inspects an HDF5 file, an aligned folder or a single image.
    /// - Parameters:
    ///   - previewPairs: pairs in the preview grid (0 = none).
    ///   - rangeLimit: at most this many pairs per split are scanned for value ranges (HDF5 files
    ///     are read in batches, so memory stays bounded either way).
    ///   - budget: the largest image read (declared sizes are checked before reading).
    ///
    /// Value ranges are of the finite values; float data also reports how many NaN and infinite
    /// values it holds (and a range of only NaN says so), so a range never hides a NaN.
    public static func inspect(path: String, previewPairs: Int = 8, rangeLimit: Int = 100_000,
                               budget: PixelBudget = .default) throws -> DatasetReport {
        if FileIO.isDirectory(path) {
            return try inspectFolder(path, previewPairs: previewPairs, rangeLimit: min(rangeLimit, 2000), budget: budget)
        }
        guard FileIO.exists(path) else { throw ImagingError.io(path: path, reason: "no such file or directory") }
        if imageFileExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
            let image = try Image.read(path: path, budget: budget)
            var lo: UInt8 = 0, hi: UInt8 = 0
            image.withUnsafeBytes { ck_img_min_max_u8($0.baseAddress!, $0.count, &lo, &hi) }
            return DatasetReport(path: path, kind: "image", lines: [
                "\(path): image \(image.width)x\(image.height), \(image.channels == 1 ? "gray" : "RGB"), uint8, values \(lo)–\(hi)",
            ], preview: nil)
        }
        return try inspectHDF5(path, previewPairs: previewPairs, rangeLimit: rangeLimit, budget: budget)
    }

    /// Value statistics of one side of a split: the finite range and the non-finite counts.
    struct ValueStatistics: Equatable {
        var lo = Float.nan, hi = Float.nan
        var values = 0
        var nonFinite = NonFiniteCount()
        /// Pairs holding a non-finite value: the first few indices, and how many in all.
        var badPairs: [Int] = []
        var badPairCount = 0

        mutating func add(_ chunk: [Float], firstPair: Int, perPair: Int) {
            var l: Float = 0, h: Float = 0
            chunk.withUnsafeBufferPointer { ck_img_min_max_f32($0.baseAddress!, $0.count, &l, &h) }   // skips NaN
            // ±inf are not part of the finite range (they are counted below).
            values += chunk.count
            var finiteLo = l, finiteHi = h
            if !l.isFinite || !h.isFinite {
                finiteLo = .nan
                finiteHi = .nan
                for v in chunk where v.isFinite {
                    if finiteLo.isNaN || v < finiteLo { finiteLo = v }
                    if finiteHi.isNaN || v > finiteHi { finiteHi = v }
                }
            }
            if !finiteLo.isNaN { lo = lo.isNaN ? finiteLo : min(lo, finiteLo) }
            if !finiteHi.isNaN { hi = hi.isNaN ? finiteHi : max(hi, finiteHi) }
            guard perPair > 0, chunk.contains(where: { !$0.isFinite }) else { return }
            chunk.withUnsafeBufferPointer { all in
                for k in 0..<(all.count / perPair) {
                    var count = NonFiniteCount()
                    count.add(UnsafeBufferPointer(rebasing: all[(k * perPair)..<((k + 1) * perPair)]))
                    guard count.total > 0 else { continue }
                    nonFinite.nan += count.nan
                    nonFinite.infinite += count.infinite
                    badPairCount += 1
                    if badPairs.count < 5 { badPairs.append(firstPair + k) }
                }
            }
        }

        /// "0–255", "0–255, 3 NaN and 1 infinite value(s) in 2 pair(s) (first: 4, 9)", "all 12 values NaN or infinite".
        var summary: String {
            if values == 0 { return "empty" }
            var text = lo.isNaN ? "no finite values" : "\(DatasetInspector.format(lo))–\(DatasetInspector.format(hi))"
            if nonFinite.total > 0 {
                text += "; \(nonFinite.nan) NaN and \(nonFinite.infinite) infinite value(s) in \(badPairCount) pair(s) (first: "
                    + badPairs.map(String.init).joined(separator: ", ") + (badPairCount > badPairs.count ? ", …" : "") + ")"
            }
            return text
        }
    }

    static func inspectHDF5(_ path: String, previewPairs: Int, rangeLimit: Int, budget: PixelBudget) throws -> DatasetReport {
        let description = try HDF5PairedDataset.describe(path: path, budget: budget)
        var lines = description.description.split(separator: "\n").map(String.init)
        var preview: Image?
        var problems: [String] = []
        for split in description.splits {
            let dataset = try HDF5PairedDataset(path: path, split: split.name, budget: budget)
            let scanned = min(dataset.count, rangeLimit)
            for side in ["A", "B"] {
                let array = side == "A" ? split.a : split.b
                let perItem = array.shape.dropFirst().reduce(1, *)
                let batch = max(1, min(256, (8 << 20) / max(perItem, 1)))
                var statistics = ValueStatistics()
                var start = 0
                while start < scanned {
                    let end = min(scanned, start + batch)
                    statistics.add(try dataset.rawFloats(side: side, range: start..<end), firstPair: start, perPair: perItem)
                    start = end
                }
                let scope = scanned < dataset.count ? " (first \(scanned) of \(dataset.count))" : ""
                lines.append("  \(split.name) \(side) values: \(statistics.summary)\(scope)")
                if statistics.nonFinite.total > 0 {
                    problems.append("\(split.name) \(side): \(statistics.badPairCount) pair(s) with NaN or infinite values")
                }
            }
            if preview == nil, previewPairs > 0, dataset.count > 0 {
                do {
                    preview = try grid(dataset.pairs(in: 0..<min(previewPairs, dataset.count)))
                } catch let error as ImagingError {
                    // Pairs with NaN or infinite values cannot be shown; the warning below says why.
                    guard case .nonFinite = error else { throw error }
                }
            }
        }
        if !problems.isEmpty {
            lines.append("  warning: training, evaluation and translation refuse pairs with NaN or infinite values (\(problems.joined(separator: "; ")))")
        }
        return DatasetReport(path: path, kind: "HDF5", lines: lines, preview: preview)
    }

    static func inspectFolder(_ path: String, previewPairs: Int, rangeLimit: Int, budget: PixelBudget = .default) throws -> DatasetReport {
        var splits = ["train", "val", "test"].filter { FileIO.isDirectory(path + "/" + $0) }
        let flat = splits.isEmpty
        if flat { splits = [""] }
        var lines = ["\(path): aligned A|B folder\(flat ? "" : " with splits \(splits.joined(separator: ", "))")"]
        var preview: Image?
        for split in splits {
            let dataset = try AlignedFolderDataset(directory: path, split: flat ? nil : split)
            var sizes: [String: Int] = [:]
            var lo: UInt8 = 255, hi: UInt8 = 0
            var channels = Set<Int>()
            let scanned = min(dataset.count, rangeLimit)
            for file in dataset.files.prefix(scanned) {
                let image = try Image.read(path: file, budget: budget)
                sizes["\(image.width)x\(image.height)", default: 0] += 1
                channels.insert(image.channels)
                var l: UInt8 = 0, h: UInt8 = 0
                image.withUnsafeBytes { ck_img_min_max_u8($0.baseAddress!, $0.count, &l, &h) }
                lo = min(lo, l)
                hi = max(hi, h)
            }
            let sizeList = sizes.sorted { $0.value > $1.value }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            let scope = scanned < dataset.count ? " (first \(scanned) files)" : ""
            lines.append("  \(flat ? "pairs" : split): \(dataset.count) files; file sizes \(sizeList)\(scope); halves \(dataset.width)x\(dataset.height)")
            lines.append("    channels stored: \(channels.sorted().map(String.init).joined(separator: "/")); A \(dataset.channelsA), B \(dataset.channelsB); uint8 values \(lo)–\(hi)\(scope)")
            if split == splits.first, !dataset.metadata.isEmpty {
                lines.append("  dataset.json:")
                for key in dataset.metadata.keys.sorted() {
                    var value = dataset.metadata[key]!
                    if value.count > 160 { value = String(value.prefix(157)) + "..." }
                    lines.append("    \(key) = \(value)")
                }
            }
            if preview == nil, previewPairs > 0, dataset.count > 0 {
                preview = try grid(dataset.pairs(in: 0..<min(previewPairs, dataset.count)))
            }
        }
        return DatasetReport(path: path, kind: "aligned folder", lines: lines, preview: preview)
    }

    static func grid(_ pairs: [(a: Image, b: Image)]) throws -> Image {
        // Bring every image to the size of the first B so cells line up.
        guard let first = pairs.first else { throw ImagingError.invalidArgument(operation: "preview", message: "no pairs") }
        let (w, h) = (first.b.width, first.b.height)
        let images = pairs.flatMap { [$0.a.resized(width: w, height: h), $0.b.resized(width: w, height: h)] }
        return try Image.grid(images, columns: min(4, images.count))
    }

    static func format(_ v: Float) -> String {
        if v.isNaN { return "nan" }
        return v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%.4g", Double(v))
    }
}
