import Base
import Foundation

/// Lists image files (png / jpg / jpeg, any case) under `path` recursively, sorted by path.
/// Hidden files and folders (names starting with ".") are skipped. A file path is returned as is.
public func findImageFiles(under path: String) throws -> [String] {
    if !FileIO.isDirectory(path) {
        guard FileIO.exists(path) else { throw ImagingError.io(path: path, reason: "no such file or directory") }
        return [path]
    }
    guard let enumerator = FileManager.default.enumerator(
        at: URL(fileURLWithPath: path), includingPropertiesForKeys: [.isRegularFileKey],
        options: [.skipsHiddenFiles])
    else { throw ImagingError.io(path: path, reason: "cannot list the directory") }
    var files: [String] = []
    for case let url as URL in enumerator where imageFileExtensions.contains(url.pathExtension.lowercased()) {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url.path) }
    }
    return files.sorted()
}

/// The PyTorch reference's "aligned" format: every image file holds A and B side by side.
///
/// The left half (x < W/2) is A and the right half (W/2 ≤ x < 2·(W/2)) is B, so both halves have
/// the same size; with an odd width the last column is ignored. Files are found recursively and
/// sorted by path. Channels: gray files give 1-channel halves, colour files 3-channel halves; pass
/// `channelsA` / `channelsB` to convert (the reference's input_nc / output_nc), otherwise the
/// values from `dataset.json` (written by our builder) or the first file are used.
public final class AlignedFolderDataset: PairedDataset, @unchecked Sendable {
    public let name: String
    public let files: [String]
    public let direction: PairDirection
    public let count: Int
    public let width: Int
    public let height: Int
    public let channelsA: Int
    public let channelsB: Int
    /// Contents of `dataset.json` next to the images (our builder's metadata), when present:
    /// strings as they are, other values as compact JSON.
    public let metadata: [String: String]

    /// - Parameters:
    ///   - directory: the folder with the images, or a root holding a `split` sub-folder.
    ///   - split: used when `directory/split` exists (the reference's dataroot/phase).
    public init(directory: String, split: String? = "train", direction: PairDirection = .aToB,
                channelsA: Int? = nil, channelsB: Int? = nil) throws {
        var folder = directory
        if let split, FileIO.isDirectory(directory + "/" + split) { folder = directory + "/" + split }
        guard FileIO.isDirectory(folder) else { throw ImagingError.io(path: folder, reason: "not a directory") }
        for c in [channelsA, channelsB].compactMap({ $0 }) where c != 1 && c != 3 {
            throw ImagingError.invalidArgument(operation: "AlignedFolderDataset", message: "channels must be 1 or 3, got \(c)")
        }
        let found = try findImageFiles(under: folder)
        guard let first = found.first else {
            throw ImagingError.noImages(path: folder, hint: "an aligned dataset is a folder of .png / .jpg files, each A|B side by side")
        }
        var meta: [String: String] = [:]
        for candidate in [folder + "/dataset.json", directory + "/dataset.json"] where FileIO.exists(candidate) {
            if let bytes = try? FileIO.readAll(candidate),
               let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
                for (k, v) in object {
                    if let string = v as? String {
                        meta[k] = string
                    } else if JSONSerialization.isValidJSONObject([v]),
                              let data = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys, .withoutEscapingSlashes]) {
                        meta[k] = String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())   // strip the [ ]
                    }
                }
                break
            }
        }
        let info = try Image.readInfo(path: first)
        guard info.width >= 2 else {
            throw ImagingError.mismatch(path: first, message: "image is \(info.width) pixel(s) wide; an aligned file needs A and B side by side")
        }
        name = folder
        files = found
        self.direction = direction
        count = found.count
        width = info.width / 2
        height = info.height
        metadata = meta
        let storedA = meta["channels_a"].flatMap(Int.init) ?? info.channels
        let storedB = meta["channels_b"].flatMap(Int.init) ?? info.channels
        let (natA, natB) = direction == .aToB ? (storedA, storedB) : (storedB, storedA)
        self.channelsA = channelsA ?? natA
        self.channelsB = channelsB ?? natB
    }

    public func pair(at index: Int) throws -> (a: Image, b: Image) {
        try checkIndex(index)
        let path = files[index]
        let image = try Image.read(path: path)
        guard image.width >= 2 else {
            throw ImagingError.mismatch(path: path, message: "image is \(image.width) pixel(s) wide; an aligned file needs A and B side by side")
        }
        let half = image.width / 2
        let left = image.cropped(x: 0, y: 0, width: half, height: image.height)
        let right = image.cropped(x: half, y: 0, width: half, height: image.height)
        let (a, b) = direction == .aToB ? (left, right) : (right, left)
        return (a.converted(toChannels: channelsA), b.converted(toChannels: channelsB))
    }
}

/// Writes an aligned A|B folder: `<out>/<split>/<00001>.png` (A left, B right; a gray half is
/// stored as RGB when the other half is RGB) plus `<out>/dataset.json` with the metadata.
///
/// Everything is written into a temporary sibling folder that `finish()` renames to `<out>`; a
/// failed or abandoned build leaves no partial output.
public final class AlignedFolderWriter {
    public let path: String
    private let staged: StagedOutput
    private var counts: [String: Int] = [:]
    private var metadata: [String: Any] = [:]
    private var finished = false

    public init(path: String, overwrite: Bool = false) throws {
        if FileIO.exists(path) {
            if !overwrite { throw ImagingError.outputExists(path: path) }
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileIO.isDirectory(parent) else { throw ImagingError.io(path: path, reason: "the directory \(parent) does not exist") }
        self.path = path
        staged = try StagedOutput(destination: URL(fileURLWithPath: path), kind: .directory)
    }

    deinit {
        if !finished { abandon() }
    }

    public func count(split: String) -> Int { counts[split] ?? 0 }

    /// Appends one pair as `<split>/<index>.png`; A and B must have the same size.
    public func append(a: Image, b: Image, split: String) throws {
        guard !finished else {
            throw ImagingError.invalidArgument(operation: "AlignedFolderWriter.append", message: "the writer for \(path) is already finished")
        }
        guard a.width == b.width, a.height == b.height else {
            throw ImagingError.mismatch(path: path, message: "A is \(a.width)x\(a.height) but B is \(b.width)x\(b.height); aligned pairs need equal sizes")
        }
        let dir = staged.path + "/" + split
        if counts[split] == nil { try FileIO.makeDirectories(dir) }
        let index = (counts[split] ?? 0) + 1
        let image = try Image.horizontalConcatenation([a, b])
        try staged.writeFile(try image.pngData(), at: split + "/" + String(format: "%05d.png", index))
        counts[split] = index
    }

    /// Metadata stored in `dataset.json` (JSON-serialisable values).
    public func setMetadata(_ key: String, _ value: Any) {
        metadata[key] = value
    }

    public func finish() throws {
        guard !finished else { return }
        do {
            var meta = metadata
            meta["counts"] = counts
            let json = try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted])
            try staged.writeFile([UInt8](json), at: "dataset.json")
            // A directory cannot be renamed over a non-empty one: the old output is removed first
            // (only with --overwrite; the writer refuses an existing path otherwise).
            if FileIO.exists(path) { try? FileManager.default.removeItem(atPath: path) }
            try staged.commit()
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    public func abandon() {
        staged.abandon()
        finished = true
    }
}
