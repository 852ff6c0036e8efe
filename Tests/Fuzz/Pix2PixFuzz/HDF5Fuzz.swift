import Foundation
import Imaging

/// HDF5 pair files, as `data inspect`, `eval --data`, `train --data` and `translate` open them: the
/// bytes go to a temporary file (libhdf5 reads files), then layout detection, every split opened,
/// and its first and last pair read. Declared shapes are untrusted: a 4 KB file may claim 2^40
/// pairs or 65536² images, so run this target with -rss_limit_mb / -malloc_limit_mb.
enum HDF5Fuzz {
    /// One file per process, rewritten for each input (under /dev/shm when it exists: no disk I/O).
    static let path: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/pix2pix-fuzz-\(getpid()).h5"
    }()

    static func run(_ bytes: [UInt8]) {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("cannot write the temporary HDF5 file \(path)")
        }
        defer { unlink(path) }
        guard let description = try? HDF5PairedDataset.describe(path: path) else { return }
        for split in description.splits {
            guard let dataset = try? HDF5PairedDataset(path: path, split: split.name) else { continue }
            if dataset.count > 0 {
                _ = try? dataset.pair(at: 0)
                _ = try? dataset.pair(at: dataset.count - 1)
            }
        }
    }
}
