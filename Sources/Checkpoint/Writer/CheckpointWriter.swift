import Base
import Foundation

/// Writes `.pzck` checkpoints: chunks of at most 4 MiB raw, byte-shuffled, zstd-compressed (level 3
/// by default), aligned to 64 bytes, with a CRC-32 each; a JSON header with sorted keys and no
/// timestamps, so the same tensors and metadata always give the same bytes (for a given zstd
/// version). Files are replaced atomically.
///
/// ```swift
/// let writer = CheckpointWriter(storage: .bf16)
/// try writer.write(to: url, kind: .inference, model: ["generator": ["name": "unet_256"]],
///                  tensors: [TensorRecord(name: "w", shape: [2, 2], values: [1, 2, 3, 4])])
/// ```
public struct CheckpointWriter: Sendable {
    /// Storage type of tensors that do not choose their own.
    public var storage: StorageType
    /// zstd level (negative fast levels through 22); nil stores chunks uncompressed (codec `none`).
    public var compressionLevel: Int?
    /// Byte-shuffle chunks before compressing (helps zstd on float data: ratio 1.08 → 1.17 on fp32 weights).
    public var byteShuffle: Bool
    /// Threads compressing chunks in parallel; the bytes written do not depend on it.
    public var threads: Int
    /// Written to the header's `producer` field.
    public var producer: String

    public init(storage: StorageType = .f32, compressionLevel: Int? = 3, byteShuffle: Bool = true,
                threads: Int? = nil, producer: String = "Pix2PixZoo") {
        self.storage = storage
        self.compressionLevel = compressionLevel
        self.byteShuffle = byteShuffle
        self.threads = threads ?? Threads.count
        self.producer = producer
    }

    /// Writes `tensors` (in this order) with the header fields to `url`, atomically.
    /// - Parameters:
    ///   - model: a JSON object describing the architecture (opaque here).
    ///   - metadata: free-form caller metadata (no timestamps are added; pass one if you want it).
    ///   - sections: extra named JSON sections, e.g. `"training"`.
    public func write(to url: URL, kind: CheckpointKind, model: JSONValue, tensors: [TensorRecord],
                      metadata: [String: JSONValue] = [:], sections: [String: JSONValue] = [:]) throws {
        let plan = try encode(file: url.path, kind: kind, model: model, metadata: metadata, sections: sections,
                              inputs: .records(tensors))
        try AtomicFile.write(to: url) { sink in try plan.emit(to: &sink) }
    }

    /// As ``write(to:kind:model:tensors:metadata:sections:)``, reading the values in place.
    /// Every view's buffer must stay valid and unchanged until the call returns.
    public func write(to url: URL, kind: CheckpointKind, model: JSONValue, views: [TensorView],
                      metadata: [String: JSONValue] = [:], sections: [String: JSONValue] = [:]) throws {
        let plan = try encode(file: url.path, kind: kind, model: model, metadata: metadata, sections: sections,
                              inputs: .views(views))
        try AtomicFile.write(to: url) { sink in try plan.emit(to: &sink) }
    }

    /// The bytes of the checkpoint ``write(to:kind:model:tensors:metadata:sections:)`` would write.
    public func encode(kind: CheckpointKind, model: JSONValue, tensors: [TensorRecord],
                       metadata: [String: JSONValue] = [:], sections: [String: JSONValue] = [:]) throws -> [UInt8] {
        var sink = MemorySink()
        try encode(file: "<memory>", kind: kind, model: model, metadata: metadata, sections: sections,
                   inputs: .records(tensors)).emit(to: &sink)
        return sink.bytes
    }

    /// The bytes of a checkpoint written from views (see ``write(to:kind:model:views:metadata:sections:)``).
    public func encode(kind: CheckpointKind, model: JSONValue, views: [TensorView],
                       metadata: [String: JSONValue] = [:], sections: [String: JSONValue] = [:]) throws -> [UInt8] {
        var sink = MemorySink()
        try encode(file: "<memory>", kind: kind, model: model, metadata: metadata, sections: sections,
                   inputs: .views(views)).emit(to: &sink)
        return sink.bytes
    }

    // MARK: - Encoding

    /// The tensors to write, lent one at a time as (name, shape, storage override, values).
    private enum Inputs {
        case records([TensorRecord])
        case views([TensorView])

        var count: Int {
            switch self {
            case .records(let r): return r.count
            case .views(let v): return v.count
            }
        }

        func with(_ i: Int, _ body: (String, [Int], StorageType?, Int?, UnsafeBufferPointer<Float>) throws -> Void) throws {
            switch self {
            case .records(let r):
                try r[i].values.withUnsafeBufferPointer { try body(r[i].name, r[i].shape, r[i].storage, r[i].channelAxis, $0) }
            case .views(let v):
                try body(v[i].name, v[i].shape, v[i].storage, v[i].channelAxis, v[i].values)
            }
        }
    }

