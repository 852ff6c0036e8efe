import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers: whole-file reads with errno reasons, and atomic writes
/// (temporary file in the same directory, fsync, rename, fsync of the directory).
enum FileIO {
    static func errnoReason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Reads a whole file.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImagingError.io(path: path, reason: "cannot open: \(errnoReason())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImagingError.io(path: path, reason: "cannot stat: \(errnoReason())") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw ImagingError.io(path: path, reason: "is a directory, not a file") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImagingError.io(path: path, reason: "read failed: \(errnoReason())")
            }
            if n == 0 { bytes.removeLast(size - done); break }
            done += n
        }
        return bytes
    }

    /// A unique temporary path next to `path` (same directory, so rename is atomic).
    static func temporarySibling(of path: String, tag: String = "partial") -> String {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var rng = SystemRandomNumberGenerator()
        let token = String(rng.next() & 0xFFFF_FFFF, radix: 16)
        return dir + "/." + url.lastPathComponent + ".\(tag)-\(getpid())-\(token)"
    }

    /// Writes `bytes` to `path` atomically: the file either keeps its old content or gets the new one.
    static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let tmp = temporarySibling(of: path)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImagingError.io(path: path, reason: "cannot create a temporary file next to it: \(errnoReason())")
        }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoReason()
                close(fd)
                throw ImagingError.io(path: path, reason: "write failed: \(reason)")
            }
            done += n
        }
        guard fsync(fd) == 0 else {
            let reason = errnoReason()
            close(fd)
            throw ImagingError.io(path: path, reason: "fsync failed: \(reason)")
        }
        close(fd)
        try commit(temporary: tmp, to: path)
        ok = true
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try writeAtomically($0, to: path) }
    }

    /// fsyncs an already-written temporary file or directory tree root, renames it over `path`, and
    /// fsyncs the parent directory so the rename itself is durable.
    static func commit(temporary tmp: String, to path: String) throws {
        let fd = open(tmp, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
        guard rename(tmp, path) == 0 else {
            throw ImagingError.io(path: path, reason: "cannot move the finished file into place: \(errnoReason())")
        }
        syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a file or a directory tree; errors are ignored (used for clean-up of partial output).
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates `path` and its parents.
    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ImagingError.io(path: path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }
}
