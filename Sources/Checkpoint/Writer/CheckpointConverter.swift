import Base
import Foundation

/// Rewrites a checkpoint with another storage type: every tensor re-encoded, everything else
/// (kind, producer, model description, metadata, sections, tensor names, shapes and order) copied.
///
/// The conversion streams: each input chunk is decoded, its values re-chunked, encoded and written
/// to an unnamed scratch file next to the output, one chunk at a time (Q8 reads a tensor twice,
/// first for its scales). Memory stays at a few chunk buffers (under 64 MiB) whatever the tensor
/// table declares; the output — the same bytes ``CheckpointWriter`` writes for those values — is
/// assembled from the scratch file once the header is known, and appears atomically.
public enum CheckpointConverter {
    /// What a conversion did.
    public struct Summary: Sendable, Equatable {
        public var input: String
        public var output: String
        public var tensors: Int
        /// The storage types of the input's tensors, sorted.
        public var fromTypes: [StorageType]
        /// The storage type asked for.
        public var to: StorageType
        /// The storage types of the output's tensors, sorted (with Q8, small tensors stay F32).
        public var toTypes: [StorageType]
        public var level: Int
        public var inputSize: Int
        public var outputSize: Int
        public var kind: CheckpointKind

        /// False when a training checkpoint's weights or optimizer moments were narrowed: a run
        /// resumed from the output no longer continues exactly as it would have.
        public var resumesExactly: Bool { kind != .training || toTypes.allSatisfy { $0 == .f32 } }
    }

    /// Whether two paths name the same file (same device and inode when both exist).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(a) == canonical(b)
    }

    /// Reads every tensor of `input` (checking each chunk) and writes them to `output` stored as
    /// `storage` at zstd `level`, atomically. Refuses to write over the input (by any path) and,
    /// unless `force`, over an existing file (``CheckpointConversionError``); a damaged input throws
    /// the reader's `CheckpointError` and writes nothing.
    ///
    /// - Parameters:
    ///   - channelAxes: output-channel axes by tensor name, for Q8 (one scale per channel). Without
    ///     one, a tensor keeps the axis it had as Q8, else is quantised per tensor.
    ///   - storageOverrides: a storage type for particular tensors (e.g. F32 for optimizer moments).
    ///   - memoryBudget: no tensor may hold more Float32 bytes than this (what a reader would need to
    ///     load it; ``CheckpointError/overBudget(file:tensor:count:bytes:budget:)``). The conversion
    ///     itself never allocates from declared sizes.
    public static func convert(input: String, output: String, storage: StorageType, level: Int, force: Bool,
                               channelAxes: [String: Int] = [:], storageOverrides: [String: StorageType] = [:],
                               memoryBudget: Int = CheckpointFile.defaultMemoryBudget) throws -> Summary {
        if sameFile(input, output) { throw CheckpointConversionError.sameFile(input: input, output: output) }
        if !force && FileManager.default.fileExists(atPath: output) { throw CheckpointConversionError.outputExists(file: output) }
        guard ZstdCompressor.levels.contains(level) else {
            throw CheckpointError.invalidArgument(file: output, tensor: nil, reason: "zstd level \(level) is outside \(ZstdCompressor.levels)")
        }
        let source = try CheckpointFile(contentsOf: URL(fileURLWithPath: input), memoryBudget: memoryBudget)
        let header = source.header
        // Everything the table declares is checked before any data is decoded.
        for entry in header.tensors {
            try source.checkBudget([entry])
            try source.checkFrameHeaders(of: entry)
        }

        let scratch = try ScratchFile(nextTo: output)
        let stream = try ConversionStream(source: source, spill: FileSink(fd: scratch.fd, name: output), level: level)
        var table = TableBuilder(codec: .zstd)
        for entry in header.tensors {
            let plan = try StoragePlan(file: input, tensor: entry.name, shape: entry.shape,
                                       requested: storageOverrides[entry.name] ?? storage,
                                       channelAxis: channelAxes[entry.name] ?? entry.quantization?.channelAxis,
                                       byteShuffle: true) { statistics in
                try stream.forEachChunk(of: entry) { values, count, first in statistics.add(values, count: count, first: first) }
            }
            table.append(name: entry.name, shape: entry.shape, plan: plan, chunks: try stream.convert(entry, to: plan))
        }
        let dataLength = try stream.finish()
        let headerBytes = try table.header(file: output, producer: header.producer, kind: header.kind, model: header.model,
                                           metadata: header.metadata, sections: header.sections, dataLength: dataLength)
        try AtomicFile.write(to: URL(fileURLWithPath: output)) { sink in
            try sink.write(ContainerFraming.preamble(header: headerBytes, minor: UInt16(table.minorVersion)))
            try sink.write(headerBytes)
            try sink.writeZeros(Layout.dataStart(headerLength: headerBytes.count) - Layout.preambleSize - headerBytes.count)
            try scratch.copy(dataLength, to: &sink)
            try sink.write(ContainerFraming.trailer(dataLength: dataLength))
        }
        var written = stat()
        let outputSize = stat(output, &written) == 0 ? Int(written.st_size) : 0
        let outputTypes = header.tensors.map { (storageOverrides[$0.name] ?? storage).effective(forShape: $0.shape) }
        return Summary(input: input, output: output, tensors: header.tensors.count,
                       fromTypes: Array(Set(header.tensors.map(\.dtype))).sorted { $0.rawValue < $1.rawValue },
                       to: storage, toTypes: Array(Set(outputTypes)).sorted { $0.rawValue < $1.rawValue },
                       level: level, inputSize: source.fileSize, outputSize: outputSize, kind: header.kind)
    }
}

