/// Turns a parsed header object into a ``CheckpointHeader``, checking every field the spec makes
/// mandatory and every number against the bounds it states, before anything is allocated from it.
/// Fields it does not know are ignored (they are still covered by the header checksum).
struct HeaderDecoder {
    let file: String

    /// Element count × item size must stay below this (2^53: exact in every JSON implementation).
    static let maximumTensorBytes = 1 << 53

    func decode(_ json: JSONValue, major: Int, minor: Int) throws -> CheckpointHeader {
        guard let object = json.objectValue else { throw invalid("the header is not a JSON object") }
        let producer = try requiredString(object, "producer")
        let kindText = try requiredString(object, "kind")
        guard let kind = CheckpointKind(rawValue: kindText) else {
            throw invalid("\"kind\" is \"\(kindText)\"; expected \"inference\" or \"training\"")
        }
        guard let model = object["model"], model.objectValue != nil else {
            throw invalid("\"model\" is missing or not an object")
        }
        let metadata = try optionalObject(object, "metadata")
        let sections = try optionalObject(object, "sections")
        guard let dataLength = object["data_length"]?.numberValue?.exactInt, dataLength >= 0,
              dataLength % Layout.alignment == 0, dataLength < 1 << 62 else {
            throw invalid("\"data_length\" is missing or not a non-negative integer multiple of \(Layout.alignment)")
        }
        guard let table = object["tensors"]?.arrayValue else { throw invalid("\"tensors\" is missing or not an array") }

        var tensors: [TensorEntry] = []
        tensors.reserveCapacity(table.count)
        var seen = Set<String>()
        for (position, row) in table.enumerated() {
            let entry = try decodeTensor(row, position: position, dataLength: dataLength)
            guard seen.insert(entry.name).inserted else { throw invalid("tensor name '\(entry.name)' appears more than once") }
            tensors.append(entry)
        }
        try checkOverlaps(tensors)
        return CheckpointHeader(majorVersion: major, minorVersion: minor, producer: producer, kind: kind, model: model,
                                metadata: metadata, sections: sections, tensors: tensors, dataLength: dataLength, json: json)
    }

    private func invalid(_ reason: String) -> CheckpointError { .invalidHeader(file: file, reason: reason) }

    private func requiredString(_ o: [String: JSONValue], _ key: String) throws -> String {
        guard let s = o[key]?.stringValue else { throw invalid("\"\(key)\" is missing or not a string") }
        return s
    }

    private func optionalObject(_ o: [String: JSONValue], _ key: String) throws -> [String: JSONValue] {
        guard let v = o[key] else { return [:] }
        guard let d = v.objectValue else { throw invalid("\"\(key)\" is not an object") }
        return d
    }

    private func decodeTensor(_ row: JSONValue, position: Int, dataLength: Int) throws -> TensorEntry {
        guard let o = row.objectValue else { throw invalid("tensor table entry \(position) is not an object") }
        guard let name = o["name"]?.stringValue, !name.isEmpty else {
            throw invalid("tensor table entry \(position) has no non-empty \"name\"")
        }
        func field(_ key: String) throws -> String {
            guard let s = o[key]?.stringValue else {
                throw CheckpointError.invalidHeader(file: file, reason: "tensor '\(name)': \"\(key)\" is missing or not a string")
            }
            return s
        }
        let dtypeText = try field("dtype"), codecText = try field("codec"), filterText = try field("filter")
        guard let dtype = StorageType(rawValue: dtypeText) else {
            throw CheckpointError.unsupportedEncoding(file: file, tensor: name, field: "dtype", value: dtypeText)
        }
        guard let codec = ChunkCodec(rawValue: codecText) else {
            throw CheckpointError.unsupportedEncoding(file: file, tensor: name, field: "codec", value: codecText)
        }
        guard let filter = ChunkFilter(rawValue: filterText) else {
            throw CheckpointError.unsupportedEncoding(file: file, tensor: name, field: "filter", value: filterText)
        }

        // Shape: integers ≥ 0 whose product × item size stays below 2^53.
        guard let shapeJSON = o["shape"], let extents = shapeJSON.arrayValue else {
            throw CheckpointError.invalidShape(file: file, tensor: name, shape: o["shape"]?.description ?? "(missing)",
                                               reason: "\"shape\" must be an array of integers")
        }
        func badShape(_ reason: String) -> CheckpointError {
            .invalidShape(file: file, tensor: name, shape: shapeJSON.description, reason: reason)
        }
        var shape: [Int] = []
        shape.reserveCapacity(extents.count)
        for e in extents {
            guard let n = e.numberValue, n.isIntegerLiteral else { throw badShape("extent \(e) is not an integer") }
            guard let v = n.exactInt, v >= 0 else { throw badShape("extent \(n) is negative or too large") }
            shape.append(v)
        }
        var byteCount = shape.contains(0) ? 0 : dtype.byteWidth
        if byteCount > 0 {
            for v in shape {
                let (p, overflow) = byteCount.multipliedReportingOverflow(by: v)
                guard !overflow, p < HeaderDecoder.maximumTensorBytes else {
                    throw badShape("the element count overflows (more than 2^53 bytes)")
                }
                byteCount = p
            }
        }

        guard let chunkRows = o["chunks"]?.arrayValue else {
            throw CheckpointError.invalidHeader(file: file, reason: "tensor '\(name)': \"chunks\" is missing or not an array")
        }
        var chunks: [ChunkEntry] = []
        chunks.reserveCapacity(chunkRows.count)
        var rawTotal = 0
        for (index, c) in chunkRows.enumerated() {
            let chunk = try decodeChunk(c, tensor: name, index: index, dtype: dtype, codec: codec, dataLength: dataLength)
            rawTotal += chunk.rawLength
            guard rawTotal <= byteCount else {
                throw badShape("its chunks hold more than the \(byteCount) bytes the shape implies")
            }
            chunks.append(chunk)
        }
        guard rawTotal == byteCount else {
            throw badShape("the shape implies \(byteCount) bytes of \(dtype.rawValue) but the chunks hold \(rawTotal)")
        }
        // Q8 (format 1.1): the scales, checked here so that decoding never meets a bad one.
        var quantization: Quantization?
        switch (dtype, o["quantization"]) {
        case (.q8, nil):
            throw CheckpointError.invalidQuantization(file: file, tensor: name, reason: "a Q8 tensor needs a \"quantization\" object")
        case (.q8, let value?):
            switch Quantization.decode(value, shape: shape) {
            case .success(let q): quantization = q
            case .failure(let problem): throw CheckpointError.invalidQuantization(file: file, tensor: name, reason: problem.reason)
            }
        case (_, _?):
            throw CheckpointError.invalidQuantization(file: file, tensor: name,
                                                      reason: "\"quantization\" is only valid with dtype Q8, not \(dtype.rawValue)")
        case (_, nil):
            break
        }
        return TensorEntry(name: name, dtype: dtype, shape: shape, codec: codec, filter: filter, chunks: chunks,
                           quantization: quantization)
    }

