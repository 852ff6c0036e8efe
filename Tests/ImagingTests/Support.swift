import Foundation
import Testing
@testable import Imaging

/// Paths of committed fixtures (Tests/ImagingTests/Fixtures, made by scripts/make_imaging_fixtures.py).
enum Fixtures {
    static let root: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures folder missing from the ImagingTests bundle")
        }
        return url.path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func image(_ relative: String) throws -> Image { try Image.read(path: path(relative)) }
}

/// A fresh temporary directory, removed when the value is dropped by the test (call `remove()`).
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/imaging-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A deterministic test image with structure (gradients + a square) in 1 or 3 channels.
func patternImage(width: Int, height: Int, channels: Int, seed: Int = 0) -> Image {
    Image(width: width, height: height, channels: channels) { out in
        for y in 0..<height {
            for x in 0..<width {
                let inSquare = x > width / 4 && x < width * 3 / 4 && y > height / 4 && y < height * 3 / 4
                for c in 0..<channels {
                    let v = (x * 255 / max(1, width - 1) + y * 97 / max(1, height - 1) + c * 60 + seed * 13 + (inSquare ? 90 : 0)) % 256
                    out[(y * width + x) * channels + c] = UInt8(v)
                }
            }
        }
    }
}

func maxAbsDifference(_ a: Image, _ b: Image) -> Int {
    precondition(a.count == b.count)
    var m = 0
    for i in 0..<a.count { m = max(m, abs(Int(a.pixels[i]) - Int(b.pixels[i]))) }
    return m
}

func meanAbsDifference(_ a: Image, _ b: Image) -> Double {
    precondition(a.count == b.count)
    var s = 0
    for i in 0..<a.count { s += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
    return Double(s) / Double(a.count)
}

func fileBytes(_ path: String) throws -> [UInt8] { try FileIO.readAll(path) }
