import Foundation

/// Where the writer streams the file: memory, or a file descriptor with a 1 MiB buffer.
protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    mutating func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    mutating func writeZeros(_ count: Int) throws {
        guard count > 0 else { return }
        try write([UInt8](repeating: 0, count: count))
    }
}

struct MemorySink: ByteSink {
    var bytes: [UInt8] = []
    mutating func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
}

/// Buffered writes to an open descriptor; `flush()` before fsync.
struct FileSink: ByteSink {
    let fd: Int32
    let name: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(FileSink.capacity)
    }

    mutating func write(_ b: UnsafeRawBufferPointer) throws {
        if buffer.count + b.count > FileSink.capacity { try flush() }
        if b.count >= FileSink.capacity { try writeAll(b); return }
        buffer.append(contentsOf: b)
    }

    mutating func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ b: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < b.count {
            let n = Foundation.write(fd, b.baseAddress! + done, b.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(file: name, operation: "write", message: String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
