import Checkpoint

/// The `.pzck` reader: open from bytes, then decode every tensor three ways (one by one, all at once
/// into caller buffers, and `verifyData`) — F32, F16, BF16 and Q8 (the seeds hold each).
///
/// Mutated bytes almost always fail a CRC-32 first (preamble, header, chunk), which would keep the
/// fuzzer at the door. So each input is read twice: as given, and "re-sealed" — the preamble and
/// header checksums recomputed and, when the header parses, every chunk's `crc32`, the data length
/// and the trailer rewritten to match — so that forged headers, tables and zstd frames reach the
/// code behind the checksums.
enum CheckpointFuzz {
    static func run(_ bytes: [UInt8]) {
        read(bytes)
        if let sealed = PZCK.resealed(bytes), sealed != bytes { read(sealed) }
    }

    /// Under the fuzzer's 2 GB allocation limit: what the tables declare beyond it must be refused
    /// (`CheckpointError.overBudget`), never allocated.
    static let memoryBudget = 1 << 28

    static func read(_ bytes: [UInt8]) {
        guard let file = try? CheckpointFile(bytes: bytes, name: "fuzz.pzck", memoryBudget: memoryBudget) else { return }
        _ = file.shapes
        _ = try? file.verify(expected: [:])
        for entry in file.entries {
            _ = try? file.tensor(named: entry.name)
        }
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        _ = try? file.readTensors { entry in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: entry.elementCount)
            buffers.append(buffer)
            return buffer
        }
        for buffer in buffers { buffer.deallocate() }
        _ = try? file.verifyData()
    }
}

/// Byte layout of a `.pzck` file, version 1 (Docs: CheckpointFormat), for re-sealing mutated files.
enum PZCK {
    static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x43, 0x4B, 0x0D, 0x0A, 0x1A]
    static let preambleSize = 32, trailerSize = 16, alignment = 64
    static let maximumHeaderLength = 16 << 20

    static func alignUp(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    static func readLE<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        return v
    }

    static func writeLE<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], at offset: Int) {
        for i in 0..<MemoryLayout<T>.size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    /// `bytes` with valid checksums (and, when the header is a JSON object, chunk CRCs, data length
    /// and trailer rebuilt from the data present); nil when there is no preamble to fix.
    static func resealed(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= preambleSize, Array(bytes[0..<8]) == magic else { return nil }
        let declared = readLE(UInt64.self, bytes, at: 16)
        guard declared <= UInt64(maximumHeaderLength), preambleSize + Int(declared) <= bytes.count else {
            return sealPreamble(bytes, headerLength: nil)
        }
        let headerLength = Int(declared)
        let header = Array(bytes[preambleSize..<preambleSize + headerLength])
        guard case .object(var object)? = (try? JSONValue(parsing: header)) else {
            return sealPreamble(bytes, headerLength: headerLength)
        }
        let dataStart = alignUp(preambleSize + headerLength)
        let data = dataStart < bytes.count ? Array(bytes[dataStart..<max(dataStart, bytes.count - trailerSize)]) : []
        if case .array(var tensors)? = object["tensors"] {
            for t in tensors.indices {
                guard case .object(var tensor) = tensors[t], case .array(var chunks)? = tensor["chunks"] else { continue }
                for c in chunks.indices {
                    guard case .object(var chunk) = chunks[c], let offset = chunk["offset"]?.intValue,
                          let stored = chunk["stored_length"]?.intValue, offset >= 0, stored >= 0,
                          offset <= data.count, stored <= data.count - offset else { continue }
                    chunk["crc32"] = .int(Int(Checksum.crc32(Array(data[offset..<offset + stored]))))
                    chunks[c] = .object(chunk)
                }
                tensor["chunks"] = .array(chunks)
                tensors[t] = .object(tensor)
            }
            object["tensors"] = .array(tensors)
        }
        let dataLength = alignUp(data.count)
        if object["data_length"] == nil || object["data_length"]?.intValue != nil { object["data_length"] = .int(dataLength) }
        return container(header: JSONValue.object(object).serialized(), data: data,
                         version: (readLE(UInt16.self, bytes, at: 8), readLE(UInt16.self, bytes, at: 10)),
                         flags: readLE(UInt32.self, bytes, at: 12))
    }

    /// Preamble and header checksums recomputed in place.
    static func sealPreamble(_ bytes: [UInt8], headerLength: Int?) -> [UInt8] {
        var out = bytes
        if let headerLength {
            writeLE(Checksum.crc32(Array(out[preambleSize..<preambleSize + headerLength])), &out, at: 24)
        }
        writeLE(Checksum.crc32(Array(out[0..<28])), &out, at: 28)
        return out
    }

    /// A whole file: preamble, header, zero padding, the data area padded to 64 bytes, trailer.
    static func container(header: [UInt8], data: [UInt8], version: (UInt16, UInt16) = (1, 0), flags: UInt32 = 0) -> [UInt8] {
        ContainerFraming.file(header: header, data: data, major: version.0, minor: version.1, flags: flags)
    }
}
