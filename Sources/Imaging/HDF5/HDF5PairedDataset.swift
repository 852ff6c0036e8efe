import CHDF5
import CKernels

/// One split of an HDF5 pair dataset in any known layout (ours or the two seed layouts), read
/// lazily with hyperslab selections: memory use is bounded by what a caller asks for at once.
///
/// Values are converted to 8-bit images: uint8 data as is, CHW data transposed to HWC, float and
/// other numeric data (the seed's float32 0–255 arrays) rounded and clamped to 0–255. NaN and
/// infinite floats are refused (`ImagingError.nonFinite`, naming the split and pair) instead of
/// becoming black or white pixels.
///
/// Opening checks every declared shape against the pixel budget and the file's stored size
/// (see `HDF5Limits`), so reads never size a buffer from an unchecked declaration.
public final class HDF5PairedDataset: PairedDataset, @unchecked Sendable {
    public let name: String
    public let split: String
    public let direction: PairDirection
    /// The whole file's description (layout, splits, objects, attributes).
    public let fileDescription: HDF5Description
    /// This split's A and B arrays as stored.
    public let storedSplit: HDF5Split
    public let count: Int
    public let width: Int
    public let height: Int
    public let channelsA: Int
    public let channelsB: Int

    public var layout: HDF5Layout { fileDescription.layout }

    private let file: HDF5File
    private let datasetA: HDF5Dataset
    private let datasetB: HDF5Dataset

    /// Opens `split` of the file at `path`.
    /// - Throws: `.io` / `.corrupt` for unreadable files, `.unknownLayout` (listing the contents),
    ///   `.missingSplit` (listing the splits present), `.mismatch` for A/B count or size mismatches,
    ///   `.overBudget` for images larger than `budget`, `.declaredTooLarge` for shapes the file
    ///   cannot hold.
    public init(path: String, split: String = "train", direction: PairDirection = .aToB,
                budget: PixelBudget = .default) throws {
        file = try HDF5File.open(path)
        fileDescription = try HDF5LayoutDetector.describe(file: file, budget: budget)
        guard let s = fileDescription.split(named: split) else {
            throw ImagingError.missingSplit(path: path, split: split, available: fileDescription.splits.map(\.name))
        }
        name = path
        self.split = split
        self.direction = direction
        storedSplit = s
        count = s.count
        width = s.a.width
        height = s.a.height
        let (a, b) = direction == .aToB ? (s.a, s.b) : (s.b, s.a)
        channelsA = a.channels
        channelsB = b.channels
        datasetA = try HDF5Dataset(file: file, name: a.dataset)
        datasetB = try HDF5Dataset(file: file, name: b.dataset)
    }

    /// Describes an HDF5 file without choosing a split (with the same checks as opening one).
    public static func describe(path: String, budget: PixelBudget = .default) throws -> HDF5Description {
        try HDF5LayoutDetector.describe(path: path, budget: budget)
    }

    public func pair(at index: Int) throws -> (a: Image, b: Image) {
        try checkIndex(index)
        return try pairs(in: index..<(index + 1))[0]
    }

    public func pairs(in range: Range<Int>) throws -> [(a: Image, b: Image)] {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw ImagingError.invalidArgument(operation: "pairs(in:)", message: "range \(range) is outside 0..<\(count) of \(name)")
        }
        if range.isEmpty { return [] }
        let (arrayA, arrayB) = direction == .aToB ? (storedSplit.a, storedSplit.b) : (storedSplit.b, storedSplit.a)
        let imagesA = try readImages(datasetA, arrayA, range, side: "A")
        let imagesB = try readImages(datasetB, arrayB, range, side: "B")
        return zip(imagesA, imagesB).map { (a: $0, b: $1) }
    }

    /// Reads the raw values of `range` of one side as floats (for value-range statistics).
    func rawFloats(side: String, range: Range<Int>) throws -> [Float] {
        let (dataset, array) = side == "A" ? (datasetA, direction == .aToB ? storedSplit.a : storedSplit.b)
                                           : (datasetB, direction == .aToB ? storedSplit.b : storedSplit.a)
        let per = array.shape.dropFirst().reduce(1, *)
        var values = [Float](repeating: 0, count: per * range.count)
        try values.withUnsafeMutableBytes { raw in
            try dataset.read(start: [range.lowerBound] + [Int](repeating: 0, count: array.shape.count - 1),
                             count: [range.count] + array.shape.dropFirst(), memType: chdf5_native_float(), into: raw.baseAddress!)
        }
        return values
    }

    private func readImages(_ dataset: HDF5Dataset, _ array: HDF5ImageArray, _ range: Range<Int>, side: String) throws -> [Image] {
        let n = range.count
        let (w, h, c) = (array.width, array.height, array.channels)
        let per = w * h * c
        let start = [range.lowerBound] + [Int](repeating: 0, count: array.shape.count - 1)
        let count = [n] + array.shape.dropFirst()
        var bytes = [UInt8](repeating: 0, count: per * n)
        if array.elementType == .uint8 {
            try bytes.withUnsafeMutableBytes { raw in
                try dataset.read(start: start, count: count, memType: chdf5_native_uint8(), into: raw.baseAddress!)
            }
        } else {
            var floats = [Float](repeating: 0, count: per * n)
            try floats.withUnsafeMutableBytes { raw in
                try dataset.read(start: start, count: count, memType: chdf5_native_float(), into: raw.baseAddress!)
            }
            if case .float = array.elementType, let bad = NonFiniteCount.firstItem(in: floats, itemSize: per) {
                throw ImagingError.nonFinite(path: name, dataset: array.dataset, split: split, index: range.lowerBound + bad.item,
                                             nan: bad.count.nan, infinite: bad.count.infinite)
            }
            floats.withUnsafeBufferPointer { src in
                bytes.withUnsafeMutableBufferPointer { dst in ck_img_f32_to_u8(src.baseAddress!, dst.baseAddress!, src.count) }
            }
        }
        return bytes.withUnsafeBufferPointer { all in
            (0..<n).map { i in
                Image(width: w, height: h, channels: c) { out in
                    let src = all.baseAddress! + i * per
                    if array.axes == .nchw && c > 1 {
                        ck_img_chw_to_hwc(src, out.baseAddress!, Int32(c), Int32(h), Int32(w))
                    } else {
                        out.baseAddress!.update(from: src, count: per)
                    }
                }
            }
        }
    }
}

/// NaN and infinity counts of float data.
struct NonFiniteCount: Sendable, Equatable {
    var nan = 0
    var infinite = 0
    var total: Int { nan + infinite }

    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        for v in values where !v.isFinite {
            if v.isNaN { nan += 1 } else { infinite += 1 }
        }
    }

    /// The first item (of `itemSize` values) holding a non-finite value, with that item's counts.
    static func firstItem(in values: [Float], itemSize: Int) -> (item: Int, count: NonFiniteCount)? {
        values.withUnsafeBufferPointer { all in
            guard itemSize > 0, all.contains(where: { !$0.isFinite }) else { return nil }
            for item in 0..<(all.count / itemSize) {
                var count = NonFiniteCount()
                count.add(UnsafeBufferPointer(rebasing: all[(item * itemSize)..<((item + 1) * itemSize)]))
                if count.total > 0 { return (item, count) }
            }
            return nil
        }
    }
}
