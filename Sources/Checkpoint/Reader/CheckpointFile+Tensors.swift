import Base
/// Reading tensor data into Float32.
extension CheckpointFile {
    /// Threads used to decode chunks (the process-wide `Base.Threads` policy).
    static var decodeThreads: Int { Threads.count }

    /// Loads one tensor as Float32.
    public func tensor(named name: String) throws -> TensorRecord {
        let entry = try requireEntry(name)
        // Before allocating from the declared size: the budget, then every chunk's frame header.
        try checkBudget([entry])
        try checkFrameHeaders(entry)
        let values = try [Float](unsafeUninitializedCapacity: entry.elementCount) { buffer, initialized in
            try decode(entry, into: buffer)
            initialized = entry.elementCount
        }
        return TensorRecord(name: entry.name, shape: entry.shape, values: values, storage: entry.dtype,
                            channelAxis: entry.quantization?.channelAxis)
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
        try checkBudget(selected)
        for entry in selected { try checkFrameHeaders(entry) }
        var jobs: [(entry: Int, chunk: Int, first: Int, target: UnsafeMutablePointer<Float>)] = []
        for (i, entry) in selected.enumerated() {
            let buffer = try destination(entry)
            precondition(buffer.count == entry.elementCount,
                         "readTensors: the buffer for \"\(entry.name)\" holds \(buffer.count) floats, tensor \(entry.shape) has \(entry.elementCount)")
            for (c, first) in entry.chunkStarts.enumerated() {
                jobs.append((i, c, first, buffer.baseAddress! + first))
            }
        }
        let workers = max(1, min(CheckpointFile.decodeThreads, jobs.count))
        try withDecoders(workers) { decoders in
            try parallelFor(jobs.count, threads: workers) { (worker, j) throws in
                let job = jobs[j]
                try decoders[worker].decode(selected[job.entry], chunk: job.chunk, firstElement: job.first, from: source,
                                            dataStart: dataStart, into: job.target)
            }
        }
    }

    /// Every tensor, in file order, as Float32 (all within the memory budget together).
    public func allTensors() throws -> [TensorRecord] {
        try checkBudget(header.tensors)
        return try header.tensors.map { try tensor(named: $0.name) }
    }

    /// Throws ``CheckpointError/overBudget(file:tensor:count:bytes:budget:)`` when `entries` together
    /// hold more than ``memoryBudget`` bytes as Float32. Reads nothing: the counts come from the
    /// validated table (each below 2^53 bytes, so the sum of a few million cannot overflow).
    public func checkBudget(_ entries: [TensorEntry]) throws {
        var total = 0
        var largest: TensorEntry?
        for entry in entries {
            let (bytes, overflow) = entry.elementCount.multipliedReportingOverflow(by: 4)
            let (sum, overflowSum) = total.addingReportingOverflow(bytes)
            total = overflow || overflowSum ? .max : sum
            if largest == nil || entry.elementCount > largest!.elementCount { largest = entry }
        }
        if total > memoryBudget, let largest {
            throw CheckpointError.overBudget(file: name, tensor: largest.name, count: entries.count, bytes: total, budget: memoryBudget)
        }
    }

    /// Reads and checks every chunk (CRC, zstd frame, sizes) without keeping the values. Chunks are
    /// decoded one at a time per thread into chunk-sized buffers, so memory stays bounded (a few
    /// MiB per thread) whatever sizes the tensor table declares.
    public func verifyData() throws {
        let chunkCapacity = Layout.maximumChunkRawLength / StorageType.allCases.map(\.byteWidth).min()!
        var jobs: [(entry: Int, chunk: Int, first: Int)] = []
        for (t, entry) in header.tensors.enumerated() {
            try checkFrameHeaders(entry)
            for (c, first) in entry.chunkStarts.enumerated() { jobs.append((t, c, first)) }
        }
        guard !jobs.isEmpty else { return }
        let workers = max(1, min(CheckpointFile.decodeThreads, jobs.count))
        let buffers = (0..<workers).map { _ in UnsafeMutableBufferPointer<Float>.allocate(capacity: chunkCapacity) }
        defer { for b in buffers { b.deallocate() } }
        try withDecoders(workers) { decoders in
            try parallelFor(jobs.count, threads: workers) { (worker, j) throws in
                try decoders[worker].decode(header.tensors[jobs[j].entry], chunk: jobs[j].chunk, firstElement: jobs[j].first,
                                            from: source, dataStart: dataStart, into: buffers[worker].baseAddress!)
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
        let starts = entry.chunkStarts
        let workers = max(1, min(CheckpointFile.decodeThreads, entry.chunks.count))
        let base = buffer.baseAddress!
        try withDecoders(workers) { decoders in
            try parallelFor(entry.chunks.count, threads: workers) { (worker, c) throws in
                try decoders[worker].decode(entry, chunk: c, firstElement: starts[c], from: source, dataStart: dataStart,
                                            into: base + starts[c])
            }
        }
    }

    /// Decodes chunk `index` of `entry` into `destination` (at least the chunk's element count), on
    /// the calling thread: the streaming path of ``CheckpointConverter``.
    func decodeChunk(_ entry: TensorEntry, _ index: Int, firstElement: Int, into destination: UnsafeMutablePointer<Float>) throws {
        try withDecoders(1) { decoders in
            try decoders[0].decode(entry, chunk: index, firstElement: firstElement, from: source, dataStart: dataStart,
                                   into: destination)
        }
    }

    /// Checks every zstd chunk's declared content size of `entry` (reads ≤ 18 bytes per chunk).
    func checkFrameHeaders(of entry: TensorEntry) throws { try checkFrameHeaders(entry) }
}