    private struct EncodedTensor {
        var name: String
        var shape: [Int]
        var plan: StoragePlan
        var chunks: [EncodedChunk]
    }

    private func encode(file: String, kind: CheckpointKind, model: JSONValue, metadata: [String: JSONValue],
                        sections: [String: JSONValue], inputs: Inputs) throws -> EncodedCheckpoint {
        func bad(_ tensor: String?, _ reason: String) -> CheckpointError {
            .invalidArgument(file: file, tensor: tensor, reason: reason)
        }
        guard model.objectValue != nil else { throw bad(nil, "the model description must be a JSON object, got \(model)") }
        if let level = compressionLevel, !ZstdCompressor.levels.contains(level) {
            throw bad(nil, "zstd level \(level) is outside \(ZstdCompressor.levels)")
        }
        let workers = max(1, threads)
        let encoders: [ChunkEncoder]
        do {
            encoders = try (0..<workers).map { _ in try ChunkEncoder(shuffle: byteShuffle, level: compressionLevel) }
        } catch let failure as ZstdFailure {
            throw bad(nil, "zstd setup failed: \(failure.message)")
        }

        var encoded: [EncodedTensor] = []
        encoded.reserveCapacity(inputs.count)
        var names = Set<String>()
        for i in 0..<inputs.count {
            try inputs.with(i) { name, shape, storageOverride, channelAxis, values in
                guard !name.isEmpty else { throw bad(nil, "tensor \(i) has an empty name") }
                guard names.insert(name).inserted else { throw bad(name, "the name appears more than once") }
                guard shape.allSatisfy({ $0 >= 0 }) else { throw bad(name, "shape \(shape) has a negative extent") }
                guard let elements = Checkpoint.elementCount(of: shape) else { throw bad(name, "shape \(shape) overflows") }
                guard elements == values.count else {
                    throw bad(name, "shape \(shape) holds \(elements) elements but \(values.count) values were given")
                }
                let plan = try StoragePlan(file: file, tensor: name, shape: shape, requested: storageOverride ?? storage,
                                           channelAxis: channelAxis, byteShuffle: byteShuffle) { statistics in
                    statistics.add(values.baseAddress!, count: elements, first: 0)
                }
                let dtype = plan.dtype
                let quantizer = plan.quantization.map { Q8Codec($0, shape: shape) }
                let perChunk = ChunkEncoder.elementsPerChunk(dtype)
                let chunkCount = (elements + perChunk - 1) / perChunk
                let results = UnsafeMutableBufferPointer<EncodedChunk?>.allocate(capacity: max(chunkCount, 1))
                results.initialize(repeating: nil)
                defer { results.deinitialize(); results.deallocate() }
                let base = values.baseAddress
                try parallelFor(chunkCount, threads: workers) { (worker, c) throws in
                    let start = c * perChunk
                    do {
                        results[c] = try encoders[worker].encode(base! + start, count: min(perChunk, elements - start), as: dtype,
                                                                 quantizer: quantizer, first: start)
                    } catch let failure as ZstdFailure {
                        throw bad(name, "zstd compression failed: \(failure.message)")
                    }
                }
                encoded.append(EncodedTensor(name: name, shape: shape, plan: plan, chunks: (0..<chunkCount).map { results[$0]! }))
            }
        }
        return try layout(file: file, kind: kind, model: model, metadata: metadata, sections: sections, tensors: encoded)
    }

    /// Assigns offsets and builds the header.
    private func layout(file: String, kind: CheckpointKind, model: JSONValue, metadata: [String: JSONValue],
                        sections: [String: JSONValue], tensors: [EncodedTensor]) throws -> EncodedCheckpoint {
        var offset = 0
        var placed: [(offset: Int, chunk: EncodedChunk)] = []
        var table = TableBuilder(codec: compressionLevel == nil ? .none : .zstd)
        for t in tensors {
            var entries: [ChunkEntry] = []
            for c in t.chunks {
                entries.append(ChunkEntry(offset: offset, storedLength: c.bytes.count, rawLength: c.rawLength, crc32: c.crc32))
                placed.append((offset, c))
                offset = Layout.alignUp(offset + c.bytes.count)
            }
            table.append(name: t.name, shape: t.shape, plan: t.plan, chunks: entries)
        }
        let header = try table.header(file: file, producer: producer, kind: kind, model: model, metadata: metadata,
                                      sections: sections, dataLength: offset)
        return EncodedCheckpoint(header: header, minorVersion: table.minorVersion, chunks: placed, dataLength: offset)
    }
}

