// The Zoo module: published pix2pix models with model cards, loaded by name for output-only
// inference. See Docs/Pix2PixZoo.docc/PublishingToTheZoo.md and OutputOnlyInference.md.
//
//   ZooCatalog  - which zoos a process searches and writes (--zoo, PIX2PIX_ZOO, package, user)
//   ZooStore    - one zoo folder: scan, index, publish, verify, remove, gc (ZooMaintenance: debris of killed
//                 writes, index repair; ZooPaths: card paths and folders stay inside)
//   ModelCard   - card.json and the README generated from it
//   Translator  - a loaded generator: images of any size in, images out
import Foundation

/// File names inside the zoo.
public enum ZooLayout {
    public static let indexFile = "index.json"
    public static let modelFile = "model.pzck"
    public static let cardFile = "card.json"
    public static let readmeFile = "README.md"
    public static let samplesFolder = "samples"
    public static let goldenFile = "samples/golden.pzck"
}

/// The zoo's JSON conventions: snake_case keys (explicit coding keys), sorted, pretty-printed, `/` unescaped, newline at the end.
enum ZooJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value)) + [0x0A]
    }

    static var decoder: JSONDecoder {
        JSONDecoder()
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field \"\(key.stringValue)\"\(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
