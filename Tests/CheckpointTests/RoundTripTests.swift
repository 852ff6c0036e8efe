import Checkpoint
import Foundation
import Testing

@Suite struct RoundTripTests {
    @Test(arguments: [StorageType.f32, .f16, .bf16])
    func tensorsComeBackRoundedToTheStorageType(storage: StorageType) throws {
        let tensors = Fixtures.smallTensors()
        let bytes = try CheckpointWriter(storage: storage).encode(
            kind: .training, model: Fixtures.model, tensors: tensors,
            metadata: ["epoch": 3, "note": "é"], sections: ["training": ["step": 1200, "rng": [.uint64(UInt64.max), 7]]])
        let file = try CheckpointFile(bytes: bytes)
        #expect(file.header.kind == .training)
        #expect(file.header.producer == "Pix2PixZoo")
        #expect(file.header.model == Fixtures.model)
        #expect(file.header.metadata == ["epoch": 3, "note": "é"])
        #expect(file.header.sections["training"]?["rng"]?[0]?.uint64Value == UInt64.max)
        #expect(file.header.majorVersion == 1 && file.header.minorVersion == 0)
        let loaded = try file.allTensors()
        #expect(loaded.map(\.name) == tensors.map(\.name))  // file order = caller order
        for (a, b) in zip(tensors, loaded) {
            #expect(b.shape == a.shape)
            #expect(b.storage == storage)
            #expect(bitsEqual(b.values, a.values.map { rounded($0, to: storage) }), "\(a.name) as \(storage)")
        }
        let special = try file.tensor(named: "special").values
        #expect(special[0] == .infinity && special[1] == -.infinity)
        #expect(special[4] == (storage == .f16 ? .infinity : rounded(70_000, to: storage)))
        #expect(special[5].sign == .minus && special[5] == 0)
    }

