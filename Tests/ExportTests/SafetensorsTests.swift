import Base
import Checkpoint
@testable import Export
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing

/// safetensors out (read by the safetensors package with numpy, bit for bit) and in (ours and
/// files as Python tools write them), and every malformed header refused with a typed error.
@Suite("safetensors", .serialized)
struct SafetensorsTests {
    static func architecture(_ name: String, _ overrides: ConfigOverrides) throws -> ModelArchitecture {
        try SafetensorsImport.architecture(generator: name, overrides: overrides)
    }

    static func export(_ network: any GeneratorNetwork, _ architecture: ModelArchitecture, to url: URL) throws {
        let metadata = ExportMetadata.network(architecture: architecture, channels: network.channels, sizeMultiple: network.sizeMultiple)
        try SafetensorsWriter.write(network, metadata: metadata, to: url)
    }

    @Test("the safetensors package (numpy, no PyTorch) reads every tensor bit for bit, with PyTorch's names and the metadata")
    func readByPython() throws {
        let dir = try ExportFixtures.temporaryDirectory("st-python")
        defer { try? FileManager.default.removeItem(at: dir) }
        let overrides: ConfigOverrides = ["ngf": 4, "input_channels": 1]
        let network = try ExportFixtures.generator("unet_64", overrides)
        let architecture = try Self.architecture("unet_64", overrides)
        let url = dir.appendingPathComponent("g.safetensors")
        try Self.export(network, architecture, to: url)

        let dump = try ExportFixtures.json(try ExportFixtures.python(["safetensors-dump", url.path]))
        let metadata = try #require(dump["metadata"] as? [String: String])
        #expect(metadata["format"] == "pt")
        let declared = try JSONValue(parsing: try #require(metadata[ExportMetadata.architectureKey]))
        #expect(try ModelArchitecture(json: declared, file: "metadata") == architecture)
        let rows = try #require(dump["tensors"] as? [[String: Any]])
        let ours = Dictionary(uniqueKeysWithValues: network.stateEntries().map { ($0.key, $0.tensor) })
        #expect(Set(rows.compactMap { $0["name"] as? String }) == Set(ours.keys))
        #expect(ours.keys.contains("model.model.0.weight") && ours.keys.contains("model.model.1.model.2.running_var"))
        for row in rows {
            let name = try #require(row["name"] as? String), tensor = try #require(ours[name])
            #expect(row["dtype"] as? String == "float32")
            #expect(row["shape"] as? [Int] == tensor.shape, "\(name)")
            let bytes = UnsafeRawBufferPointer(start: tensor.pointer, count: tensor.count * 4)
            #expect(row["hex"] as? String == bytes.map { String(format: "%02x", $0) }.joined(), "\(name): bits differ")
        }
        // The data starts 8-byte aligned (header padded with spaces, as the reference writer does).
        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
    }

    @Test("export → ckpt convert → load: the same weights, the architecture taken from the metadata")
    func roundTrip() throws {
        let dir = try ExportFixtures.temporaryDirectory("st-round")
        defer { try? FileManager.default.removeItem(at: dir) }
        let overrides: ConfigOverrides = ["ngf": 4, "norm": "instance"]
        let network = try ExportFixtures.generator("encoder_decoder_64", overrides)
        let architecture = try Self.architecture("encoder_decoder_64", overrides)
        let url = dir.appendingPathComponent("g.safetensors"), out = dir.appendingPathComponent("g.pzck")
        try Self.export(network, architecture, to: url)
        #expect(SafetensorsImport.recognizes(url.path))
        let summary = try SafetensorsImport.convert(input: url.path, output: out.path, architecture: nil, storage: .f32, level: 3, force: false)
        #expect(summary.architectureSource == "metadata" && summary.tensors == network.stateEntries().count)
        let loaded = try ModelCheckpoint.loadGenerator(from: out)
        #expect(loaded.architecture == architecture)
        for ((k1, a), (k2, b)) in zip(network.stateEntries(), loaded.network.stateEntries()) {
            #expect(k1 == k2 && a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "\(k1)")
        }
        // Refusals before reading: the output exists, the output is the input.
        #expect(throws: CheckpointConversionError.outputExists(file: out.path)) {
            try SafetensorsImport.convert(input: url.path, output: out.path, architecture: nil, storage: .f32, level: 3, force: false)
        }
        #expect(throws: CheckpointConversionError.sameFile(input: url.path, output: url.path)) {
            try SafetensorsImport.convert(input: url.path, output: url.path, architecture: nil, storage: .f32, level: 3, force: true)
        }
    }

    @Test("a file as PyTorch tools write it: F16 weights, int64 num_batches_tracked, a module. prefix, no architecture")
    func pythonWritten() throws {
        let dir = try ExportFixtures.temporaryDirectory("st-torch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let overrides: ConfigOverrides = ["ngf": 2]
        let network = try ExportFixtures.generator("unet_64", overrides)
        var tensors: [[String: Any]] = []
        var expected: [String: [Float]] = [:]
        for (key, t) in network.stateEntries() {
            // Values representable in F16, so the widened file values are the expected ones exactly.
            let values = t.scalars.map { Float(Float16($0)) }
            expected[key] = values
            tensors.append(["name": "module." + key, "dtype": "float16", "shape": t.shape, "values": values.map { Double($0) }])
            if key.hasSuffix("running_var") {
                tensors.append(["name": "module." + key.replacingOccurrences(of: "running_var", with: "num_batches_tracked"),
                                "dtype": "int64", "shape": [Int](), "values": [12]])
            }
        }
        let spec = dir.appendingPathComponent("spec.json"), url = dir.appendingPathComponent("torch.safetensors")
        try JSONSerialization.data(withJSONObject: ["tensors": tensors, "metadata": ["format": "pt"]] as [String: Any]).write(to: spec)
        let write = try ExportFixtures.python(["safetensors-write", url.path, spec.path])
        #expect(write.status == 0, "\(write.stderr)")

        let out = dir.appendingPathComponent("torch.pzck")
        #expect(throws: SafetensorsError.noArchitecture(file: url.path)) {
            try SafetensorsImport.convert(input: url.path, output: out.path, architecture: nil, storage: .f32, level: 3, force: false)
        }
        // The wrong architecture: every difference in one error, nothing written.
        do {
            try SafetensorsImport.convert(input: url.path, output: out.path, architecture: try Self.architecture("unet_64", ["ngf": 4]),
                                          storage: .f32, level: 3, force: false)
            Issue.record("a ngf 2 file loaded as ngf 4")
        } catch let SafetensorsError.stateMismatch(_, mismatch, _) {
            #expect(mismatch.wrongShape.count > 10 && mismatch.missing.isEmpty && mismatch.unexpected.isEmpty)
        }
        #expect(FileKind.of(out.path) == nil)

        let summary = try SafetensorsImport.convert(input: url.path, output: out.path, architecture: try Self.architecture("unet_64", overrides),
                                                    storage: .bf16, level: 3, force: false)
        #expect(summary.dropped.count == network.namedModules().filter { $0.module is BatchNorm2d }.count && summary.fromTypes == ["F16"] && summary.architectureSource == "flags")
        let f32 = dir.appendingPathComponent("torch32.pzck")
        try SafetensorsImport.convert(input: url.path, output: f32.path, architecture: try Self.architecture("unet_64", overrides),
                                      storage: .f32, level: 3, force: false)
        let loaded = try ModelCheckpoint.loadGenerator(from: f32)
        for (key, t) in loaded.network.stateEntries() {
            #expect(t.scalars.map(\.bitPattern) == expected[key]?.map(\.bitPattern), "\(key)")
        }
    }

    // MARK: Malformed files

    /// A well-formed file of two F32 tensors: a [2] and b [1, 1].
    static func file(header: String, data: [UInt8] = [UInt8](repeating: 0, count: 12), length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = length ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    static let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}"#

    /// (what, bytes, the error's case name).
    static let malformed: [(String, [UInt8], String)] = [
        ("shorter than 8 bytes", [1, 2, 3], "truncated"),
        ("header longer than the file", file(header: good, length: 1000), "headerLength"),
        ("header length 2^63", file(header: good, length: 1 << 63), "headerLength"),
        ("header length above the limit", file(header: good, length: UInt64(SafetensorsFile.maximumHeaderLength + 1)), "headerLength"),
        ("header not JSON", file(header: "{nope"), "invalidHeader"),
        ("header not an object", file(header: "[1,2]"), "invalidHeader"),
        ("duplicate tensor names", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#), "invalidHeader"),
        ("metadata value not a string", file(header: #"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#), "invalidMetadata"),
        ("entry not an object", file(header: #"{"a":[1]}"#), "invalidEntry"),
        ("dtype missing", file(header: #"{"a":{"shape":[3],"data_offsets":[0,12]}}"#), "invalidEntry"),
        ("unknown dtype", file(header: #"{"a":{"dtype":"F17","shape":[3],"data_offsets":[0,12]}}"#), "unknownDType"),
        ("negative dimension", file(header: #"{"a":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}}"#), "invalidEntry"),
        ("fractional dimension", file(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,12]}}"#), "invalidEntry"),
        ("offsets reversed", file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[12,0]}}"#), "invalidEntry"),
        ("one offset", file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[12]}}"#), "invalidEntry"),
        ("shape larger than its bytes", file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}"#), "sizeMismatch"),
        ("dtype size disagrees", file(header: #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,12]}}"#), "sizeMismatch"),
        ("2^62 elements (overflowing bytes)", file(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,12]}}"#), "sizeMismatch"),
        ("shape product overflows", file(header: #"{"a":{"dtype":"U8","shape":[4294967296,4294967296,3],"data_offsets":[0,12]}}"#), "sizeMismatch"),
        ("offsets past the data", file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#), "offsetOutOfRange"),
        ("overlapping tensors", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#), "overlap"),
        ("a gap before a tensor", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#), "gap"),
        ("bytes after the last tensor", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#), "trailingBytes"),
    ]

    static func caseName(_ error: SafetensorsError) -> String {
        Mirror(reflecting: error).children.first?.label ?? "\(error)"
    }

    @Test("every malformed header is refused with its typed error, naming the file", arguments: 0..<SafetensorsTests.malformed.count)
    func refused(_ index: Int) throws {
        let (what, bytes, expected) = Self.malformed[index]
        let dir = try ExportFixtures.temporaryDirectory("st-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.safetensors")
        try Data(bytes).write(to: url)
        do {
            _ = try SafetensorsFile(contentsOf: url)
            Issue.record("\(what): accepted")
        } catch let error as SafetensorsError {
            #expect(Self.caseName(error) == expected, "\(what): \(error)")
            #expect(error.description.hasPrefix(url.path), "\(what): \(error.description)")
        }
    }

    @Test("the well-formed file of the malformed table opens, and a non-float tensor is refused as a weight")
    func wellFormed() throws {
        let dir = try ExportFixtures.temporaryDirectory("st-good")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("good.safetensors")
        let values: [Float] = [1, -2, 3.5]
        let data = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
        try Data(Self.file(header: Self.good, data: data)).write(to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.entries.map(\.name) == ["a", "b"] && file.entries.map(\.shape) == [[2], [1, 1]])
        #expect(try file.floats(file.entries[0]) == [1, -2] && (try file.floats(file.entries[1])) == [3.5])

        let ints = dir.appendingPathComponent("ints.safetensors")
        try Data(Self.file(header: #"{"a":{"dtype":"I32","shape":[3],"data_offsets":[0,12]}}"#)).write(to: ints)
        let intFile = try SafetensorsFile(contentsOf: ints)
        #expect(throws: SafetensorsError.unsupportedDType(file: ints.path, tensor: "a", dtype: "I32")) { try intFile.floats(intFile.entries[0]) }
    }
}
