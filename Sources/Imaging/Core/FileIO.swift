import Base
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers for reading: whole-file reads with errno reasons, existence checks.
/// Writes go through `Base`'s `AtomicFile` and `StagedOutput`.
enum FileIO {
    static func errnoReason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Reads a whole regular file; a FIFO, device or directory is refused before anything is read
    /// (it would block or never end).
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd: Int32
        do { fd = try FileKind.openRegularFile(path) } catch {
            throw ImagingError.io(path: path, reason: "cannot open: \(error.message)" + (error.suggestion.map { ". Hint: \($0)" } ?? ""))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImagingError.io(path: path, reason: "cannot stat: \(errnoReason())") }
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

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its parents.
    static func makeDirectories(_ path: String) throws {
        do { try FileError.makeDirectories(path) } catch {
            throw ImagingError.io(path: path, reason: "cannot create the folder: \(error.message). Hint: \(error.hint)")
        }
    }
}

extension FileIO {
    /// The size in bytes of the file at `path` (following links), nil when it cannot be stat'ed.
    static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }
}
