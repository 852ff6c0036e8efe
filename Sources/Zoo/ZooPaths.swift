import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Containment: every path a card names stays inside its version folder, and every model and
/// version folder stays inside the zoo — judged on real paths (symlinks resolved), so neither
/// `..`, an absolute path nor a symbolic link lets a forged card make the zoo read, hash or load
/// a file elsewhere.
enum ZooPaths {
    /// The canonical path (symlinks resolved) of an existing file or folder; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` lies strictly inside `base` (both canonical).
    static func isStrictlyInside(_ path: String, _ base: String) -> Bool {
        path.hasPrefix(base == "/" ? "/" : base + "/") && path != base
    }

    /// Where `path` really leads: the canonical path of its deepest existing ancestor (itself
    /// when it exists) followed by the components that do not exist yet.
    static func resolvedLocation(_ path: String) -> String {
        var head = path
        var missing: [String] = []
        while true {
            if let real = realPath(head) {
                return ([real == "/" ? "" : real] + missing.reversed()).joined(separator: "/")
            }
            let parent = (head as NSString).deletingLastPathComponent
            if parent == head || parent.isEmpty { return path }
            missing.append((head as NSString).lastPathComponent)
            head = parent
        }
    }

    /// Throws ``ZooError/pathOutsideModel(path:reason:)`` unless `relative`, named by the card at
    /// `card` in `field`, is a plain relative path (no `..`, `.` or empty components) whose real
    /// location, symlinks resolved, is inside `directory`.
    static func checkCardPath(_ relative: String, field: String, card: URL, in directory: URL) throws {
        func refuse(_ why: String) -> ZooError {
            .pathOutsideModel(path: card.path, reason: "\(field) \"\(relative)\" \(why)")
        }
        if relative.isEmpty { throw refuse("is empty; card paths name files inside the version folder") }
        if relative.hasPrefix("/") { throw refuse("is an absolute path; card paths are relative to the version folder") }
        if relative.contains("\0") || relative.contains("\\") { throw refuse("holds a NUL or backslash character") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0 == ".." }) { throw refuse("climbs out of the version folder with \"..\"") }
        if components.contains(where: { $0.isEmpty || $0 == "." }) { throw refuse("has an empty or \".\" component") }
        guard let base = realPath(directory.path) else { return }  // the folder itself is gone: nothing to follow
        let location = resolvedLocation(base + "/" + relative)
        guard isStrictlyInside(location, base) else {
            throw refuse("leads to \(location) through a symbolic link, outside the version folder \(base)")
        }
    }

    /// Throws ``ZooError/pathOutsideModel(path:reason:)`` unless `folder` (a model or version
    /// folder of the zoo at `root`) really lies inside the zoo, symlinks resolved.
    static func checkInsideZoo(_ folder: URL, root: URL) throws {
        guard let base = realPath(root.path), let real = realPath(folder.path) else { return }
        guard isStrictlyInside(real, base) else {
            throw ZooError.pathOutsideModel(path: folder.path, reason: "is a symbolic link to \(real), outside the zoo \(base)")
        }
    }
}

extension ModelCard {
    /// Every path the card names (files, the golden tensors, the samples), with the field naming it.
    var namedPaths: [(field: String, path: String)] {
        var result = files.enumerated().map { (field: "files[\($0.offset)].path", path: $0.element.path) }
        result.append((field: "golden.file", path: golden.file))
        for (i, sample) in samples.enumerated() {
            result.append((field: "samples[\(i)].input", path: sample.input))
            result.append((field: "samples[\(i)].output", path: sample.output))
            if let target = sample.target { result.append((field: "samples[\(i)].target", path: target)) }
        }
        return result
    }

    /// Throws ``ZooError/pathOutsideModel(path:reason:)`` for the first path the card names that
    /// leaves `directory`, its version folder.
    func checkPaths(in directory: URL) throws {
        let card = directory.appendingPathComponent(ZooLayout.cardFile)
        for (field, path) in namedPaths {
            try ZooPaths.checkCardPath(path, field: field, card: card, in: directory)
        }
    }
}
