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
    public static func inspect(path: String, previewPairs: Int = 8, rangeLimit: Int = 100_000) throws -> DatasetReport {
        if FileIO.isDirectory(path) { return try inspectFolder(path, previewPairs: previewPairs, rangeLimit: min(rangeLimit, 2000)) }
        guard FileIO.exists(path) else { throw ImagingError.io(path: path, reason: "no such file or directory") }
        if imageFileExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
            let image = try Image.read(path: path)
            var lo: UInt8 = 0, hi: UInt8 = 0
            image.withUnsafeBytes { ck_img_min_max_u8($0.baseAddress!, $0.count, &lo, &hi) }
            return DatasetReport(path: path, kind: "image", lines: [
                "\(path): image \(image.width)x\(image.height), \(image.channels == 1 ? "gray" : "RGB"), uint8, values \(lo)–\(hi)",
            ], preview: nil)
        }
        return try inspectHDF5(path, previewPairs: previewPairs, rangeLimit: rangeLimit)
    }

    static func inspectHDF5(_ path: String, previewPairs: Int, rangeLimit: Int) throws -> DatasetReport {
        let description = try HDF5PairedDataset.describe(path: path)
        var lines = description.description.split(separator: "\n").map(String.init)
        var preview: Image?
        for split in description.splits {
            let dataset = try HDF5PairedDataset(path: path, split: split.name)
            let scanned = min(dataset.count, rangeLimit)
            for side in ["A", "B"] {
                let array = side == "A" ? split.a : split.b
                let perItem = array.shape.dropFirst().reduce(1, *)
                let batch = max(1, min(256, (8 << 20) / max(perItem, 1)))
                var lo = Float.nan, hi = Float.nan
                var start = 0
                while start < scanned {
                    let end = min(scanned, start + batch)
                    let values = try dataset.rawFloats(side: side, range: start..<end)
                    var l: Float = 0, h: Float = 0
                    values.withUnsafeBufferPointer { ck_img_min_max_f32($0.baseAddress!, $0.count, &l, &h) }
                    if !l.isNaN { lo = lo.isNaN ? l : min(lo, l) }
                    if !h.isNaN { hi = hi.isNaN ? h : max(hi, h) }
                    start = end
                }
                let scope = scanned < dataset.count ? " (first \(scanned) of \(dataset.count))" : ""
                let range = scanned == 0 ? "empty" : "\(format(lo))–\(format(hi))"
                lines.append("  \(split.name) \(side) values: \(range)\(scope)")
            }
            if preview == nil, previewPairs > 0, dataset.count > 0 {
                preview = try grid(dataset.pairs(in: 0..<min(previewPairs, dataset.count)))
            }
        }
        return DatasetReport(path: path, kind: "HDF5", lines: lines, preview: preview)
    }

    static func inspectFolder(_ path: String, previewPairs: Int, rangeLimit: Int) throws -> DatasetReport {
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
                let image = try Image.read(path: file)
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
