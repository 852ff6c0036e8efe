/// Which side of a stored pair is the model's input.
///
/// Stored pairs are (A, B) = (input-like, photo-like): our builder writes the gray / edge image as A
/// and the photo as B. `aToB` trains A → B; `bToA` swaps them (the reference's --direction).
public enum PairDirection: String, Codable, Sendable, CaseIterable {
    case aToB = "AtoB"
    case bToA = "BtoA"
}

/// A finite, indexable set of (A, B) image pairs, the trainer's view of data.
///
/// Pairs are returned in the dataset's own channels (see `channelsA` / `channelsB`); `PairLoader`
/// converts, resizes, crops, flips and batches them.
public protocol PairedDataset: AnyObject, Sendable {
    /// A file or directory path, for messages.
    var name: String { get }
    /// Number of pairs.
    var count: Int { get }
    /// Width and height of pair 0 (HDF5 datasets have one size; aligned folders may vary per file,
    /// the loader resizes every pair to its load size).
    var width: Int { get }
    var height: Int { get }
    /// 1 or 3, after the direction is applied.
    var channelsA: Int { get }
    var channelsB: Int { get }
    /// Pair `index` (0..<count), direction applied. A and B always have the same size.
    func pair(at index: Int) throws -> (a: Image, b: Image)
    /// Pairs `range`, read in one go where the format allows it (HDF5 hyperslabs).
    func pairs(in range: Range<Int>) throws -> [(a: Image, b: Image)]
}

extension PairedDataset {
    public func pairs(in range: Range<Int>) throws -> [(a: Image, b: Image)] {
        try range.map { try pair(at: $0) }
    }

    func checkIndex(_ index: Int) throws {
        guard index >= 0, index < count else {
            throw ImagingError.invalidArgument(operation: "pair(at:)", message: "index \(index) is outside 0..<\(count) of \(name)")
        }
    }
}

/// Opens a dataset by path: an HDF5 file (any known layout) or an aligned A|B folder.
///
/// - Parameters:
///   - split: "train", "val" or "test"; for folders, the sub-folder of that name when it exists.
///   - direction: `.bToA` swaps A and B.
public func openPairedDataset(path: String, split: String = "train", direction: PairDirection = .aToB) throws -> any PairedDataset {
    if FileIO.isDirectory(path) {
        return try AlignedFolderDataset(directory: path, split: split, direction: direction)
    }
    return try HDF5PairedDataset(path: path, split: split, direction: direction)
}
