import Foundation

/// Atomic writes for report files: the text goes to a temporary file in the destination's
/// directory, is flushed to disk, and is renamed over the destination. A reader (a browser
/// reloading `report.html`, a watcher on `loss.svg`) sees the old file or the new one, never a
/// part of one; a crash leaves at most a hidden `.NAME.tmp-XXXXXX` file behind.
public enum ReportFile {
    /// Writes `text` as UTF-8 to `url` atomically (mode 0644). The directory must exist.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }

    /// Writes `bytes` to `url` atomically (mode 0644). The directory must exist.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let path = url.path
        let parent = url.deletingLastPathComponent().path
        let directory = parent.isEmpty ? "." : parent
        var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw posixError(path, "create a temporary file in \(directory)") }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var committed = false
        defer { if !committed { unlink(tempPath) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, 0o644) == 0 else { throw posixError(path, "chmod") }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { buffer in
                    Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw posixError(path, "write")
                }
                offset += n
            }
            guard fsync(fd) == 0 else { throw posixError(path, "fsync") }
        }
        guard rename(tempPath, path) == 0 else { throw posixError(path, "rename") }
        committed = true
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            defer { close(dfd) }
            guard fsync(dfd) == 0 else { throw posixError(directory, "fsync directory") }
        }
    }

    private static func posixError(_ file: String, _ operation: String) -> ReportError {
        .io(file: file, operation: operation, message: String(cString: strerror(errno)))
    }
}
