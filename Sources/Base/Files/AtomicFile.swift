import Foundation

/// Atomic file replacement: the bytes go to a hidden temporary file in the destination's directory
/// (`.NAME.tmp-XXXXXX`), which is fsynced, renamed over the destination, and the directory fsynced.
/// Readers see the old file or the new one, never a part; a crash leaves at most the hidden
/// temporary file behind.
///
/// Every file Pix2PixZoo writes goes through here or through ``StagedOutput`` (a whole file or
/// folder produced by a library such as HDF5, committed by rename).
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically (mode 0644). The directory must exist. Throws ``FileError``.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { sink in try sink.write(bytes) }
    }

    /// Writes `text` as UTF-8 to `url` atomically (mode 0644). The directory must exist.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }

    /// Writes `data` to `url` atomically (mode 0644). The directory must exist.
    public static func write(_ data: Data, to url: URL) throws {
        try write([UInt8](data), to: url)
    }

    /// Copies `source` to `destination` atomically, streaming 1 MiB at a time (bounded memory).
    public static func copy(_ source: URL, to destination: URL) throws {
        let fd = open(source.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.posix(source.path, "open") }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try write(to: destination) { sink in
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.posix(source.path, "read")
                }
                if n == 0 { break }
                try chunk.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
    }

    /// Streams a file: `body` writes into a buffered sink; the file appears at `url` only when
    /// `body` returns and everything is on disk. An error from `body` (or a ``FileError``) leaves
    /// `url` untouched.
    public static func write(to url: URL, _ body: (inout FileSink) throws -> Void) throws {
        let staged = try StagedOutput(destination: url, kind: .file)
        do {
            let fd = open(staged.path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileError.posix(url.path, "open the temporary file \(staged.path)") }
            do {
                defer { close(fd) }
                var sink = FileSink(fd: fd, name: url.path)
                try body(&sink)
                try sink.flush()
                guard fsync(fd) == 0 else { throw FileError.posix(url.path, "fsync") }
            }
            try staged.commit(contentSynced: true)
        } catch {
            staged.abandon()
            throw error
        }
    }
}

/// Buffered writes to an open descriptor (1 MiB); ``flush()`` before fsync. Throws ``FileError``.
public struct FileSink {
    public let fd: Int32
    /// The destination's path, for error messages.
    public let name: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(FileSink.capacity)
    }

    public mutating func write(_ b: UnsafeRawBufferPointer) throws {
        if buffer.count + b.count > FileSink.capacity { try flush() }
        if b.count >= FileSink.capacity { try writeAll(b); return }
        buffer.append(contentsOf: b)
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public mutating func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ b: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < b.count {
            let n = Foundation.write(fd, b.baseAddress! + done, b.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.posix(name, "write")
            }
            done += n
        }
    }
}