/// Decodes a checkpoint's tensors chunk by chunk and writes them re-encoded to a data-area sink,
/// laid out as ``CheckpointWriter`` lays them out (64-byte aligned chunks, in table order).
private final class ConversionStream {
    let source: CheckpointFile
    var spill: FileSink
    let encoder: ChunkEncoder
    /// One input chunk's values (at most 4 MiB of Q8: 4 Mi floats).
    let input: UnsafeMutableBufferPointer<Float>
    /// One output chunk's values, gathered from input chunks of another size.
    let output: UnsafeMutableBufferPointer<Float>
    /// Bytes written to the spill, and where the next chunk goes.
    var position = 0
    var offset = 0

    init(source: CheckpointFile, spill: FileSink, level: Int) throws {
        self.source = source
        self.spill = spill
        do { encoder = try ChunkEncoder(shuffle: true, level: level) } catch let failure as ZstdFailure {
            throw CheckpointError.io(file: spill.name, operation: "zstd setup", message: failure.message)
        }
        let most = Layout.maximumChunkRawLength / StorageType.allCases.map(\.byteWidth).min()!
        input = .allocate(capacity: most)
        output = .allocate(capacity: most)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    /// Calls `body(values, count, first element)` for each decoded chunk of `entry`, in order.
    func forEachChunk(of entry: TensorEntry, _ body: (UnsafePointer<Float>, Int, Int) throws -> Void) throws {
        for (c, first) in entry.chunkStarts.enumerated() {
            try source.decodeChunk(entry, c, firstElement: first, into: input.baseAddress!)
            try body(UnsafePointer(input.baseAddress!), entry.chunks[c].rawLength / entry.dtype.byteWidth, first)
        }
    }

    /// Re-encodes `entry` as `plan` says and appends its chunks; returns their table entries.
    func convert(_ entry: TensorEntry, to plan: StoragePlan) throws -> [ChunkEntry] {
        let perChunk = ChunkEncoder.elementsPerChunk(plan.dtype)
        let quantizer = plan.quantization.map { Q8Codec($0, shape: entry.shape) }
        var chunks: [ChunkEntry] = []
        var pending = 0, encoded = 0
        let out = output.baseAddress!
        func flush() throws {
            let chunk: EncodedChunk
            do {
                chunk = try encoder.encode(out, count: pending, as: plan.dtype, quantizer: quantizer, first: encoded)
            } catch let failure as ZstdFailure {
                throw CheckpointError.invalidArgument(file: spill.name, tensor: entry.name, reason: "zstd compression failed: \(failure.message)")
            }
            try spill.writeZeros(offset - position)
            try spill.write(chunk.bytes)
            chunks.append(ChunkEntry(offset: offset, storedLength: chunk.bytes.count, rawLength: chunk.rawLength, crc32: chunk.crc32))
            position = offset + chunk.bytes.count
            offset = Layout.alignUp(position)
            encoded += pending
            pending = 0
        }
        try forEachChunk(of: entry) { values, count, _ in
            var k = 0
            while k < count {
                let n = min(perChunk - pending, count - k)
                (out + pending).update(from: values + k, count: n)
                pending += n
                k += n
                if pending == perChunk { try flush() }
            }
        }
        if pending > 0 { try flush() }
        return chunks
    }

    /// Pads the data area to its aligned length and flushes; returns its length.
    func finish() throws -> Int {
        try spill.writeZeros(offset - position)
        position = offset
        try spill.flush()
        return offset
    }
}

/// An unnamed file in the output's directory (created, then unlinked at once: nothing is left
/// behind, whatever ends the process), closed when released.
private final class ScratchFile {
    let fd: Int32

    init(nextTo output: String) throws {
        let url = URL(fileURLWithPath: output)
        let parent = url.deletingLastPathComponent().path
        var template = Array("\(parent.isEmpty ? "." : parent)/.\(url.lastPathComponent).convert-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CheckpointError.io(file: output, operation: "create a scratch file in \(parent)", message: String(cString: strerror(errno)))
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Streams the first `count` bytes into `sink`, 1 MiB at a time.
    func copy(_ count: Int, to sink: inout FileSink) throws {
        let piece = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: piece, alignment: 64)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let n = pread(fd, buffer.baseAddress!, min(piece, count - done), off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw CheckpointError.io(file: sink.name, operation: "read back the scratch file",
                                         message: n < 0 ? String(cString: strerror(errno)) : "it ended early")
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += n
        }
    }
}

/// Why a conversion was refused before anything was read (the contents' errors are `CheckpointError`s).
public enum CheckpointConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output exists and replacing it was not asked for.
    case outputExists(file: String)
    /// The output is the input (by the same or another path).
    case sameFile(input: String, output: String)

    public var description: String {
        switch self {
        case let .outputExists(file):
            return "\(file): the output file already exists. Hint: pass --force to replace it, or choose another -o path."
        case let .sameFile(input, output):
            let both = input == output ? input : "\(output) (the same file as \(input))"
            return "\(both): the output is the input checkpoint. Hint: write to another path with -o, then rename it if you want to replace the original."
        }
    }
}
