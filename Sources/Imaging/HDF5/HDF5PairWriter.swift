import Base
import CHDF5
import Foundation

/// Writes a dataset in our HDF5 layout: for each split, `split/A` and `split/B`, uint8 N×H×W×C,
/// extendible and chunked one pair per chunk, so pairs are appended one at a time with bounded
/// memory. Root attributes describe the provenance; an optional `meta/manifest` dataset holds a
/// JSON document (UTF-8 bytes).
///
/// The file is built under a temporary name in the destination directory and renamed into place
/// by `finish()`; until then (and if anything fails, or the writer is dropped) the destination is
/// untouched. Equal content gives byte-identical files (object time stamps are off).
public final class HDF5PairWriter {
    public let path: String
    public let width: Int
    public let height: Int
    public let channelsA: Int
    public let channelsB: Int
    public let splits: [String]

    private let staged: StagedOutput
    private var file: HDF5File?
    private var datasets: [String: (a: HDF5Dataset, b: HDF5Dataset)] = [:]
    private var attributes: [String: HDF5AttributeValue] = [:]
    private var manifest: [UInt8]?
    private var finished = false

    /// - Parameters:
    ///   - splits: the groups to create (each may stay empty).
    ///   - overwrite: replace an existing file at `path` (atomically, at `finish()`).
    public init(path: String, width: Int, height: Int, channelsA: Int, channelsB: Int,
                splits: [String] = ["train", "val"], overwrite: Bool = false) throws {
        try Image.checkShape(width: width, height: height, channels: channelsA, operation: "HDF5PairWriter (A)")
        try Image.checkShape(width: width, height: height, channels: channelsB, operation: "HDF5PairWriter (B)")
        guard !splits.isEmpty, Set(splits).count == splits.count,
              splits.allSatisfy({ !$0.isEmpty && !$0.contains("/") && $0 != "meta" }) else {
            throw ImagingError.invalidArgument(operation: "HDF5PairWriter", message: "splits must be distinct plain names (not 'meta'), got \(splits)")
        }
        if FileIO.exists(path) && !overwrite { throw ImagingError.outputExists(path: path) }
        if FileIO.isDirectory(path) { throw ImagingError.io(path: path, reason: "is a directory; give a file name ending in .h5") }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileIO.isDirectory(parent) else { throw ImagingError.io(path: path, reason: "the directory \(parent) does not exist") }
        self.path = path
        self.width = width
        self.height = height
        self.channelsA = channelsA
        self.channelsB = channelsB
        self.splits = splits
        staged = try StagedOutput(destination: URL(fileURLWithPath: path), kind: .file)
        do {
            let file = try HDF5File.create(staged.path, name: path)
            self.file = file
            for split in splits {
                try file.createGroup(split)
                let a = try HDF5Dataset(creatingIn: file, name: "\(split)/A", fileType: chdf5_std_u8le(), itemShape: [height, width, channelsA])
                let b = try HDF5Dataset(creatingIn: file, name: "\(split)/B", fileType: chdf5_std_u8le(), itemShape: [height, width, channelsB])
                datasets[split] = (a, b)
            }
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Number of pairs appended to `split` so far.
    public func count(split: String) -> Int { datasets[split]?.a.shape[0] ?? 0 }

    /// Appends one pair to `split`. A and B must have the writer's size and channels.
    public func append(a: Image, b: Image, split: String) throws {
        guard !finished, file != nil else {
            throw ImagingError.invalidArgument(operation: "HDF5PairWriter.append", message: "the writer for \(path) is already finished or abandoned")
        }
        guard let ds = datasets[split] else {
            throw ImagingError.invalidArgument(operation: "HDF5PairWriter.append", message: "unknown split '\(split)'; this file has \(splits)")
        }
        guard a.width == width, a.height == height, a.channels == channelsA,
              b.width == width, b.height == height, b.channels == channelsB else {
            throw ImagingError.mismatch(path: path, message: "pair of A \(a.width)x\(a.height)x\(a.channels) and B \(b.width)x\(b.height)x\(b.channels) does not match the dataset's A \(width)x\(height)x\(channelsA) / B \(width)x\(height)x\(channelsB)")
        }
        do {
            try a.withUnsafeBytes { try ds.a.append($0.baseAddress!, memType: chdf5_native_uint8()) }
            try b.withUnsafeBytes { try ds.b.append($0.baseAddress!, memType: chdf5_native_uint8()) }
        } catch {
            if file?.writeFailure != nil { abandon() }        // a failed write (full disk) ends the file
            throw error
        }
    }

    /// Sets a root attribute (written at `finish()`, in name order).
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) {
        attributes[name] = value
    }

    /// Stores `json` as the `meta/manifest` dataset (uint8 bytes).
    public func setManifest(json: [UInt8]) {
        manifest = json
    }

    /// Writes attributes and the manifest, closes the file and renames it into place.
    public func finish() throws {
        guard !finished, let file else {
            throw ImagingError.invalidArgument(operation: "HDF5PairWriter.finish", message: "the writer for \(path) is already finished or abandoned")
        }
        do {
            for key in attributes.keys.sorted() { try file.setAttribute(key, attributes[key]!) }
            if let manifest {
                try file.createGroup("meta")
                try HDF5Dataset.writeBytes(manifest, in: file, name: "meta/manifest")
            }
            try file.checkSpaceForClose(stagedPath: staged.path)
            datasets = [:]                               // closes the datasets, then the file
            self.file = nil
            try file.close()
            try staged.commit()
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    /// Makes every later write of the library fail with ENOSPC, as on a full disk (tests of the
    /// error paths; see `HDF5File.redirectDescriptor(to:)`).
    func simulateFullDisk() throws {
        try file?.redirectDescriptor(to: "/dev/full")
    }

    /// Drops everything written so far; the destination is left as it was. The library's
    /// objects are closed datasets first, then the file, with writes discarded so that closing
    /// cannot fail (and crash libhdf5) on a full disk.
    public func abandon() {
        file?.discardWrites()
        datasets = [:]
        file = nil
        staged.abandon()
        finished = true
    }
}
