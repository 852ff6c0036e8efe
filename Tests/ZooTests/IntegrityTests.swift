import ArgumentParser
import Checkpoint
import Foundation
import Pix2Pix
import Testing
@testable import pix2pix
@testable import Zoo

/// Zoo integrity: missing zoos, forged cards and symlinks, the recorded discriminator, debris of
/// killed writes and a stale index.
@Suite("Zoo integrity", .serialized)
struct IntegrityTests {
    static func cli(_ arguments: [String]) throws {
        var command = try Pix2PixCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// Rewrites an entry's card.
    static func rewriteCard(_ entry: ZooEntry, _ edit: (inout ModelCard) -> Void) throws {
        var card = entry.card
        edit(&card)
        try Data(try card.encoded()).write(to: entry.directory.appendingPathComponent(ZooLayout.cardFile))
    }

    // MARK: 1. Missing zoos

    @Test("every zoo command that reads (list, show, verify, gc, index, remove, translate) fails on a missing zoo or a file, naming the path")
    func missingZoo() throws {
        let dir = try ZooFixtures.temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nowhere")
        let file = dir.appendingPathComponent("file")
        try Data("not a zoo".utf8).write(to: file)

        #expect(throws: ZooError.notAZoo(path: missing.path, reason: "no such folder")) { try ZooStore(root: missing).verify() }
        #expect(throws: ZooError.notAZoo(path: file.path, reason: "it is a file, not a folder")) { try ZooStore(root: file).verify() }
        #expect("\(ZooError.notAZoo(path: file.path, reason: "it is a file, not a folder"))".contains("Hint: name the zoo folder with --zoo"))
        for path in [missing.path, file.path] {
            #expect(throws: ZooError.self) { try Self.cli(["zoo", "verify", "--zoo", path]) }
            #expect(throws: ZooError.self) { try Self.cli(["zoo", "gc", "--zoo", path]) }
        }
        #expect(throws: ZooError.notAZoo(path: file.path, reason: "it is a file, not a folder")) { try Self.cli(["zoo", "list", "--zoo", file.path]) }
        #expect(throws: ZooError.notAZoo(path: file.path, reason: "it is a file, not a folder")) {
            try ZooStore(root: file).remove(id: "x", version: SemanticVersion(parsing: "1.0.0"))
        }
        // Every command that reads an existing zoo names a missing one (or a file) instead of
        // reporting "no models" (issue 16); only publish may create its zoo.
        let image = dir.appendingPathComponent("in.png")
        try ZooFixtures.picture(0, width: 16, height: 16).write(path: image.path)
        for path in [missing.path, file.path] {
            let reason = path == missing.path ? "no such folder" : "it is a file, not a folder"
            for arguments in [["zoo", "list"], ["zoo", "list", "--json"], ["zoo", "show", "gray-tiny"], ["zoo", "verify"], ["zoo", "gc"],
                              ["zoo", "index"], ["zoo", "index", "--check"], ["zoo", "remove", "gray-tiny@1.0.0", "--yes"],
                              ["translate", "--model", "gray-tiny", image.path, "--out", dir.appendingPathComponent("out").path]] {
                #expect(throws: ZooError.notAZoo(path: path, reason: reason), "\(arguments)") { try Self.cli(arguments + ["--zoo", path]) }
            }
        }
        #expect("\(ZooError.notAZoo(path: missing.path, reason: "no such folder"))".contains("\(missing.path): not a zoo: no such folder. Hint:"))
        #expect(throws: ZooError.notAZoo(path: missing.path, reason: "no such folder")) {
            try ZooStore(root: missing).remove(id: "x", version: SemanticVersion(parsing: "1.0.0"))
        }
        #expect(!FileManager.default.fileExists(atPath: missing.path), "nothing created the missing zoo")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "translate wrote nothing")
        // An empty zoo folder is a zoo with no models.
        try FileManager.default.createDirectory(at: missing, withIntermediateDirectories: true)
        #expect(try ZooStore(root: missing).verify().isClean)
    }

    // MARK: 2. Card paths and symlinks

    @Test("card paths with .., absolute paths or symlinks out of the version folder are refused")
    func forgedCardPaths() throws {
        let (dir, zoo, entry) = try BadInputTests.publishedZoo("forged")
        defer { try? FileManager.default.removeItem(at: dir) }
        let outsideModel = dir.appendingPathComponent("g.pzck")  // a file outside the zoo
        let size = try #require(try FileManager.default.attributesOfItem(atPath: outsideModel.path)[.size] as? NSNumber).intValue
        let sha = try Checksum.sha256Hex(fileAt: outsideModel)
        let original = try Data(contentsOf: entry.directory.appendingPathComponent(ZooLayout.cardFile))

        // Each forgery points a card field at the checkpoint outside, with its true size and hash.
        let forgeries: [(field: String, edit: (inout ModelCard) -> Void)] = [
            ("files[0].path", { $0.files[0] = ModelCard.FileRecord(path: "../../../g.pzck", size: size, sha256: sha) }),
            ("golden.file", { $0.golden.file = outsideModel.path }),
            ("samples[0].input", { $0.samples[0].input = "samples/../../../../g.pzck" }),
            ("samples[0].output", { $0.samples[0].output = "samples//output_0.png" }),
        ]
        for (field, edit) in forgeries {
            try Self.rewriteCard(entry, edit)
            let (entries, problems) = zoo.scan()
            #expect(entries.isEmpty, "\(field): a forged version is not listed")
            #expect(problems.contains { $0.subject == "gray-tiny@1.0.0" && $0.message.contains(field) && $0.message.contains("Hint:") }, "\(field): \(problems)")
            #expect(throws: ZooError.self) { try Translator(model: "gray-tiny", catalog: ZooCatalog(root: zoo.root)) }
            #expect(!(try zoo.verify().isClean))
        }
        #expect(throws: ZooError.self) { try ModelCard.read(from: entry.directory).checkPaths(in: entry.directory) }
        try original.write(to: entry.directory.appendingPathComponent(ZooLayout.cardFile))
        #expect(try zoo.verify().isClean)

        // model.pzck replaced by a symlink to an identical copy outside: same bytes, still refused.
        let copy = dir.appendingPathComponent("copy.pzck")
        try FileManager.default.copyItem(at: entry.modelFile, to: copy)
        try FileManager.default.removeItem(at: entry.modelFile)
        try FileManager.default.createSymbolicLink(at: entry.modelFile, withDestinationURL: copy)
        var problems = zoo.scan().problems
        #expect(zoo.entries().isEmpty)
        let realCopy = try #require(ZooPaths.realPath(copy.path))
        #expect(problems.contains { $0.message.contains("through a symbolic link") && $0.message.contains(realCopy) }, "\(problems)")
        #expect {
            try ZooPaths.checkCardPath("model.pzck", field: "files[1].path", card: entry.directory.appendingPathComponent("card.json"), in: entry.directory)
        } throws: { error in
            guard case let ZooError.pathOutsideModel(path, reason) = error else { return false }
            return path.hasSuffix("gray-tiny/1.0.0/card.json") && reason.contains("files[1].path \"model.pzck\" leads to")
        }
        try FileManager.default.removeItem(at: entry.modelFile)
        try FileManager.default.moveItem(at: copy, to: entry.modelFile)

        // The samples folder moved outside and linked back.
        let samples = entry.directory.appendingPathComponent("samples")
        let away = dir.appendingPathComponent("samples-away")
        try FileManager.default.moveItem(at: samples, to: away)
        try FileManager.default.createSymbolicLink(at: samples, withDestinationURL: away)
        problems = zoo.scan().problems
        #expect(zoo.entries().isEmpty && problems.contains { $0.message.contains("outside the version folder") }, "\(problems)")
        try FileManager.default.removeItem(at: samples)
        try FileManager.default.moveItem(at: away, to: samples)
        // A symlink that stays inside the version folder is fine.
        try FileManager.default.moveItem(at: samples.appendingPathComponent("input_0.png"), to: entry.directory.appendingPathComponent("real.png"))
        try FileManager.default.createSymbolicLink(atPath: samples.appendingPathComponent("input_0.png").path, withDestinationPath: "../real.png")
        #expect(zoo.entries().count == 1)
    }

    @Test("version and model folders that are symlinks out of the zoo are refused")
    func symlinkedFolders() throws {
        let (dir, zoo, entry) = try BadInputTests.publishedZoo("symlinked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let elsewhere = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)

        // gray-tiny/1.0.0 -> elsewhere/1.0.0
        let moved = elsewhere.appendingPathComponent("1.0.0")
        try FileManager.default.moveItem(at: entry.directory, to: moved)
        try FileManager.default.createSymbolicLink(at: entry.directory, withDestinationURL: moved)
        var problems = zoo.scan().problems
        #expect(zoo.entries().isEmpty)
        #expect(problems.contains { $0.path == entry.directory.path && $0.message.contains("outside the zoo") }, "\(problems)")
        #expect(throws: ZooError.self) { try Translator(model: "gray-tiny@1.0.0", catalog: ZooCatalog(root: zoo.root)) }
        #expect(try zoo.verify().problems.contains { $0.message.contains("outside the zoo") })

        // gray-tiny -> elsewhere (a whole model folder outside)
        let idDir = entry.directory.deletingLastPathComponent()
        try FileManager.default.removeItem(at: entry.directory)
        try FileManager.default.removeItem(at: idDir)
        try FileManager.default.createSymbolicLink(at: idDir, withDestinationURL: elsewhere)
        problems = zoo.scan().problems
        #expect(zoo.entries().isEmpty)
        #expect(problems.contains { $0.path == idDir.path && $0.message.contains("outside the zoo") }, "\(problems)")

        // Back in place, it verifies.
        try FileManager.default.removeItem(at: idDir)
        try FileManager.default.createDirectory(at: idDir, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: moved, to: entry.directory)
        #expect(try zoo.verify().isClean)
    }

    // MARK: 3. The discriminator the card records

    @Test("verify checks the card's discriminator through the registry; publish refuses a bad one")
    func discriminatorConfig() throws {
        let (dir, zoo, entry) = try BadInputTests.publishedZoo("discriminator")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try #require(entry.card.architecture.discriminator)
        var config = try #require(d.config.objectValue)
        #expect(ZooVerifier.discriminatorProblem(entry.card.architecture, inputChannels: 1, outputChannels: 3, registry: .shared) == nil)

        let cases: [(String, (inout ModelCard.Network) -> Void, String)] = [
            ("unknown key", { $0.config = .object(config.merging(["bogus": 1]) { $1 }) }, "bogus"),
            ("wrong type", { $0.config = .object(config.merging(["ndf": "wide"]) { $1 }) }, "ndf"),
            ("not numbers", { $0.config = .object(config.merging(["ndf": [1, 2]]) { $1 }) }, "numbers, booleans or strings"),
            ("channels", { $0.config = .object(config.merging(["input_channels": 7]) { $1 }) }, "input_channels 7"),
            ("unknown name", { $0.name = "patchgan_9999" }, "not registered"),
            ("family", { $0.family = "unet" }, "is of family patchgan"),
            ("not an object", { $0.config = .array([]) }, "not a JSON object"),
        ]
        for (label, edit, fragment) in cases {
            try Self.rewriteCard(entry) { card in edit(&card.architecture.discriminator!) }
            let problems = try zoo.verify().problems
            #expect(problems.contains { $0.path.hasSuffix("card.json") && $0.message.contains("architecture.discriminator") && $0.message.contains(fragment) },
                    "\(label): \(problems.map(\.message))")
        }

        // A checkpoint whose header records a discriminator reading the wrong channels is not published.
        config["input_channels"] = 9
        let loaded = try ModelCheckpoint.loadGenerator(from: entry.modelFile)
        let bad = ModelArchitecture(generator: loaded.architecture.generator,
                                    discriminator: ModelArchitecture.Network(name: d.name, family: d.family,
                                                                             configData: Data(JSONValue.object(config).serializedString().utf8),
                                                                             parameters: 0),  // 0: not stated, so the channel check speaks
                                    conditional: true)
        let forged = dir.appendingPathComponent("forged-d.pzck")
        try ModelCheckpoint.saveInference(generator: loaded.network, architecture: bad, to: forged)
        #expect {
            try zoo.publish(ZooFixtures.request(forged, version: "2.0.0"))
        } throws: { error in
            "\(error)".contains(forged.path) && "\(error)".contains("input_channels") && "\(error)".contains("9")
        }
        #expect(zoo.entries().count == 1)
    }

    // MARK: 4–5. Debris and a stale index

    /// Copies a published version folder to `destination` (a whole model, as a killed write leaves).
    static func forgeDebris(_ entry: ZooEntry, at destination: URL) throws {
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: entry.directory, to: destination)
    }

    @Test("debris of killed writes is reported by list and verify, removed by gc and by the next write")
    func debris() throws {
        let (dir, zoo, entry) = try BadInputTests.publishedZoo("debris")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = zoo.root
        func plant() throws {
            try Self.forgeDebris(entry, at: root.appendingPathComponent("gray-tiny/.1.1.0.staging-AbC123"))
            try Self.forgeDebris(entry, at: root.appendingPathComponent(".removing-gray-tiny-0.9.0-42-7"))
            try Data("{}".utf8).write(to: root.appendingPathComponent(".index.json.staging-XyZ987"))
            try Self.forgeDebris(entry, at: root.appendingPathComponent("other/.1.0.0.staging-QqQqQq"))
        }
        try plant()
        #expect(zoo.entries().map(\.reference) == ["gray-tiny@1.0.0"], "debris is never listed")
        let (items, writerActive) = zoo.debris()
        #expect(!writerActive)
        #expect(items.map(\.kind) == [.stagedFile, .removal, .staging, .staging, .emptyModelFolder])
        #expect(items.map(\.url.lastPathComponent) == [".index.json.staging-XyZ987", ".removing-gray-tiny-0.9.0-42-7", ".1.1.0.staging-AbC123", ".1.0.0.staging-QqQqQq", "other"])
        #expect(items.first { $0.kind == .staging }!.bytes > 1000, "a whole model")

        let warning = try #require(ZooCommand.List.debrisWarning(zoo))
        #expect(warning.contains("5 leftover(s)") && warning.contains(".1.1.0.staging-AbC123") && warning.contains("pix2pix zoo gc --zoo \(root.path)"))
        let problems = try zoo.verify().problems
        for item in items {
            #expect(problems.contains { $0.path == item.url.path && $0.message.contains("interrupted") && $0.message.contains("zoo gc") }, "\(item)")
        }

        // A dry run changes nothing; gc removes everything and the zoo verifies.
        let before = try ZooFixtures.snapshot(root)
        let dry = try zoo.collectGarbage(dryRun: true)
        #expect(dry.removed == items && !dry.indexRewritten)
        #expect(try ZooFixtures.snapshot(root) == before)
        let repair = try zoo.collectGarbage()
        #expect(repair.removed == items && !repair.indexRewritten)
        let lines = ZooCommand.GC.lines(repair, store: zoo, dryRun: false)
        #expect(lines.dropLast() == items.map { "removed \($0)" }[...] && lines.last?.hasPrefix("\(root.path): removed 5 item(s), ") == true, "\(lines)")
        #expect(ZooCommand.GC.lines(ZooRepair(removed: items, indexRewritten: true), store: zoo, dryRun: true).contains("would regenerate \(zoo.indexFile.path) from the model folders"))
        #expect(ZooCommand.GC.lines(ZooRepair(removed: [], indexRewritten: false), store: zoo, dryRun: false) == ["\(root.path): no debris, index current"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["gray-tiny", "index.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("gray-tiny").path) == ["1.0.0"])
        #expect(try zoo.verify().isClean)
        #expect(ZooCommand.List.debrisWarning(zoo) == nil)
        #expect(try zoo.collectGarbage().isEmpty)

        // Every write cleans what it finds: a publish, then a remove.
        try plant()
        try zoo.publish(ZooFixtures.request(dir.appendingPathComponent("g.pzck"), version: "1.2.0"))
        #expect(try zoo.verify().isClean && zoo.debris().items.isEmpty)
        try plant()
        try zoo.remove(id: "gray-tiny", version: SemanticVersion(parsing: "1.2.0"))
        #expect(try zoo.verify().isClean && zoo.debris().items.isEmpty)
        try plant()
        try zoo.writeIndex()
        #expect(try zoo.verify().isClean && zoo.debris().items.isEmpty)

        // While a writer holds the lock, the staging folders may be its work: not judged.
        try plant()
        let (active, underLock) = try zoo.withLock { () throws -> (Bool, [ZooProblem]) in
            (zoo.debris().writerActive, try zoo.verify().problems)
        }
        #expect(active)
        #expect(!underLock.contains { $0.message.contains("interrupted") }, "\(underLock)")
    }

    @Test("a kill between rename and index rewrite is repaired by the next operation; an uncommitted version publishes again")
    func staleIndex() throws {
        let (dir, zoo, entry) = try BadInputTests.publishedZoo("stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("g.pzck")
        let oldIndex = try Data(contentsOf: zoo.indexFile)

        // Publish killed after the rename: the version is complete and listed, the index misses it.
        try zoo.publish(ZooFixtures.request(checkpoint, version: "1.1.0"))
        try oldIndex.write(to: zoo.indexFile)
        let listed = zoo.entries()
        #expect(listed.map(\.version.description) == ["1.0.0", "1.1.0"])
        for e in listed { #expect(ZooVerifier.verify(e).isEmpty, "a listed version is complete") }
        #expect(try zoo.verify().problems.map(\.message).contains { $0.contains("differs from the index") && $0.contains("zoo gc") })
        // Publishing it again says it is published, and the attempt repairs the index.
        let path110 = zoo.directory(id: "gray-tiny", version: try SemanticVersion(parsing: "1.1.0")).path
        #expect(throws: ZooError.versionExists(id: "gray-tiny", version: "1.1.0", path: path110)) {
            try zoo.publish(ZooFixtures.request(checkpoint, version: "1.1.0"))
        }
        #expect(try zoo.readIndex()?.models.first?.versions.map(\.version) == ["1.0.0", "1.1.0"])
        #expect(try zoo.verify().isClean)

        // Remove killed after the rename: the version is gone, the index still lists it and the trash is left.
        let indexWith110 = try Data(contentsOf: zoo.indexFile)
        try zoo.remove(id: "gray-tiny", version: SemanticVersion(parsing: "1.1.0"))
        let trash = zoo.root.appendingPathComponent(".removing-gray-tiny-1.1.0-1-1")
        try Self.forgeDebris(entry, at: trash)
        try indexWith110.write(to: zoo.indexFile)
        #expect(zoo.entries().map(\.version.description) == ["1.0.0"])
        let problems = try zoo.verify().problems
        #expect(problems.contains { $0.path == zoo.indexFile.path } && problems.contains { $0.path == trash.path }, "\(problems)")
        let repair = try zoo.collectGarbage()
        #expect(repair.indexRewritten && repair.removed.map(\.url.path) == [trash.path], "\(repair)")
        #expect(try zoo.verify().isClean)

        // Publish killed before the rename: only a staging folder; the same version publishes again.
        try Self.forgeDebris(entry, at: zoo.root.appendingPathComponent("gray-tiny/.1.1.0.staging-ZZZZZZ"))
        try zoo.publish(ZooFixtures.request(checkpoint, version: "1.1.0"))
        #expect(try zoo.verify().isClean && zoo.debris().items.isEmpty)
        #expect(zoo.entries().map(\.version.description) == ["1.0.0", "1.1.0"])
    }
}
