/// Recognises the files people most often pass by mistake, so that the error can say what they are.
enum ForeignFormat {
    /// A description of the format `prefix` (the first bytes of a file of `fileSize` bytes) belongs to.
    static func detect(prefix p: [UInt8], fileSize: Int) -> String? {
        func starts(_ bytes: [UInt8]) -> Bool { p.count >= bytes.count && Array(p.prefix(bytes.count)) == bytes }
        if fileSize == 0 { return "an empty file" }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            return "a ZIP archive — most likely a PyTorch checkpoint written by torch.save (.pt / .pth)"
        }
        if p.count >= 2 && p[0] == 0x80 && (2...5).contains(p[1]) {
            return "a Python pickle (protocol \(p[1])) — most likely a legacy PyTorch checkpoint (.pt / .pth / .pkl)"
        }
        if starts([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return "an HDF5 file (e.g. Keras .h5 weights, or a Pix2PixZoo dataset)"
        }
        if starts(Array("GGUF".utf8)) { return "a GGUF model file (llama.cpp / ggml)" }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return "a bare zstd frame (a .zst compressed file)" }
        if starts([0x1F, 0x8B]) { return "a gzip-compressed file" }
        if starts([0x93]) && starts([0x93] + Array("NUMPY".utf8)) { return "a NumPy .npy array" }
        if p.count >= 9 {
            // safetensors: little-endian u64 header length, then a JSON object.
            var n: UInt64 = 0
            for i in 0..<8 { n |= UInt64(p[i]) << (8 * UInt64(i)) }
            if p[8] == UInt8(ascii: "{") && n >= 2 && n <= UInt64(max(fileSize - 8, 0)) {
                return "a safetensors file"
            }
        }
        if let first = p.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return "a JSON text file"
        }
        return nil
    }

    static func hint(for detected: String) -> String {
        if detected.contains("PyTorch") {
            return "Pix2PixZoo never unpickles files (loading a pickle can run arbitrary code). Export the state_dict's tensors from PyTorch and write them as a .pzck checkpoint (the format is specified in the Checkpoint format article)."
        }
        if detected.contains("safetensors") {
            return "safetensors holds tensors but no architecture; write the tensors into a .pzck checkpoint together with the model description."
        }
        if detected.contains("zstd") || detected.contains("gzip") {
            return "decompress it first (`zstd -d FILE` / `gunzip FILE`) if it wraps a .pzck file; .pzck files are compressed inside."
        }
        if detected.contains("HDF5") {
            return "HDF5 files are datasets or Keras weights; checkpoints are .pzck files written by `pix2pix train`."
        }
        if detected == "an empty file" {
            return "the file has no content; it was probably never written completely."
        }
        return "pass a .pzck checkpoint written by Pix2PixZoo."
    }
}
