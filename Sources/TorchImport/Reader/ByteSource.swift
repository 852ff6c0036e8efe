import Base
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random-access bytes a `.pth` is read from: a file (positional reads: nothing is mapped, so a
/// file that shrinks while it is read gives an error, not SIGBUS) or memory (tests, the fuzzer).
protocol PthByteSource: Sendable {
    /// Names the file in errors.
    var name: String { get }
    var size: Int { get }
    /// Fills `buffer` from `offset`; throws ``PthError/truncated(file:what:needed:available:)`` when
    /// the bytes are not all there.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws
}

extension PthByteSource {
    /// `count` bytes from `offset`, after checking (overflow-safe) that they lie inside the source.
    func read(count: Int, at offset: Int, what: String) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw PthError.truncated(file: name, what: what, needed: offset.addingReportingOverflow(count).partialValue,
                                     available: size)
        }
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(into: $0, at: offset, what: what) }
        return out
    }
}

final class PthFileSource: PthByteSource, @unchecked Sendable {  // immutable after init; pread is thread-safe
    let name: String
    let size: Int
    private let fd: Int32

    init(path: String) throws {
        name = path
        // Non-blocking open, then fstat: a FIFO or a device is refused instead of hanging the reader.
        let fd: Int32
        do { fd = try FileKind.openRegularFile(path, what: ".pth file") } catch {
            throw PthError.io(file: path, operation: error.operation, message: error.message)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw PthError.io(file: path, operation: "examine the file", message: message)
        }
        self.fd = fd
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws {
        guard offset >= 0, offset <= size, buffer.count <= size - offset else {
            throw PthError.truncated(file: name, what: what, needed: offset.addingReportingOverflow(buffer.count).partialValue, available: size)
        }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw PthError.io(file: name, operation: "read \(what)", message: String(cString: strerror(errno)))
            }
            if n == 0 {
                throw PthError.truncated(file: name, what: "\(what) (the file became shorter while it was read)",
                                         needed: offset + buffer.count, available: offset + done)
            }
            done += n
        }
    }
}

struct PthMemorySource: PthByteSource {
    let name: String
    let bytes: [UInt8]
    var size: Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws {
        guard offset >= 0, offset <= bytes.count, buffer.count <= bytes.count - offset else {
            throw PthError.truncated(file: name, what: what, needed: offset.addingReportingOverflow(buffer.count).partialValue,
                                     available: bytes.count)
        }
        guard buffer.count > 0 else { return }
        bytes.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + buffer.count]))
        }
    }
}

/// Little-endian integers from a byte array (bounds checked by the caller).
extension Array where Element == UInt8 {
    func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: self[offset + i]) << (8 * i) }
        return v
    }
}