/// How one tensor is stored: its type (after Q8's rank rule), Q8 scales, and chunk filter — decided
/// before any chunk is encoded, since Q8 scales depend on every value of the tensor.
struct StoragePlan {
    var dtype: StorageType
    var quantization: Quantization?
    var filter: ChunkFilter

    /// `feed` passes the tensor's values, in order, to the statistics Q8 scales come from; it is
    /// called only for Q8. Throws ``CheckpointError/invalidArgument(file:tensor:reason:)`` for an
    /// axis outside the shape, NaN / infinite values, or values too large for Q8.
    init(file: String, tensor: String, shape: [Int], requested: StorageType, channelAxis: Int?, byteShuffle: Bool,
         feed: (inout Q8Statistics) throws -> Void) throws {
        dtype = requested.effective(forShape: shape)
        filter = byteShuffle && dtype.byteWidth > 1 ? .byteShuffle : .none
        guard dtype == .q8 else { return }
        func bad(_ reason: String) -> CheckpointError { .invalidArgument(file: file, tensor: tensor, reason: reason) }
        if let axis = channelAxis, !shape.indices.contains(axis) {
            throw bad("channel axis \(axis) is outside shape \(shape)")
        }
        var statistics = Q8Statistics(shape: shape, axis: channelAxis)
        try feed(&statistics)
        guard !statistics.nonFinite else {
            throw bad("it holds NaN or infinite values, which Q8 storage cannot represent; store it as F32, or fix the weights")
        }
        guard let q = statistics.quantization() else {
            throw bad("it holds values beyond ±1.3e38, too large for Q8 scales; store it as F32")
        }
        quantization = q
    }
}

/// Builds the header: the tensor table rows in file order, then the whole object, serialised
/// deterministically. Shared by the writer and the streaming converter, so both give the same bytes.
struct TableBuilder {
    let codec: ChunkCodec
    private(set) var rows: [JSONValue] = []
    /// The format minor version the tensors need (1 when any is Q8, else 0).
    private(set) var minorVersion = 0

    init(codec: ChunkCodec) { self.codec = codec }

    mutating func append(name: String, shape: [Int], plan: StoragePlan, chunks: [ChunkEntry]) {
        var row: [String: JSONValue] = [
            "name": .string(name), "dtype": .string(plan.dtype.rawValue), "shape": .array(shape.map { .int($0) }),
            "codec": .string(codec.rawValue), "filter": .string(plan.filter.rawValue),
            "chunks": .array(chunks.map { c in
                ["offset": .int(c.offset), "stored_length": .int(c.storedLength), "raw_length": .int(c.rawLength),
                 "crc32": .int(Int(c.crc32))]
            }),
        ]
        if let q = plan.quantization { row["quantization"] = q.json }
        rows.append(.object(row))
        minorVersion = max(minorVersion, plan.dtype.minorVersion)
    }

    func header(file: String, producer: String, kind: CheckpointKind, model: JSONValue, metadata: [String: JSONValue],
                sections: [String: JSONValue], dataLength: Int) throws -> [UInt8] {
        let header: JSONValue = ["producer": .string(producer), "kind": .string(kind.rawValue), "model": model,
                                 "metadata": .object(metadata), "sections": .object(sections),
                                 "data_length": .int(dataLength), "tensors": .array(rows)]
        let bytes = header.serialized()
        guard bytes.count <= Layout.maximumHeaderLength else {
            throw CheckpointError.invalidArgument(
                file: file, tensor: nil,
                reason: "the header would be \(bytes.count) bytes, over the \(Layout.maximumHeaderLength)-byte limit; keep metadata and sections small (store large data as tensors)")
        }
        return bytes
    }
}

/// A laid-out checkpoint ready to stream: preamble, header, padding, chunks, trailer.
struct EncodedCheckpoint {
    let header: [UInt8]
    let minorVersion: Int
    let chunks: [(offset: Int, chunk: EncodedChunk)]
    let dataLength: Int

    func emit<S: ByteSink>(to sink: inout S) throws {
        try sink.write(ContainerFraming.preamble(header: header, minor: UInt16(minorVersion)))
        try sink.write(header)
        try sink.writeZeros(Layout.dataStart(headerLength: header.count) - Layout.preambleSize - header.count)
        var position = 0
        for (offset, chunk) in chunks {
            try sink.writeZeros(offset - position)
            try sink.write(chunk.bytes)
            position = offset + chunk.bytes.count
        }
        try sink.writeZeros(dataLength - position)
        try sink.write(ContainerFraming.trailer(dataLength: dataLength))
    }
}