    private func decodeChunk(_ c: JSONValue, tensor: String, index: Int, dtype: StorageType, codec: ChunkCodec,
                             dataLength: Int) throws -> ChunkEntry {
        func bad(_ reason: String) -> CheckpointError { .invalidChunk(file: file, tensor: tensor, chunk: index, reason: reason) }
        guard let o = c.objectValue else { throw bad("the entry is not an object") }
        func integer(_ key: String) throws -> Int {
            guard let v = o[key]?.numberValue?.exactInt, v >= 0 else {
                throw bad("\"\(key)\" is missing or not a non-negative integer")
            }
            return v
        }
        let offset = try integer("offset"), stored = try integer("stored_length")
        let raw = try integer("raw_length"), crc = try integer("crc32")
        guard crc <= Int(UInt32.max) else { throw bad("\"crc32\" \(crc) does not fit in 32 bits") }
        guard offset % Layout.alignment == 0 else { throw bad("offset \(offset) is not a multiple of \(Layout.alignment)") }
        guard raw >= 1, raw <= Layout.maximumChunkRawLength else {
            throw bad("raw_length \(raw) is outside 1...\(Layout.maximumChunkRawLength)")
        }
        guard raw % dtype.byteWidth == 0 else {
            throw bad("raw_length \(raw) is not a whole number of \(dtype.byteWidth)-byte \(dtype.rawValue) elements")
        }
        switch codec {
        case .none:
            guard stored == raw else { throw bad("stored_length \(stored) differs from raw_length \(raw) with codec none") }
        case .zstd:
            let least = Layout.minimumStoredLength(raw: raw), most = Layout.maximumStoredLength(raw: raw)
            guard stored >= least, stored <= most else {
                throw bad("stored_length \(stored) is outside \(least)...\(most) for \(raw) raw bytes (no zstd frame of \(raw) bytes is smaller or larger)")
            }
        }
        guard offset <= dataLength, stored <= dataLength - offset else {
            throw bad("its \(stored) bytes at offset \(offset) lie outside the \(dataLength)-byte data area")
        }
        return ChunkEntry(offset: offset, storedLength: stored, rawLength: raw, crc32: UInt32(crc))
    }

    private func checkOverlaps(_ tensors: [TensorEntry]) throws {
        var spans: [(start: Int, end: Int, tensor: Int, chunk: Int)] = []
        for (t, entry) in tensors.enumerated() {
            for (c, chunk) in entry.chunks.enumerated() {
                spans.append((chunk.offset, chunk.offset + chunk.storedLength, t, c))
            }
        }
        spans.sort { ($0.start, $0.tensor, $0.chunk) < ($1.start, $1.tensor, $1.chunk) }
        for i in spans.indices.dropFirst() where spans[i].start < spans[i - 1].end {
            let (a, b) = (spans[i], spans[i - 1])
            throw CheckpointError.overlappingChunks(file: file, tensor: tensors[a.tensor].name, chunk: a.chunk,
                                                    otherTensor: tensors[b.tensor].name, otherChunk: b.chunk)
        }
    }
}
