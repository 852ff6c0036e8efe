import Base
/// Reading tensor data into Float32.
extension CheckpointFile {
    /// Threads used to decode chunks (the process-wide `Base.Threads` policy).
    static var decodeThreads: Int { Threads.count }

    /// Loads one tensor as Float32.
    public func tensor(named name: String) throws -> TensorRecord {
        let entry = try requireEntry(name)
        try checkFrameHeaders(entry)  // before allocating from the declared size
        let values = try [Float](unsafeUninitializedCapacity: entry.elementCount) { buffer, initialized in
            try decode(entry, into: buffer)
            initialized = entry.elementCount
        }
        return TensorRecord(name: entry.name, shape: entry.shape, values: values, storage: entry.dtype)
    }

    /// Decodes tensor `name` into caller memory (e.g. a tensor's storage) without an intermediate copy.
    /// `destination.count` must equal the tensor's element count.
    public func readTensor(named name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let entry = try requireEntry(name)
        precondition(destination.count == entry.elementCount,
                     "readTensor(named: \"\(name)\"): destination holds \(destination.count) floats, tensor \(entry.shape) has \(entry.elementCount)")
        try decode(entry, into: destination)
    }

    /// Decodes several tensors (all by default, in file order) into buffers the caller allocates per
    /// entry — the shape is known before any data is read — decoding every chunk of every tensor in
    /// parallel. This is the fast path for loading a whole state dict.
    public func readTensors(_ names: [String]? = nil,
                            into destination: (TensorEntry) throws -> UnsafeMutableBufferPointer<Float>) throws {
        let selected = try (names ?? header.tensors.map(\.name)).map { try requireEntry($0) }
        var jobs: [(entry: Int, chunk: Int, target: UnsafeMutablePointer<Float>)] = []
        for (i, entry) in selected.enumerated() {
            try checkFrameHeaders(entry)
            let buffer = try destination(entry)
            precondition(buffer.count == entry.elementCount,
                         "readTensors: the buffer for \"\(entry.name)\" holds \(buffer.count) floats, tensor \(entry.shape) has \(entry.elementCount)")
            var element = 0
            for (c, chunk) in entry.chunks.enumerated() {
                jobs.append((i, c, buffer.baseAddress! + element))
                element += chunk.rawLength / entry.dtype.byteWidth
            }
        }
        let workers = max(1, min(CheckpointFile.decodeThreads, jobs.count))
        try withDecoders(workers) { decoders in
            try parallelFor(jobs.count, threads: workers) { (worker, j) throws in
                let job = jobs[j]
                try decoders[worker].decode(selected[job.entry], chunk: job.chunk, from: source,
                                            dataStart: dataStart, into: job.target)
            }
        }
    }

    /// Every tensor, in file order, as Float32.
    public func allTensors() throws -> [TensorRecord] {
        try header.tensors.map { try tensor(named: $0.name) }
    }

    /// Reads and checks every chunk (CRC, zstd frame, sizes) without keeping the values. Chunks are
    /// decoded one at a time per thread into chunk-sized buffers, so memory stays bounded (a few
    /// MiB per thread) whatever sizes the tensor table declares.
    public func verifyData() throws {
        let chunkCapacity = Layout.maximumChunkRawLength / StorageType.allCases.map(\.byteWidth).min()!
        var jobs: [(entry: Int, chunk: Int)] = []
        for (t, entry) in header.tensors.enumerated() {
            try checkFrameHeaders(entry)
            for c in entry.chunks.indices { jobs.append((t, c)) }
        }
        guard !jobs.isEmpty else { return }
        let workers = max(1, min(CheckpointFile.decodeThreads, jobs.count))
        let buffers = (0..<workers).map { _ in UnsafeMutableBufferPointer<Float>.allocate(capacity: chunkCapacity) }
        defer { for b in buffers { b.deallocate() } }
        try withDecoders(workers) { decoders in
            try parallelFor(jobs.count, threads: workers) { (worker, j) throws in
                try decoders[worker].decode(header.tensors[jobs[j].entry], chunk: jobs[j].chunk, from: source,
                                            dataStart: dataStart, into: buffers[worker].baseAddress!)
            }
        }
    }

    /// Checks, for `names` (all by default), that the data the tensor table declares is present:
    /// every chunk lies inside the data area (checked on open) and every zstd chunk's frame header
    /// declares exactly the chunk's raw length. Reads a few bytes per chunk and decodes nothing, so
    /// callers can run it before allocating anything from the declared shapes.
    public func checkDeclaredSizes(_ names: [String]? = nil) throws {
        for name in names ?? header.tensors.map(\.name) { try checkFrameHeaders(try requireEntry(name)) }
    }

    // MARK: - Internals

    private func requireEntry(_ name: String) throws -> TensorEntry {
        guard let entry = entry(named: name) else {
            throw CheckpointError.tensorNotFound(file: self.name, tensor: name, available: header.tensors.map(\.name))
        }
        return entry
    }

    /// Reads the first bytes of each zstd chunk and checks the declared content size.
    private func checkFrameHeaders(_ entry: TensorEntry) throws {
        guard entry.codec == .zstd else { return }
        var head = [UInt8](repeating: 0, count: 18)
        for (index, chunk) in entry.chunks.enumerated() {
            let n = min(chunk.storedLength, 18)
            try head.withUnsafeMutableBytes { buffer in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]), at: dataStart + chunk.offset)
                try ChunkDecoder.checkFrameHeader(buffer.baseAddress!, entry: entry, index: index, file: name)
            }
        }
    }

    private func decode(_ entry: TensorEntry, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard !entry.chunks.isEmpty else { return }
        var starts: [Int] = []
        var element = 0
        for chunk in entry.chunks {
            starts.append(element)
            element += chunk.rawLength / entry.dtype.byteWidth
        }
        let workers = max(1, min(CheckpointFile.decodeThreads, entry.chunks.count))
        let base = buffer.baseAddress!
        try withDecoders(workers) { decoders in
            try parallelFor(entry.chunks.count, threads: workers) { (worker, c) throws in
                try decoders[worker].decode(entry, chunk: c, from: source, dataStart: dataStart, into: base + starts[c])
            }
        }
    }
}
