import Checkpoint
import Foundation
import Imaging
import NN
import Pix2Pix
import Tensor
import Testing
@testable import Zoo

@Suite("Zoo bad input", .serialized)
struct BadInputTests {
    /// A temporary zoo holding `gray-tiny@1.0.0` published from a bare checkpoint (fast).
    static func publishedZoo(_ name: String) throws -> (dir: URL, zoo: ZooStore, entry: ZooEntry) {
        let dir = try ZooFixtures.temporaryDirectory(name)
        let checkpoint = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: checkpoint)
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        let entry = try zoo.publish(ZooFixtures.request(checkpoint))
        return (dir, zoo, entry)
    }

    @Test("a duplicate version is refused and the zoo is unchanged; also when another searched zoo has it")
    func duplicateVersion() throws {
        let (dir, zoo, entry) = try Self.publishedZoo("dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try ZooFixtures.snapshot(zoo.root)
        let checkpoint = dir.appendingPathComponent("g.pzck")
        #expect(throws: ZooError.versionExists(id: "gray-tiny", version: "1.0.0", path: entry.directory.path)) {
            try zoo.publish(ZooFixtures.request(checkpoint))
        }
        #expect(try ZooFixtures.snapshot(zoo.root) == before)

        // A user zoo in front of it: publishing the same id@version there is refused too.
        let user = ZooStore(root: dir.appendingPathComponent("user"))
        let catalog = ZooCatalog(stores: [user, ZooStore(root: zoo.root, readOnly: true)])
        #expect(throws: ZooError.versionExists(id: "gray-tiny", version: "1.0.0", path: entry.directory.path)) {
            try catalog.publish(ZooFixtures.request(checkpoint))
        }
        #expect(!FileManager.default.fileExists(atPath: user.root.appendingPathComponent("gray-tiny").path))
        // A read-only zoo is never written.
        #expect(throws: ZooError.self) { try ZooStore(root: zoo.root, readOnly: true).publish(ZooFixtures.request(checkpoint, version: "2.0.0")) }
        #expect(throws: ZooError.self) { try ZooStore(root: zoo.root, readOnly: true).remove(id: "gray-tiny", version: SemanticVersion(parsing: "1.0.0")) }
    }

    @Test("a failed publish leaves the zoo exactly as it was")
    func failedPublish() throws {
        let (dir, zoo, _) = try Self.publishedZoo("failed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try ZooFixtures.snapshot(zoo.root)
        let checkpoint = dir.appendingPathComponent("g.pzck")

        // Validation data that cannot be opened: fails after the model was staged.
        var request = ZooFixtures.request(checkpoint, version: "1.1.0")
        request.validationData = dir.appendingPathComponent("missing.h5").path
        #expect(throws: ZooError.self) { try zoo.publish(request) }
        #expect(try ZooFixtures.snapshot(zoo.root) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: zoo.root.path).sorted() == ["gray-tiny", "index.json"], "no staging folder left")

        // Weights with NaN.
        let model = try Pix2PixModel(generator: "unet_64", discriminator: "patchgan_16",
                                     generatorOverrides: ["ngf": 4, "input_channels": 1, "output_channels": 3], discriminatorOverrides: ["ndf": 4])
        let first = model.generator.stateEntries()[0].tensor
        first.pointer[0] = .nan
        let nan = dir.appendingPathComponent("nan.pzck")
        try ModelCheckpoint.saveInference(model, to: nan)
        #expect {
            try zoo.publish(ZooFixtures.request(nan, id: "nan"))
        } throws: { error in
            "\(error)".contains("NaN") && "\(error)".contains("nan.pzck")
        }
        // Bad ids, versions and sources.
        for (id, version) in [("Gray", "1.0.0"), ("-x", "1.0.0"), ("a/b", "1.0.0"), ("ok", "1.0"), ("ok", "01.0.0"), ("ok", "1.0.0+build")] {
            #expect(throws: ZooError.self, "\(id)@\(version)") { try zoo.publish(ZooFixtures.request(checkpoint, id: id, version: version)) }
        }
        #expect(throws: ZooError.invalidSource(path: dir.appendingPathComponent("nothing").path, reason: "no such file or directory")) {
            try zoo.publish(ZooFixtures.request(dir.appendingPathComponent("nothing"), version: "3.0.0"))
        }
        #expect(throws: ZooError.self) { try zoo.publish(ZooFixtures.request(dir, version: "3.0.0")) }  // a folder without latest.pzck
        #expect(throws: CheckpointError.self) {  // not a checkpoint
            let text = dir.appendingPathComponent("notes.pzck")
            try Data("hello".utf8).write(to: text)
            try zoo.publish(ZooFixtures.request(text, version: "3.0.1"))
        }
        #expect(try ZooFixtures.snapshot(zoo.root) == before)
    }

    @Test("verify reports every problem: corrupt model, edited card, wrong README, stray and missing files, stale index")
    func verifyReportsEverything() throws {
        let (dir, zoo, entry) = try Self.publishedZoo("verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try zoo.verify().isClean)

        try ZooFixtures.corrupt(entry.modelFile)
        try Data("stray".utf8).write(to: entry.directory.appendingPathComponent("notes.txt"))
        try FileManager.default.removeItem(at: entry.directory.appendingPathComponent("samples/input_0.png"))
        try Data("# edited\n".utf8).write(to: entry.directory.appendingPathComponent("README.md"))
        try FileManager.default.createDirectory(at: zoo.root.appendingPathComponent("Bad Name"), withIntermediateDirectories: true)

        let report = try zoo.verify()
        let messages = report.problems.map(\.description)
        func has(_ path: String, _ fragment: String) -> Bool {
            report.problems.contains { $0.path.hasSuffix(path) && $0.message.contains(fragment) }
        }
        #expect(has("model.pzck", "SHA-256"), "\(messages)")
        #expect(has("model.pzck", "does not load"), "\(messages)")
        #expect(has("notes.txt", "not listed"), "\(messages)")
        #expect(has("samples/input_0.png", "missing"), "\(messages)")
        #expect(has("README.md", "bytes, but the card says"), "\(messages)")
        #expect(has("README.md", "does not match the README generated"), "\(messages)")
        #expect(has("Bad Name", "not a valid model id"), "\(messages)")
        #expect(report.problems.count >= 7)

        // translate fails clearly: the model file does not match its card.
        #expect {
            try Translator(model: "gray-tiny", catalog: ZooCatalog(root: zoo.root))
        } throws: { error in
            guard case let ZooError.fileMismatch(path, reason) = error else { return false }
            return path.hasSuffix("gray-tiny/1.0.0/model.pzck") && reason.contains("SHA-256")
                && "\(error)".contains("zoo verify")
        }
        // Loading the damaged file directly fails on its own checksums.
        #expect(throws: CheckpointError.self) { try Translator(checkpoint: entry.modelFile) }

        // An edited card: the index no longer matches, and the changed field is caught.
        var card = entry.card
        card.summary = "edited"
        try Data(try card.encoded()).write(to: entry.directory.appendingPathComponent("card.json"))
        let second = try zoo.verify()
        #expect(second.problems.contains { $0.path.hasSuffix("index.json") && $0.message.contains("differs") })
        // A golden output the model does not reproduce.
        let (dir2, zoo2, entry2) = try Self.publishedZoo("golden")
        defer { try? FileManager.default.removeItem(at: dir2) }
        let goldenURL = entry2.directory.appendingPathComponent("samples/golden.pzck")
        let golden = try GoldenSample.read(goldenURL)
        let input = try Tensor(shape: golden.input.shape, values: golden.input.values)
        let shifted = try Tensor(shape: golden.output.shape, values: golden.output.values.map { $0 + 0.01 })
        try GoldenSample.write(input: input, output: shifted, architecture: try ModelCheckpoint.readArchitecture(from: entry2.modelFile).architecture, to: goldenURL)
        let problems = try zoo2.verify().problems
        #expect(problems.contains { $0.message.contains("does not reproduce the golden output") }, "\(problems)")
        #expect(problems.contains { $0.path.hasSuffix("golden.pzck") && ($0.message.contains("SHA-256") || $0.message.contains("but the card says")) }, "\(problems)")
    }

    @Test("unknown ids suggest close ones; unknown versions list the available ones")
    func unknownIDs() throws {
        let (dir, zoo, _) = try Self.publishedZoo("unknown")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = ZooCatalog(root: zoo.root)
        #expect(throws: ZooError.unknownModel(id: "gray-tinny", searched: [zoo.root.path], suggestions: ["gray-tiny"])) {
            try catalog.find("gray-tinny")
        }
        #expect(throws: ZooError.unknownModel(id: "edges", searched: [zoo.root.path], suggestions: [])) { try catalog.find("edges") }
        #expect(throws: ZooError.unknownVersion(id: "gray-tiny", version: "2.0.0", available: ["1.0.0"])) { try catalog.find("gray-tiny@2.0.0") }
        #expect(throws: ZooError.self) { try catalog.find("gray-tiny@latest") }
        #expect("\(ZooError.unknownModel(id: "gray-tinny", searched: [], suggestions: ["gray-tiny"]))".contains("did you mean \"gray-tiny\""))
        #expect(throws: ZooError.self) { try zoo.verify(id: "nothing") }
        #expect(throws: ZooError.self) { try zoo.remove(id: "gray-tiny", version: SemanticVersion(parsing: "9.9.9")) }
    }

    @Test("inputs the model cannot take are refused with the model's name")
    func unsupportedInput() throws {
        let (dir, _, entry) = try Self.publishedZoo("input")
        defer { try? FileManager.default.removeItem(at: dir) }
        let translator = try Translator(entry: entry)
        let wrongChannels = Tensor.zeros([1, 64, 64, 3])
        #expect {
            try translator.run(wrongChannels)
        } throws: { error in
            "\(error)".contains("gray-tiny@1.0.0") && "\(error)".contains("channel")
        }
        #expect(throws: ZooError.self) { try translator.run(Tensor.zeros([1, 60, 64, 1])) }
        // A missing card makes the version invisible, and verify says why.
        try FileManager.default.removeItem(at: entry.directory.appendingPathComponent("card.json"))
        #expect(throws: ZooError.self) { try ZooCatalog(root: entry.zoo).find("gray-tiny") }
        let problems = try ZooStore(root: entry.zoo).verify().problems
        #expect(problems.contains { $0.subject == "gray-tiny@1.0.0" && $0.message.contains("missing or unreadable") }, "\(problems)")
    }
}