    @Test(arguments: [StorageType.f32, .bf16])
    func largeTensorsSplitIntoChunksOfAtMost4MiB(storage: StorageType) throws {
        let count = storage == .f32 ? 1_300_000 : 2_300_000  // two chunks either way
        let values = Fixtures.normals(count, seed: 5)
        let writer = CheckpointWriter(storage: storage, threads: 2)
        let bytes = try writer.encode(kind: .inference, model: [:], tensors: [TensorRecord(name: "w", shape: [count], values: values)])
        let file = try CheckpointFile(bytes: bytes)
        let entry = try #require(file.entry(named: "w"))
        #expect(entry.chunks.count == 2)
        #expect(entry.chunks.allSatisfy { $0.rawLength <= 4 << 20 && $0.offset % 64 == 0 })
        #expect(entry.chunks[0].rawLength == 4 << 20)
        #expect(entry.storedByteCount < entry.rawByteCount)  // shuffled zstd compresses these weights
        let back = try file.tensor(named: "w").values
        #expect(bitsEqual(back, storage == .f32 ? values : values.map(referenceBF16)))
        // The same bytes whatever the thread count.
        #expect(try CheckpointWriter(storage: storage, threads: 1).encode(
            kind: .inference, model: [:], tensors: [TensorRecord(name: "w", shape: [count], values: values)]) == bytes)
    }

    @Test func sameInputsGiveSameBytes() throws {
        let a = try Fixtures.validFile(storage: .f16)
        let b = try Fixtures.validFile(storage: .f16)
        #expect(a == b)
        let c = try Fixtures.validFile(storage: .f16, seed: 2)
        #expect(a != c)
    }

    @Test(arguments: [(3 as Int?, true), (nil, true), (3, false), (nil, false), (19, true), (-5, true)])
    func everyCodecAndFilterCombinationRoundTrips(level: Int?, shuffle: Bool) throws {
        let tensors = Fixtures.smallTensors()
        let writer = CheckpointWriter(storage: .f32, compressionLevel: level, byteShuffle: shuffle)
        let file = try CheckpointFile(bytes: try writer.encode(kind: .inference, model: [:], tensors: tensors))
        let entry = try #require(file.entry(named: "down.0.weight"))
        #expect(entry.codec == (level == nil ? .none : .zstd))
        #expect(entry.filter == (shuffle ? .byteShuffle : .none))
        for (a, b) in zip(tensors, try file.allTensors()) { #expect(bitsEqual(a.values, b.values)) }
    }

    @Test func perTensorStorageOverridesTheDefault() throws {
        var tensors = Fixtures.smallTensors()
        tensors[2].storage = .f32  // keep running variances exact
        let file = try CheckpointFile(bytes: try CheckpointWriter(storage: .bf16).encode(kind: .inference, model: [:], tensors: tensors))
        #expect(file.entry(named: "bn.running_var")?.dtype == .f32)
        #expect(file.entry(named: "down.0.weight")?.dtype == .bf16)
        #expect(try file.tensor(named: "bn.running_var").values == tensors[2].values)
    }

    @Test func viewsAndBulkReadsAvoidCopies() throws {
        let tensors = Fixtures.smallTensors()
        let buffers = tensors.map { t -> UnsafeMutableBufferPointer<Float> in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: t.values.count)
            _ = b.initialize(from: t.values)
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        let views = zip(tensors, buffers).map { TensorView(name: $0.name, shape: $0.shape, values: UnsafeBufferPointer($1)) }
        let fromViews = try CheckpointWriter().encode(kind: .inference, model: Fixtures.model, views: views)
        #expect(fromViews == (try CheckpointWriter().encode(kind: .inference, model: Fixtures.model, tensors: tensors)))

        let file = try CheckpointFile(bytes: fromViews)
        var loaded: [String: UnsafeMutableBufferPointer<Float>] = [:]
        defer { loaded.values.forEach { $0.deallocate() } }
        try file.readTensors { entry in
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: entry.elementCount)
            loaded[entry.name] = b
            return b
        }
        for t in tensors { #expect(bitsEqual(Array(loaded[t.name]!), t.values)) }

        let single = UnsafeMutableBufferPointer<Float>.allocate(capacity: 384)
        defer { single.deallocate() }
        try file.readTensor(named: "down.0.weight", into: single)
        #expect(Array(single) == tensors[0].values)
    }

    @Test func atomicWriteReplacesTheFileAndLeavesNoTemporaries() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.pzck")
        let writer = CheckpointWriter(storage: .bf16)
        try writer.write(to: url, kind: .inference, model: Fixtures.model, tensors: Fixtures.smallTensors(seed: 1))
        try writer.write(to: url, kind: .inference, model: Fixtures.model, tensors: Fixtures.smallTensors(seed: 2))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.pzck"])
        let onDisk = [UInt8](try Data(contentsOf: url))
        #expect(onDisk == (try writer.encode(kind: .inference, model: Fixtures.model, tensors: Fixtures.smallTensors(seed: 2))))
        let file = try CheckpointFile(contentsOf: url)
        #expect(file.name == url.path && file.fileSize == onDisk.count)
        try file.verifyData()
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
    }

    @Test func writerRejectsBadInputsWithoutTouchingTheDestination() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.pzck")
        let cases: [([TensorRecord], String)] = [
            ([TensorRecord(name: "a", shape: [2, 3], values: [1, 2, 3])], "shape [2, 3] holds 6 elements but 3 values"),
            ([TensorRecord(name: "a", shape: [1], values: [1]), TensorRecord(name: "a", shape: [1], values: [2])], "more than once"),
            ([TensorRecord(name: "", shape: [1], values: [1])], "empty name"),
            ([TensorRecord(name: "n", shape: [-1], values: [])], "negative extent"),
        ]
        for (tensors, message) in cases {
            #expect {
                try CheckpointWriter().write(to: url, kind: .inference, model: [:], tensors: tensors)
            } throws: { error in
                guard case .invalidArgument(let file, _, _) = error as? CheckpointError else { return false }
                return file == url.path && "\(error)".contains(message)
            }
        }
        #expect(throws: CheckpointError.self) {
            try CheckpointWriter(compressionLevel: 99).write(to: url, kind: .inference, model: [:], tensors: [])
        }
        #expect(throws: CheckpointError.self) {
            try CheckpointWriter().write(to: url, kind: .inference, model: "not an object", tensors: [])
        }
        let big: JSONValue = .string(String(repeating: "x", count: 17 << 20))
        #expect { try CheckpointWriter().encode(kind: .inference, model: [:], tensors: [], metadata: ["blob": big]) }
            throws: { "\($0)".contains("over the 16777216-byte limit") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func emptyCheckpointIsValid() throws {
        let bytes = try CheckpointWriter().encode(kind: .inference, model: [:], tensors: [])
        let file = try CheckpointFile(bytes: bytes)
        #expect(file.entries.isEmpty && file.header.dataLength == 0)
        #expect(try file.allTensors().isEmpty)
    }

    @Test func unknownHeaderFieldsAreIgnored() throws {
        var a = Anatomy(try Fixtures.validFile())
        var root = a.headerJSON.objectValue!
        root["future_field"] = ["anything": [1, 2]]
        a.headerJSON = .object(root)
        a.editTensor(0) { $0["future_tensor_field"] = "x" }
        a.editChunk(0, 0, "future_chunk_field", 5)
        a.minor = 7  // a newer minor version is still readable
        let file = try CheckpointFile(bytes: a.bytes())
        #expect(file.header.minorVersion == 7)
        #expect(file.header.json["future_field"] != nil)
        #expect(try file.allTensors() == CheckpointFile(bytes: try Fixtures.validFile()).allTensors())
    }
}
