import Base
import Foundation

/// Random-access bytes to read a checkpoint from: a file (positional reads, so several threads can
/// read at once and nothing is mapped — a file shrinking underneath gives an error, not SIGBUS) or
/// memory.
protocol ByteSource: Sendable {
    var name: String { get }
    var size: Int { get }
    /// Fills `buffer` from `offset`; throws when the bytes are not all there.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws
}

extension ByteSource {
    func read(count: Int, at offset: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        return out
    }
}

final class FileSource: ByteSource, @unchecked Sendable {  // immutable after init; pread is thread-safe
    let name: String
    let size: Int
    private let fd: Int32

    init(path: String) throws {
        name = path
        // Non-blocking open, then fstat: a FIFO or a device is refused instead of hanging the reader.
        let fd: Int32
        do { fd = try FileKind.openRegularFile(path, what: "checkpoint") } catch {
            throw CheckpointError.io(file: path, operation: "open", message: error.message)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw CheckpointError.io(file: path, operation: "stat", message: message)
        }
        self.fd = fd
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(file: name, operation: "read", message: String(cString: strerror(errno)))
            }
            if n == 0 {
                throw CheckpointError.truncated(file: name, size: offset + done, expectedSize: offset + buffer.count,
                                                detail: "the file became shorter while it was being read")
            }
            done += n
        }
    }
}

struct MemorySource: ByteSource {
    let name: String
    let bytes: [UInt8]
    var size: Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        guard offset >= 0, offset <= bytes.count - buffer.count else {
            throw CheckpointError.truncated(file: name, size: bytes.count, expectedSize: offset + buffer.count,
                                            detail: "a read reaches past the end of the data")
        }
        bytes.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + buffer.count]))
        }
    }
}
