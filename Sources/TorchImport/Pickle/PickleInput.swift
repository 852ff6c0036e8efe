/// The bytes of one pickle, fetched from the source in chunks as the machine asks for them, so a
/// legacy stream's small pickles are read without loading the storages after them. Every request
/// is checked against the bytes present and against ``PthLimits/maximumPickleBytes`` first.
struct PickleInput {
    let source: any PthByteSource
    /// Offset of the pickle's first byte in the source.
    let start: Int
    let maximumBytes: Int
    private var buffer: [UInt8] = []
    /// Bytes consumed so far (relative to `start`).
    private(set) var position = 0

    static let chunkSize = 1 << 16

    init(source: any PthByteSource, start: Int, maximumBytes: Int) {
        self.source = source
        self.start = start
        self.maximumBytes = maximumBytes
    }

    /// Bytes left in the source after `start`.
    var available: Int { max(0, source.size - start) }

    /// The next `count` bytes; throws (truncated, or the pickle's size limit) when they cannot be had.
    mutating func take(_ count: Int, what: @autoclosure () -> String, pickle: String) throws -> ArraySlice<UInt8> {
        let (end, overflow) = position.addingReportingOverflow(count)
        guard count >= 0, !overflow, end <= available else {
            throw PthError.truncated(file: source.name, what: "\(what()) in \(pickle)", needed: overflow ? Int.max : end,
                                     available: available)
        }
        guard end <= maximumBytes else {
            throw PthError.limitExceeded(file: source.name, what: "the size of \(pickle)", value: end, limit: maximumBytes)
        }
        if end > buffer.count {
            let fetch = min(available, maximumBytes) - buffer.count
            let want = min(fetch, max(end - buffer.count, Self.chunkSize))
            buffer += try source.read(count: want, at: start + buffer.count, what: pickle)
        }
        defer { position = end }
        return buffer[position..<end]
    }

    mutating func byte(pickle: String) throws -> UInt8 {
        try take(1, what: "an opcode", pickle: pickle).first!
    }

    /// Bytes up to a newline (not included), at most `limit` of them (GLOBAL's module and name).
    mutating func line(limit: Int, pickle: String) throws -> ArraySlice<UInt8>? {
        let begin = position
        while position - begin <= limit {
            if try take(1, what: "a GLOBAL name", pickle: pickle).first! == 0x0A {
                return buffer[begin..<(position - 1)]
            }
        }
        return nil
    }
}
