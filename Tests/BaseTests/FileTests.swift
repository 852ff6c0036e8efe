import Base
import Foundation
import Testing

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("base-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func entries(_ url: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }

@Suite struct AtomicFileTests {
    @Test func replacesAtomicallyAndLeavesNoTemporaries() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("report.html")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second ✓", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second ✓")
        #expect(entries(dir) == ["report.html"])
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
    }

    @Test func aFailingBodyLeavesTheOldFile() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("data.bin")
        try AtomicFile.write([1, 2, 3], to: url)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: url) { sink in
                try sink.write([9, 9])
                throw Boom()
            }
        }
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        #expect(entries(dir) == ["data.bin"])
    }

    @Test func aMissingFolderIsAFileErrorNamingIt() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.txt")
        #expect { try AtomicFile.write("x", to: url) } throws: { error in
            guard let e = error as? FileError else { return false }
            return e.path == url.path && e.code == ENOENT && e.description.contains("Hint: check that the folder exists")
        }
    }

    @Test func copyStreamsLargeFiles() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("a"), target = dir.appendingPathComponent("b")
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: source)
        try AtomicFile.write("old", to: target)
        try AtomicFile.copy(source, to: target)
        #expect(try Data(contentsOf: target) == Data(bytes))
        #expect(entries(dir) == ["a", "b"])
    }
}

@Suite struct StagedOutputTests {
    @Test func aStagedFolderAppearsWholeOnCommit() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let destination = dir.appendingPathComponent("pairs")
        let staged = try StagedOutput(destination: destination, kind: .directory)
        try staged.writeFile([1], at: "train/00001.png")
        try staged.writeFile([2], at: "dataset.json")
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(entries(dir).count == 1 && StagedOutput.isStagingName(entries(dir)[0]))
        try staged.commit(replacing: false)
        #expect(entries(dir) == ["pairs"])
        #expect(try Data(contentsOf: destination.appendingPathComponent("train/00001.png")) == Data([1]))
    }

    @Test func publishingNeverOverwrites() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let destination = dir.appendingPathComponent("1.0.0")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        try AtomicFile.write("keep", to: destination.appendingPathComponent("card.json"))
        let staged = try StagedOutput(destination: destination, kind: .directory)
        try staged.writeFile([0], at: "card.json")
        #expect(throws: FileError.self) { try staged.commit(replacing: false) }
        staged.abandon()
        #expect(entries(dir) == ["1.0.0"])
        #expect(try String(contentsOf: destination.appendingPathComponent("card.json"), encoding: .utf8) == "keep")
    }

    @Test func abandonRemovesTheStagedFile() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let staged = try StagedOutput(destination: dir.appendingPathComponent("out.h5"), kind: .file)
        #expect(FileManager.default.fileExists(atPath: staged.path))
        staged.abandon()
        #expect(entries(dir).isEmpty)
    }
}
