import Base
import Foundation
import Testing

@Suite("File kinds, real paths and folders")
struct FileKindTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-filekind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a FIFO, a directory and a device are named and refused before they are read; a regular file opens")
    func kinds() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let file = dir.appendingPathComponent("f.bin").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))
        #expect(FileKind.of(fifo) == .fifo && FileKind.of(dir.path) == .directory && FileKind.of(file) == .regularFile)
        #expect(FileKind.of("/dev/null") == .characterDevice && FileKind.of(dir.appendingPathComponent("none").path) == nil)

        // Non-blocking open + fstat: returns at once for a FIFO without a writer.
        let started = Date()
        #expect { _ = try FileKind.openRegularFile(fifo, what: "checkpoint") } throws: { error in
            let e = error as? FileError
            return e?.path == fifo && e?.description.contains("it is a FIFO (named pipe), not a regular file") == true
                && e?.hint.contains("regular file") == true
        }
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(throws: FileError.self) { _ = try FileKind.openRegularFile("/dev/zero") }
        #expect(throws: FileError.self) { _ = try FileKind.openRegularFile(dir.path) }
        #expect(throws: FileError.self) { try FileKind.requireRegularFile(fifo) }
        #expect(throws: FileError.self) { try FileKind.requireDirectory(file) }
        let fd = try FileKind.openRegularFile(file)
        var byte: UInt8 = 0
        #expect(read(fd, &byte, 1) == 1 && byte == 1)
        close(fd)
    }

    @Test("real paths: spellings of one file agree, links resolve, missing tails are kept")
    func realPaths() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("l")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: a)
        let real = RealPath.of(a.path)
        #expect(RealPath.of(a.path + "/./x/../") == real)
        #expect(RealPath.of(link.path) == real)
        #expect(RealPath.of(link.path + "/new/file.png") == real + "/new/file.png")
        #expect(RealPath.isInside(real + "/new/file.png", real) && !RealPath.isInside(real + "b", real))
    }

    @Test("makeDirectories creates parents and names a file in the way, without Foundation's raw error text")
    func makeDirectories() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let deep = dir.appendingPathComponent("x/y/z").path
        try FileError.makeDirectories(deep)
        try FileError.makeDirectories(deep + "/")
        #expect(FileKind.of(deep) == .directory)
        let file = dir.appendingPathComponent("file").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect { try FileError.makeDirectories(file + "/sub", what: "run directory") } throws: { error in
            let text = "\(error)"
            return text.contains(file) && !text.contains("NSCocoaErrorDomain") && text.contains("not a directory")
        }
    }
}
