import Checkpoint
import Testing

/// Files that are something else must be named as such.
@Suite struct ForeignFormatTests {
    static let cases: [(String, [UInt8], String)] = [
        ("PyTorch zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0] + Array("archive/data.pkl".utf8) + [UInt8](repeating: 0, count: 40), "PyTorch checkpoint written by torch.save"),
        ("pickle", [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8] + [UInt8](repeating: 0, count: 30), "Python pickle (protocol 2)"),
        ("pickle 5", [0x80, 0x05, 0x95] + [UInt8](repeating: 0, count: 30), "protocol 5"),
        ("safetensors", [0x20, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"w":{"dtype":"F32","shape":[1]}}"#.utf8) + [0, 0, 0, 0], "safetensors"),
        ("HDF5", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 40), "HDF5"),
        ("GGUF", Array("GGUF".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0, count: 40), "GGUF"),
        ("zstd", [0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05, 0x29, 0, 0, 0x68, 0x65, 0x6C, 0x6C, 0x6F], "bare zstd frame"),
        ("gzip", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0, count: 20), "gzip"),
        ("npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0] + [UInt8](repeating: 0x20, count: 40), "NumPy"),
        ("empty", [], "an empty file"),
        ("json", Array("  {\"a\": 1}\n".utf8), "JSON text"),
    ]

    @Test(arguments: cases)
    func recognisesForeignFormats(label: String, bytes: [UInt8], expected: String) {
        #expect {
            _ = try CheckpointFile(bytes: bytes, name: "model.pth")
        } throws: { error in
            guard case .notACheckpoint("model.pth", let detected?) = error as? CheckpointError else { return false }
            let message = "\(error)"
            return detected.contains(expected) && message.hasPrefix("model.pth: not a .pzck checkpoint") && message.contains("Hint:")
        }
    }

    @Test func pickleHintWarnsAboutCodeExecution() {
        #expect {
            _ = try CheckpointFile(bytes: [0x80, 0x04, 0x95, 0, 0, 0, 0], name: "g.pkl")
        } throws: { "\($0)".contains("never unpickles") }
    }

    @Test func unknownBytesGiveAGenericMessage() {
        #expect {
            _ = try CheckpointFile(bytes: Array("hello, world! this is not a checkpoint".utf8), name: "x.bin")
        } throws: { error in
            guard case .notACheckpoint("x.bin", nil) = error as? CheckpointError else { return false }
            return "\(error)".contains("does not start with the \\x89PZCK magic")
        }
    }
}
