import Base
import Checkpoint
import Foundation
import NN
import Pix2Pix
import Tensor

/// Writes state dicts as safetensors files (huggingface/safetensors): F32 tensors under the
/// network's state-dict keys — PyTorch's, so `load_state_dict` on the reference's
/// `UnetGenerator` takes the file — in PyTorch's layouts (convolutions OIHW, transposed
/// convolutions IOHW, which are also ours), with string metadata.
///
/// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does, so
/// the data is aligned; tensors follow in state-dict order, back to back. Atomic: temporary file,
/// fsync, rename.
public enum SafetensorsWriter {
    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        public var file: String
        public var tensors: Int
        public var elements: Int
        public var bytes: Int
    }

    /// The header for `tensors` (name, shape) in order, with `metadata`, padded to 8 bytes.
    static func header(_ tensors: [(name: String, shape: [Int])], metadata: [(key: String, value: String)]) -> [UInt8] {
        var object: [String: JSONValue] = [:]
        if !metadata.isEmpty {
            object["__metadata__"] = .object(Dictionary(metadata.map { ($0.key, JSONValue.string($0.value)) }, uniquingKeysWith: { $1 }))
        }
        var offset = 0
        for (name, shape) in tensors {
            let bytes = shape.reduce(1, *) * 4
            object[name] = .object(["dtype": "F32", "shape": .array(shape.map { .int($0) }),
                                    "data_offsets": .array([.int(offset), .int(offset + bytes)])])
            offset += bytes
        }
        var header = JSONValue.object(object).serialized()
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        return header
    }

    /// Writes `entries` (state-dict key → tensor, in order) with `metadata` to `url`.
    @discardableResult
    public static func write(_ entries: [(key: String, tensor: Tensor)], metadata: [(key: String, value: String)],
                             to url: URL, force: Bool = false) throws -> Summary {
        if !force, FileKind.of(url.path) != nil { throw ExportError.outputExists(file: url.path) }
        let header = header(entries.map { ($0.key, $0.tensor.shape) }, metadata: metadata)
        let length = UInt64(header.count).littleEndian
        try withExtendedLifetime(entries) {
            try AtomicFile.write(to: url) { sink in
                try withUnsafeBytes(of: length) { try sink.write($0) }
                try sink.write(header)
                for (_, t) in entries {
                    try sink.write(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4))
                }
            }
        }
        let elements = entries.reduce(0) { $0 + $1.tensor.count }
        return Summary(file: url.path, tensors: entries.count, elements: elements, bytes: 8 + header.count + elements * 4)
    }

    /// Writes a generator's state dict with the export metadata plus `"format": "pt"` (the key
    /// PyTorch-side loaders look for).
    @discardableResult
    public static func write(_ network: any GeneratorNetwork, metadata: ExportMetadata, to url: URL, force: Bool = false) throws -> Summary {
        try write(network.stateEntries(), metadata: [(key: "format", value: "pt")] + metadata.entries, to: url, force: force)
    }
}
