import Foundation
import Tensor
@testable import TorchImport

/// The fixtures written by scripts/make_pth_fixtures.py.
enum Fixtures {
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Raw little-endian float32 values.
    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-pth-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The file the malicious fixtures' payloads would create (manifest.json's "marker").
    static let marker = "/tmp/pix2pix-pth-import-marker"
}

/// Pickle bytes for hand-made test files (protocol 2, as torch writes).
enum PickleBytes {
    static let proto: [UInt8] = [0x80, 0x02]
    static func unicode(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return [0x58] + le(UInt32(b.count)) + b
    }
    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }
    static func int(_ v: Int) -> [UInt8] {
        if v >= Int(Int32.min) && v <= Int(Int32.max) { return [0x4A] + le(UInt32(bitPattern: Int32(v))) }
        return [0x8A, 8] + le(UInt64(bitPattern: Int64(v)))
    }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }
    static func ints(_ values: [Int]) -> [UInt8] { [0x28] + values.flatMap(int) + [0x74] }
    static let emptyOrderedDict: [UInt8] = global("collections", "OrderedDict") + [0x29, 0x52]
}

/// A minimal `torch.save` for tests: the legacy stream of an OrderedDict of contiguous tensors.
enum PthWriter {
    struct Item {
        var name: String
        var shape: [Int]
        var values: [Float]
        var storageClass = "FloatStorage"
    }

    /// `python2`: as torch 0.3 under Python 2 wrote it — byte-string keys (SHORT_BINSTRING),
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)`, CUDA storage classes with
    /// location 'cuda:0', and every tensor a view (offset 1, length n) of a root storage one element longer.
    static func legacy(_ items: [Item], python2: Bool = false) -> [UInt8] {
        typealias P = PickleBytes
        func text(_ s: String) -> [UInt8] { python2 ? [0x55, UInt8(s.utf8.count)] + Array(s.utf8) : P.unicode(s) }
        var out: [UInt8] = P.proto + [0x8A, 10] + PthFile.legacyMagic + [0x2E]
        out += P.proto + [0x4D] + P.le(UInt16(1001)) + [0x2E]
        out += P.proto + [0x7D, 0x28] + P.unicode("little_endian") + [0x88, 0x75, 0x2E]
        out += P.proto + P.emptyOrderedDict + [0x28]
        for (k, item) in items.enumerated() {
            let count = item.values.count
            var stride: [Int] = []
            var s = 1
            for d in item.shape.reversed() { stride.insert(s, at: 0); s *= d }
            if python2 {
                let view = [0x28] + text("v\(k)") + P.int(1) + P.int(count) + [0x74]
                out += text(item.name) + P.global("torch._utils", "_rebuild_tensor")
                out += [0x28, 0x28] + text("storage") + P.global("torch.cuda", item.storageClass) + text(String(k))
                    + text("cuda:0") + P.int(count + 1) + view + [0x74, 0x51]
                out += P.int(0) + P.ints(item.shape) + P.ints(stride) + [0x74, 0x52]
            } else {
                out += P.unicode(item.name) + P.global("torch._utils", "_rebuild_tensor_v2")
                out += [0x28, 0x28] + P.unicode("storage") + P.global("torch", item.storageClass) + P.unicode(String(k))
                    + P.unicode("cpu") + P.int(count) + [0x4E, 0x74, 0x51]
                out += P.int(0) + P.ints(item.shape) + P.ints(stride) + [0x89] + P.emptyOrderedDict + [0x74, 0x52]
            }
        }
        out += [0x75, 0x2E]
        out += P.proto + [0x5D, 0x28] + items.indices.flatMap { text(String($0)) } + [0x65, 0x2E]
        for item in items {
            out += P.le(UInt64(item.values.count + (python2 ? 1 : 0)))
            let long = item.storageClass == "LongStorage"
            if python2 { out += long ? P.le(UInt64(bitPattern: -99)) : P.le(Float(-99).bitPattern) }  // the element before each view
            if long {
                for v in item.values { out += P.le(UInt64(bitPattern: Int64(v))) }
            } else {
                for v in item.values { out += P.le(v.bitPattern) }
            }
        }
        return out
    }

    /// Every tensor of a file, as items (to modify and write back).
    static func items(of file: PthFile) throws -> [Item] {
        let values = try file.read()
        return file.tensors.map { Item(name: $0.name, shape: $0.shape, values: values[$0.name]!,
                                       storageClass: $0.dtype.storageClass) }
    }
}

/// |ours − ref| ≤ tolerance · (max|ref| + |ref|) for every element: the worst ratio (≤ 1 passes).
func worstRatio(_ ours: [Float], _ reference: [Float], tolerance: Double) -> (ratio: Double, index: Int) {
    let scale = Double(reference.map { Swift.abs($0) }.max() ?? 0)
    var worst = 0.0, at = 0
    for i in reference.indices {
        let allowed = tolerance * (scale + Double(Swift.abs(reference[i]))) + 1e-12
        let r = Double(Swift.abs(ours[i] - reference[i])) / allowed
        if r > worst { worst = r; at = i }
    }
    return (worst, at)
}
