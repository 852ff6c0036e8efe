#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system operation that failed, with the path, what was being done and the system's reason.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory at fault.
    public var path: String
    /// What was being done: "create a temporary file in /x", "write", "fsync", "rename", ….
    public var operation: String
    /// The system's reason (`strerror(errno)`) or a plain explanation.
    public var message: String
    /// The errno value, when the failure came from a system call.
    public var code: Int32?
    /// A hint that fits better than the one `code` implies (e.g. for a FIFO given as a file).
    public var suggestion: String?

    public init(path: String, operation: String, message: String, code: Int32? = nil, suggestion: String? = nil) {
        self.path = path
        self.operation = operation
        self.message = message
        self.code = code
        self.suggestion = suggestion
    }

    /// The failure of the system call that just set `errno`.
    public static func posix(_ path: String, _ operation: String, code: Int32 = errno) -> FileError {
        FileError(path: path, operation: operation, message: String(cString: strerror(code)), code: code)
    }

    public var hint: String {
        if let suggestion { return suggestion }
        switch code {
        case ENOSPC?, EDQUOT?: return "free some disk space, or write elsewhere"
        case EACCES?, EPERM?, EROFS?: return "check the permissions of the folder, or write elsewhere"
        case ENOENT?: return "check that the folder exists"
        default: return "check the path and the disk"
        }
    }

    public var description: String { "\(path): cannot \(operation): \(message). Hint: \(hint)" }
}
