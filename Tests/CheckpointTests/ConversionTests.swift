import Checkpoint
import Foundation
import Testing

@Suite("Checkpoint conversion")
struct ConversionTests {
    /// A training checkpoint with sections and metadata, written as F32.
    static func source(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("in.pzck")
        try CheckpointWriter(storage: .f32, producer: "conversion test").write(
            to: url, kind: .training, model: Fixtures.model, tensors: Fixtures.smallTensors(),
            metadata: ["dataset": "facades"], sections: ["training": ["progress": ["step": 12]]])
        return url
    }

    @Test("every tensor is rounded to the new storage type; kind, producer, model, metadata and sections are copied")
    func roundTrip() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.source(in: dir)
        let out = dir.appendingPathComponent("bf16.pzck")
        let summary = try CheckpointConverter.convert(input: input.path, output: out.path, storage: .bf16, level: 3, force: false)
        #expect(summary.tensors == Fixtures.smallTensors().count && summary.fromTypes == [.f32] && summary.to == .bf16)
        #expect(summary.kind == .training && !summary.resumesExactly, "narrowed optimizer moments do not resume exactly")
        let original = try CheckpointFile(contentsOf: input), converted = try CheckpointFile(contentsOf: out)
        #expect(summary.outputSize == converted.fileSize && summary.inputSize == original.fileSize)
        #expect(converted.header.kind == .training && converted.header.producer == "conversion test")
        #expect(converted.header.model == original.header.model && converted.header.metadata == original.header.metadata)
        #expect(converted.header.sections == original.header.sections)
        #expect(converted.entries.map(\.name) == original.entries.map(\.name) && converted.entries.allSatisfy { $0.dtype == .bf16 })
        for record in Fixtures.smallTensors() {
            let values = try converted.tensor(named: record.name).values
            #expect(bitsEqual(values, record.values.map { rounded($0, to: .bf16) }), "\(record.name)")
        }
        let back = dir.appendingPathComponent("back.pzck")
        let widened = try CheckpointConverter.convert(input: out.path, output: back.path, storage: .f32, level: 1, force: false)
        #expect(widened.resumesExactly && widened.fromTypes == [.bf16])
        for record in Fixtures.smallTensors() {
            #expect(bitsEqual(try CheckpointFile(contentsOf: back).tensor(named: record.name).values,
                              try converted.tensor(named: record.name).values), "widening is exact (\(record.name))")
        }
    }

    @Test("the input itself and an existing output are refused before anything is read or written")
    func refusals() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.source(in: dir)
        let before = try Data(contentsOf: input)
        let link = dir.appendingPathComponent("link.pzck")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: input)
        for target in [input.path, dir.path + "/./in.pzck", link.path] {
            let error = try #require(throws: CheckpointConversionError.self) {
                try CheckpointConverter.convert(input: input.path, output: target, storage: .f16, level: 3, force: true)
            }
            #expect(error == .sameFile(input: input.path, output: target) && error.description.contains(target))
        }
        #expect(try Data(contentsOf: input) == before)

        let existing = dir.appendingPathComponent("existing.pzck")
        try Data("keep".utf8).write(to: existing)
        let error = try #require(throws: CheckpointConversionError.self) {
            try CheckpointConverter.convert(input: input.path, output: existing.path, storage: .f16, level: 3, force: false)
        }
        #expect(error == .outputExists(file: existing.path) && error.description.contains("--force"))
        #expect(try Data(contentsOf: existing) == Data("keep".utf8))
        _ = try CheckpointConverter.convert(input: input.path, output: existing.path, storage: .f16, level: 3, force: true)
        #expect(try CheckpointFile(contentsOf: existing).entries.allSatisfy { $0.dtype == .f16 })
    }
}
