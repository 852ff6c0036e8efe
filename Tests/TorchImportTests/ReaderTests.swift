import Foundation
import Testing
@testable import TorchImport

/// The reader against files torch.save wrote (reader/, scripts/make_pth_fixtures.py): every dtype,
/// views sharing a storage (transposed, offset, strided), a scalar, an empty tensor, a Parameter,
/// the {"state_dict": …} wrapper and the "module." prefix, in both formats.
@Suite("PyTorch .pth reader")
struct ReaderTests {
    static var manifest: [String: Any] { try! Fixtures.json("reader/reader.json") }

    static var files: [(variant: String, path: String)] {
        let files = manifest["files"] as! [String: [String]]
        return files.keys.sorted().flatMap { variant in files[variant]!.map { (variant, $0) } }
    }

    @Test("every tensor's name, dtype, shape and values, in file order", arguments: files.map(\.path))
    func tensors(_ relative: String) throws {
        let expected = Self.manifest["tensors"] as! [String: [String: Any]]
        let file = try PthFile(path: Fixtures.path(relative))
        #expect(file.format == (relative.hasSuffix("_zip.pth") ? .zip : .legacy))
        #expect(file.tensors.map(\.name) == ["a", "a_t", "a_rows", "a_col", "half", "bf16", "double", "count", "empty", "param"])
        let values = try file.read()
        for t in file.tensors {
            let e = expected[t.name]!
            #expect(t.shape == e["shape"] as! [Int], "\(t.name)")
            #expect(t.dtype.rawValue == (e["dtype"] as! String).replacingOccurrences(of: "int64", with: "int64"), "\(t.name)")
            let want = (e["values"] as! [Double]).map { Float($0) }
            #expect(values[t.name]! == want, "\(relative): \(t.name) read \(values[t.name]!), expected \(want)")
        }
        // The views share one storage: the transposed one is not contiguous.
        let a = file.tensors.first { $0.name == "a" }!, at = file.tensors.first { $0.name == "a_t" }!
        #expect(a.storageKey == at.storageKey)
        #expect(at.stride == [1, 4])
        #expect(file.tensors.first { $0.name == "a_rows" }!.storageOffset == 4)
    }

    @Test("the state_dict wrapper and the module. prefix are undone and noted", arguments: files.map(\.path))
    func notes(_ relative: String) throws {
        let file = try PthFile(path: Fixtures.path(relative))
        if relative.contains("wrapped") {
            #expect(file.notes.contains { $0.contains("\"state_dict\"") })
        } else if relative.contains("module_prefix") {
            #expect(file.notes.contains { $0.contains("module.") })
        } else {
            #expect(file.notes.isEmpty)
        }
    }

    @Test("a file read from memory equals the file read from disk")
    func memory() throws {
        let path = Fixtures.path("reader/plain_zip.pth")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let a = try PthFile(path: path), b = try PthFile(bytes: bytes, name: "mem")
        #expect(a.tensors == b.tensors)
        #expect(try a.read() == b.read())
    }

    @Test("every truncation of a file is refused with an error, never a crash", arguments: ["reader/plain_legacy.pth", "reader/wrapped_zip.pth"])
    func truncations(_ relative: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(relative))))
        var refused = 0
        for n in 0..<bytes.count {
            do {
                let file = try PthFile(bytes: Array(bytes[0..<n]), name: "cut")
                _ = try file.read()
            } catch is PthError {
                refused += 1
            }
        }
        // Every strict prefix is incomplete: a zip loses its end records, a legacy stream its data.
        #expect(refused == bytes.count)
    }

    @Test("single-byte corruptions end in a value or a PthError, never a crash")
    func flips() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("reader/plain_legacy.pth"))))
        var errors = 0
        for i in stride(from: 0, to: bytes.count, by: 3) {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var b = bytes
                b[i] ^= flip
                do { _ = try PthFile(bytes: b, name: "flip").read() } catch is PthError { errors += 1 }
            }
        }
        #expect(errors > 0)
    }

    @Test("files that are not .pth say what they are")
    func notPth() throws {
        func error(_ bytes: [UInt8]) -> PthError? {
            do { _ = try PthFile(bytes: bytes, name: "x") } catch let e as PthError { return e } catch { return nil }
            return nil
        }
        #expect(error([])?.description.contains("not a PyTorch .pth file") == true)
        #expect(error(Array("hello world".utf8))?.description.contains("neither a zip header") == true)
        #expect(error([0x89, 0x50, 0x5A, 0x43, 0x4B, 0x0D, 0x0A, 0x1A, 0, 0])?.description.contains("Pix2PixZoo checkpoint") == true)
        var tar = [UInt8](repeating: 0, count: 600)
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        guard case .unsupportedFormat? = error(tar) else { Issue.record("a tar archive is not named as the old format"); return }
        // A plain pickle (no magic number) is not a legacy .pth.
        let plain: [UInt8] = PickleBytes.proto + [0x4B, 7, 0x2E]
        #expect(error(plain)?.description.contains("magic number") == true)
    }

    @Test("a FIFO is refused without blocking")
    func fifo() throws {
        let dir = try Fixtures.temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.pth").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: PthError.self) { _ = try PthFile(path: path) }
    }

    @Test("the writer used by the tests round-trips through the reader")
    func writer() throws {
        let bytes = PthWriter.legacy([.init(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                                      .init(name: "n", shape: [], values: [5], storageClass: "LongStorage")])
        let file = try PthFile(bytes: bytes, name: "written")
        #expect(file.format == .legacy)
        #expect(file.shapes == ["w": [2, 3], "n": []])
        #expect(try file.read() == ["w": [1, 2, 3, 4, 5, 6], "n": [5]])
    }
}
