import Foundation
import Pix2Pix

/// Everything that can go wrong finding, publishing, verifying or running a zoo model. Each case
/// names the model, file or option at fault; `description` ends with a hint.
public enum ZooError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model of that id in any searched zoo; `suggestions` are the closest known ids.
    case unknownModel(id: String, searched: [String], suggestions: [String])
    /// The id exists, but not in that version.
    case unknownVersion(id: String, version: String, available: [String])
    /// A model reference (`id[@version]`) or id that is not well formed.
    case invalidReference(String, reason: String)
    /// A version that is not semantic (`X.Y.Z`).
    case invalidVersion(String)
    /// Publishing would overwrite an existing version.
    case versionExists(id: String, version: String, path: String)
    /// The publish source is neither a run directory nor a checkpoint.
    case invalidSource(path: String, reason: String)
    /// A model directory's card is missing or does not decode.
    case invalidCard(path: String, reason: String)
    /// `index.json` is not a zoo index.
    case invalidIndex(path: String, reason: String)
    /// A file listed in the card differs from what is on disk (size or SHA-256), or is missing.
    case fileMismatch(path: String, reason: String)
    /// The generator cannot take this input (channels, size).
    case unsupportedInput(model: String, reason: String)
    /// The zoo is not writable, or another publish holds its lock.
    case zooNotWritable(path: String, reason: String)
    /// An operation on the zoo folder failed.
    case io(path: String, reason: String)
    /// `zoo verify` found problems (the CLI's exit status).
    case verificationFailed(problems: Int, models: Int)
    /// The zoo path is missing, or is not a folder.
    case notAZoo(path: String, reason: String)
    /// A path a card names (a model file, a sample, the golden tensors), or a version folder,
    /// that leads outside its version folder or the zoo (`..`, an absolute path, a symlink).
    case pathOutsideModel(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownModel(id, searched, suggestions):
            let hint = suggestions.isEmpty ? "list the models with `pix2pix zoo list`" : "did you mean \(suggestions.map { "\"\($0)\"" }.joined(separator: " or "))?"
            return "no model \"\(id)\" in \(searched.isEmpty ? "any zoo" : searched.joined(separator: ", ")). Hint: \(hint)"
        case let .unknownVersion(id, version, available):
            return "model \"\(id)\" has no version \(version); available: \(available.joined(separator: ", ")). Hint: omit @VERSION for the latest."
        case let .invalidReference(text, reason):
            return "invalid model reference \"\(text)\": \(reason). Hint: use ID or ID@X.Y.Z, with an id of lowercase letters, digits, '.', '_' and '-'."
        case let .invalidVersion(text):
            return "invalid version \"\(text)\". Hint: versions are semantic, MAJOR.MINOR.PATCH (e.g. 1.0.0, 1.2.0-beta.1)."
        case let .versionExists(id, version, path):
            return "\(id)@\(version) is already published (\(path)). Hint: published versions are never overwritten; bump --version, or remove it first with `pix2pix zoo remove \(id)@\(version) --yes`."
        case let .invalidSource(path, reason):
            return "\(path): cannot publish: \(reason). Hint: pass a run directory (with \(RunDirectory.FileName.config) and \(RunDirectory.FileName.latest)) or a .pzck checkpoint."
        case let .invalidCard(path, reason):
            return "\(path): invalid model card: \(reason). Hint: the card is written by `pix2pix zoo publish`; republish the model rather than editing it."
        case let .invalidIndex(path, reason):
            return "\(path): invalid zoo index: \(reason). Hint: regenerate it from the model cards with `pix2pix zoo index`."
        case let .fileMismatch(path, reason):
            return "\(path): \(reason). Hint: the file was changed or damaged after publishing; run `pix2pix zoo verify` and republish the model."
        case let .unsupportedInput(model, reason):
            return "\(model) cannot take this input: \(reason)"
        case let .zooNotWritable(path, reason):
            return "\(path): cannot write to the zoo: \(reason). Hint: choose a writable zoo with --zoo or PIX2PIX_ZOO."
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .verificationFailed(problems, models):
            return "zoo verify found \(problems) problem(s) in \(models) model version(s)"
        case let .notAZoo(path, reason):
            return "\(path): not a zoo: \(reason). Hint: name the zoo folder with --zoo or PIX2PIX_ZOO; a zoo is a folder holding index.json and <id>/<version>/ folders, created by `pix2pix zoo publish`."
        case let .pathOutsideModel(path, reason):
            return "\(path): \(reason). Hint: a card names files inside its own version folder, and version folders are real folders inside the zoo; this one was forged or damaged, so it is ignored: remove it and republish the model."
        }
    }
}

extension ZooError: LocalizedError {
    public var errorDescription: String? { description }
}
