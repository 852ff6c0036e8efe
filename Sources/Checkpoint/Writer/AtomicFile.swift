import Foundation

/// Atomic file replacement: write a temporary file in the destination's directory, fsync it, rename
/// it over the destination, fsync the directory. Readers see the old file or the new one, never a
/// part; a crash leaves at most a hidden `.NAME.tmp-XXXXXX` file behind.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically (mode 0644).
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { sink in try sink.write(bytes) }
    }

    static func write(to url: URL, _ body: (inout FileSink) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let dir = directory.isEmpty ? "." : directory
        var template = Array("\(dir)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CheckpointError.io(file: path, operation: "create temporary file in \(dir)", message: String(cString: strerror(errno)))
        }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var committed = false
        defer { if !committed { unlink(tempPath) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, 0o644) == 0 else { throw posixError(path, "chmod") }
            var sink = FileSink(fd: fd, name: path)
            try body(&sink)
            try sink.flush()
            guard fsync(fd) == 0 else { throw posixError(path, "fsync") }
        }
        guard rename(tempPath, path) == 0 else { throw posixError(path, "rename") }
        committed = true
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            defer { close(dfd) }
            guard fsync(dfd) == 0 else { throw posixError(dir, "fsync directory") }
        }
    }

    private static func posixError(_ file: String, _ operation: String) -> CheckpointError {
        .io(file: file, operation: operation, message: String(cString: strerror(errno)))
    }
}
