import Foundation

/// A file or folder built under a hidden name next to its destination and made visible in one
/// rename: write, ``commit(replacing:contentSynced:)`` (fsync, rename, fsync the parent) or ``abandon()``.
///
/// Used for whatever is too large or too structured for ``AtomicFile``: HDF5 files written by
/// libhdf5, aligned-image folders, zoo versions, epoch snapshots. A crash leaves only a hidden
/// `.NAME.staging-…` entry, never a half-written destination; ``isStagingName(_:)`` recognises
/// such debris.
public final class StagedOutput: @unchecked Sendable {
    public enum Kind: Sendable { case file, directory }

    /// The final location.
    public let destination: URL
    public let kind: Kind
    /// Where to write until ``commit(replacing:contentSynced:)``: a new empty file or directory.
    public let url: URL
    public var path: String { url.path }
    private var finished = false

    /// The marker in every staging name.
    public static let marker = ".staging-"

    /// Creates the staging file or directory next to `destination` (its directory must exist).
    public init(destination: URL, kind: Kind) throws(FileError) {
        self.destination = destination
        self.kind = kind
        let parent = destination.deletingLastPathComponent().path
        let dir = parent.isEmpty ? "." : parent
        var template = Array("\(dir)/.\(destination.lastPathComponent)\(Self.marker)XXXXXX".utf8CString)
        switch kind {
        case .file:
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw FileError.posix(destination.path, "create a temporary file in \(dir)") }
            defer { close(fd) }
            guard fchmod(fd, 0o644) == 0 else {
                let error = FileError.posix(destination.path, "chmod the temporary file")
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                throw error
            }
        case .directory:
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            guard made != nil else { throw FileError.posix(destination.path, "create a temporary folder in \(dir)") }
            let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            guard chmod(path, 0o755) == 0 else {
                let error = FileError.posix(destination.path, "chmod the temporary folder")
                rmdir(path)
                throw error
            }
        }
        url = URL(fileURLWithPath: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Writes a file inside a staged directory (`relativePath` under ``url``, parents created).
    /// No fsync per file: ``commit(replacing:contentSynced:)`` syncs the whole tree once.
    public func writeFile(_ bytes: [UInt8], at relativePath: String) throws {
        precondition(kind == .directory, "writeFile(_:at:) is for staged directories")
        let target = url.appendingPathComponent(relativePath)
        let parent = target.deletingLastPathComponent()
        try FileError.makeDirectories(parent.path)
        let fd = open(target.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.posix(target.path, "create") }
        defer { close(fd) }
        var sink = FileSink(fd: fd, name: target.path)
        try sink.write(bytes)
        try sink.flush()
    }

    /// Whether `name` (a file name, not a path) is a staging entry left by an interrupted write.
    public static func isStagingName(_ name: String) -> Bool { name.hasPrefix(".") && name.contains(marker) }

    /// Flushes the staged content to disk and renames it to ``destination``. With `replacing`
    /// false an existing destination is an error (`EEXIST`) and stays untouched; with true a file
    /// is replaced atomically (a directory can only replace an empty one).
    /// `contentSynced`: the caller already fsynced the content (``AtomicFile`` does).
    public func commit(replacing: Bool = true, contentSynced: Bool = false) throws(FileError) {
        precondition(!finished, "StagedOutput committed or abandoned twice")
        if !contentSynced { Self.syncTree(url.path, kind: kind) }
        if !replacing {
            var st = stat()
            if lstat(destination.path, &st) == 0 {
                throw FileError(path: destination.path, operation: "publish", message: "it already exists", code: EEXIST)
            }
        }
        guard rename(url.path, destination.path) == 0 else { throw FileError.posix(destination.path, "rename \(url.lastPathComponent) into place") }
        finished = true
        Self.syncDirectory(destination.deletingLastPathComponent().path)
    }

    /// Removes the staged file or folder (nothing reaches the destination).
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(at: url)
    }

    /// fsyncs a file, or every file and folder under a directory.
    static func syncTree(_ path: String, kind: Kind) {
        if kind == .directory, let walker = FileManager.default.enumerator(atPath: path) {
            for case let relative as String in walker { syncPath(path + "/" + relative) }
        }
        syncPath(path)
    }

    static func syncPath(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// fsyncs a directory so that a rename inside it is durable.
    public static func syncDirectory(_ path: String) {
        syncPath(path.isEmpty ? "." : path)
    }
}
