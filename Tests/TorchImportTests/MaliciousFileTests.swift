import Foundation
import Testing
@testable import TorchImport

/// Files crafted to run code or exhaust memory (malicious/, scripts/make_pth_fixtures.py): each is
/// refused with the error its manifest names, and nothing is executed. The fixtures marked
/// "executes_under_python" were checked, when they were written, to create the marker file under
/// Python's own unpickler (what torch.load(weights_only=False) runs), so the marker's absence here
/// means something.
@Suite("PyTorch .pth reader: malicious files", .serialized)
struct MaliciousFileTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var error: String
        var detail: String
        var executes: Bool
        var description: String { file }
    }

    static let cases: [Case] = {
        let manifest = try! Fixtures.json("malicious/manifest.json")
        precondition(manifest["marker"] as? String == Fixtures.marker)
        return (manifest["cases"] as! [[String: Any]]).map {
            Case(file: $0["file"] as! String, error: $0["error"] as! String, detail: $0["detail"] as! String,
                 executes: $0["executes_under_python"] as! Bool)
        }
    }()

    /// The enum case's name, to compare with the manifest.
    static func caseName(_ error: PthError) -> String {
        Mirror(reflecting: error).children.first?.label ?? ""
    }

    @Test("refused with the expected error, and the payload never runs", arguments: cases)
    func refused(_ c: Case) throws {
        try? FileManager.default.removeItem(atPath: Fixtures.marker)
        let path = Fixtures.path("malicious/" + c.file)
        var caught: PthError?
        do {
            let file = try PthFile(path: path)
            _ = try file.read()
        } catch let e as PthError {
            caught = e
        }
        let error = try #require(caught, "\(c.file) was read without an error")
        #expect(Self.caseName(error) == c.error, "\(c.file): \(error)")
        #expect(error.description.contains(c.detail), "\(c.file): \(error.description) does not mention \(c.detail)")
        #expect(error.file == path)
        #expect(!FileManager.default.fileExists(atPath: Fixtures.marker), "\(c.file) created the marker")
    }

    @Test("the executable payloads cover os.system, eval, subprocess, nested calls, INST and STACK_GLOBAL")
    func coverage() {
        let executing = Set(Self.cases.filter(\.executes).map(\.file))
        #expect(executing.isSuperset(of: ["os_system_zip.pth", "builtins_eval_zip.pth", "reduce_subprocess_legacy.pth",
                                          "nested_getattr_zip.pth", "inst_opcode_zip.pth", "stack_global_zip.pth",
                                          "first_pickle_legacy.pth"]))
        #expect(Self.cases.count >= 20)
    }

    @Test("zip entry names: .., absolute, backslash, drive letters, control characters, empty components")
    func entryNames() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "a\\..\\x", "C:/x", "a//b", "a/./b", "a/\u{0}b", "", "a/\n"] {
            #expect(throws: PthError.self, "\(bad)") { _ = try ZipArchive.validatedName(Array(bad.utf8), file: "z") }
        }
        for good in ["archive/data.pkl", "archive/data/0", "m.v2/.data/serialization_id", "x/..y"] {
            #expect((try? ZipArchive.validatedName(Array(good.utf8), file: "z")) == good)
        }
    }
}
