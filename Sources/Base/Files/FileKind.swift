#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names, from `stat` (symbolic links followed): readers check it **before** opening,
/// because opening a FIFO blocks until a writer appears and a device may never end.
///
/// ```swift
/// let fd = try FileKind.openRegularFile(path)   // a FIFO or device throws, it never hangs
/// ```
public enum FileKind: Sendable, Equatable, CustomStringConvertible {
    case regularFile, directory, fifo, socket, characterDevice, blockDevice, other

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        default: self = .other
        }
    }

    /// What `path` is (links followed); nil when it does not exist or cannot be examined.
    public static func of(_ path: String) -> FileKind? {
        var st = stat()
        return stat(path, &st) == 0 ? FileKind(mode: st.st_mode) : nil
    }

    /// "a FIFO (named pipe)", "a directory", … for messages.
    public var description: String {
        switch self {
        case .regularFile: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO (named pipe)"
        case .socket: return "a socket"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .other: return "not a regular file"
        }
    }

    /// Throws a ``FileError`` naming `path` unless it exists and is a regular file (`stat`, so
    /// nothing is opened). `what` says what the file was meant to be ("checkpoint", "model card").
    public static func requireRegularFile(_ path: String, what: String = "file") throws(FileError) {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileError.posix(path, "read the \(what)") }
        let kind = FileKind(mode: st.st_mode)
        guard kind == .regularFile else { throw FileError.wrongKind(path, kind, expected: .regularFile, what: what) }
    }

    /// Throws a ``FileError`` naming `path` unless it exists and is a directory.
    public static func requireDirectory(_ path: String, what: String = "folder") throws(FileError) {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileError.posix(path, "open the \(what)") }
        let kind = FileKind(mode: st.st_mode)
        guard kind == .directory else { throw FileError.wrongKind(path, kind, expected: .directory, what: what) }
    }

    /// Opens a regular file for reading without ever blocking on a FIFO or a device: the open is
    /// non-blocking and the opened descriptor is checked with `fstat` (no window between a check
    /// and the open). Returns the descriptor (blocking again); the caller closes it.
    public static func openRegularFile(_ path: String, what: String = "file") throws(FileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw FileError.posix(path, "open the \(what)") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = FileError.posix(path, "examine the \(what)")
            close(fd)
            throw error
        }
        let kind = FileKind(mode: st.st_mode)
        guard kind == .regularFile else {
            close(fd)
            throw FileError.wrongKind(path, kind, expected: .regularFile, what: what)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }
}

extension FileError {
    /// `path` is `kind` where a `expected` was needed.
    public static func wrongKind(_ path: String, _ kind: FileKind, expected: FileKind, what: String) -> FileError {
        FileError(path: path, operation: "use it as the \(what)", message: "it is \(kind), not \(expected)",
                  code: kind == .directory ? EISDIR : (expected == .directory ? ENOTDIR : nil),
                  suggestion: expected == .directory ? "give the path of a folder" : "give the path of a regular file (FIFOs, devices and sockets are not read)")
    }
}

extension FileError {
    /// Creates the folder `path` and its missing parents (`mkdir -p`) with the system's reason on
    /// failure — a file in the way is named as such, never as Foundation's raw error text.
    public static func makeDirectories(_ path: String, what: String = "folder") throws(FileError) {
        var st = stat()
        if stat(path, &st) == 0 {
            let kind = FileKind(mode: st.st_mode)
            guard kind == .directory else { throw wrongKind(path, kind, expected: .directory, what: what) }
            return
        }
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if let slash = trimmed.lastIndex(of: "/") {
            let parent = String(trimmed[..<slash])
            if !parent.isEmpty { try makeDirectories(parent, what: what) }
        }
        if mkdir(path, 0o755) != 0 {
            let code = errno
            guard code == EEXIST, FileKind.of(path) == .directory else { throw posix(path, "create the \(what)", code: code) }
        }
    }
}

/// Paths compared as the file system sees them: two spellings of one file (`./a.png`, `a.png`,
/// a path through a symbolic link) resolve to the same string, so outputs can be checked against
/// inputs and against each other before anything is written.
public enum RealPath {
    /// `path` made absolute, `.` and `..` removed and symbolic links resolved as far as the path
    /// exists; the part that does not exist yet (an output to be created) is appended as written.
    public static func of(_ path: String) -> String {
        let cwd = currentDirectory
        var absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        // Drop "." and resolve ".." lexically for the part that may not exist.
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        absolute = "/" + parts.joined(separator: "/")
        // The longest existing prefix goes through realpath(3); the rest is appended.
        var existing = parts.count
        while existing > 0 {
            let prefix = "/" + parts[0..<existing].joined(separator: "/")
            if let resolved = realpath(prefix, nil) {
                defer { free(resolved) }
                let rest = parts[existing...].joined(separator: "/")
                let base = String(cString: resolved)
                return rest.isEmpty ? base : (base == "/" ? "/" + rest : base + "/" + rest)
            }
            existing -= 1
        }
        return absolute
    }

    /// The working directory (getcwd(3)).
    static var currentDirectory: String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// Whether `path` is `folder` or lies inside it (both already resolved by ``of(_:)``).
    public static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
    }
}
