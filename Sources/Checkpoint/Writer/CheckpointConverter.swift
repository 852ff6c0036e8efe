import Foundation

/// Rewrites a checkpoint with another storage type: every tensor re-encoded, everything else
/// (kind, producer, model description, metadata, sections, tensor names, shapes and order) copied.
public enum CheckpointConverter {
    /// What a conversion did.
    public struct Summary: Sendable, Equatable {
        public var input: String
        public var output: String
        public var tensors: Int
        /// The storage types of the input's tensors, sorted.
        public var fromTypes: [StorageType]
        public var to: StorageType
        public var level: Int
        public var inputSize: Int
        public var outputSize: Int
        public var kind: CheckpointKind

        /// False when a training checkpoint's weights and optimizer moments were narrowed: a run
        /// resumed from the output no longer continues exactly as it would have.
        public var resumesExactly: Bool { kind != .training || to == .f32 }
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
    public static func convert(input: String, output: String, storage: StorageType, level: Int, force: Bool) throws -> Summary {
        if sameFile(input, output) { throw CheckpointConversionError.sameFile(input: input, output: output) }
        if !force && FileManager.default.fileExists(atPath: output) { throw CheckpointConversionError.outputExists(file: output) }
        let source = try CheckpointFile(contentsOf: URL(fileURLWithPath: input))
        let header = source.header
        // Decode everything in parallel into buffers owned here, then lend them to the writer.
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        defer { for b in buffers { b.deallocate() } }
        try source.readTensors { entry in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: entry.elementCount)
            buffers.append(buffer)
            return buffer
        }
        let views = zip(header.tensors, buffers).map { entry, buffer in
            TensorView(name: entry.name, shape: entry.shape, values: UnsafeBufferPointer(buffer))
        }
        let writer = CheckpointWriter(storage: storage, compressionLevel: level, producer: header.producer)
        try writer.write(to: URL(fileURLWithPath: output), kind: header.kind, model: header.model, views: views,
                         metadata: header.metadata, sections: header.sections)
        var written = stat()
        let outputSize = stat(output, &written) == 0 ? Int(written.st_size) : 0
        return Summary(input: input, output: output, tensors: header.tensors.count,
                       fromTypes: Array(Set(header.tensors.map(\.dtype))).sorted { $0.rawValue < $1.rawValue },
                       to: storage, level: level, inputSize: source.fileSize, outputSize: outputSize, kind: header.kind)
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
