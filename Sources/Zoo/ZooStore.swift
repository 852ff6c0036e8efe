import Base
import Checkpoint
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One published model version found in a zoo.
public struct ZooEntry: Sendable, Equatable {
    /// The zoo it lives in.
    public let zoo: URL
    public let card: ModelCard
    /// `<zoo>/<id>/<version>`.
    public let directory: URL

    public var id: String { card.id }
    public var version: SemanticVersion { card.version }
    public var reference: String { card.reference }
    public var modelFile: URL { directory.appendingPathComponent(ZooLayout.modelFile) }
}

/// Something wrong in a zoo, as `zoo verify` reports it.
public struct ZooProblem: Sendable, Equatable, CustomStringConvertible {
    /// `id@version`, or "zoo" for problems of the zoo itself (index, stray folders).
    public var subject: String
    /// The file or folder at fault.
    public var path: String
    public var message: String

    public init(subject: String, path: String, message: String) {
        self.subject = subject
        self.path = path
        self.message = message
    }

    public var description: String { "\(subject): \(path): \(message)" }
}

/// A zoo folder: `index.json` plus `<id>/<version>/` model directories.
///
/// Reading needs nothing but the folder. ``publish(_:progress:)`` and ``remove(id:version:)`` hold
/// an exclusive lock on the folder, stage their work under a hidden name and rename it into place,
/// then rewrite the index atomically; when anything fails the zoo is left exactly as it was.
/// A write that is killed leaves no partial version, only hidden debris and possibly a stale
/// index: every write first repairs both under the lock (``collectGarbage(dryRun:)`` does it
/// alone), since the index is a function of the folders.
public struct ZooStore: Sendable, Equatable {
    public let root: URL
    /// A read-only zoo (a shipped zoo seen from outside its package) is searched but never written.
    public let readOnly: Bool

    public init(root: URL, readOnly: Bool = false) {
        self.root = root.standardizedFileURL
        self.readOnly = readOnly
    }

    public init(path: String, readOnly: Bool = false) {
        self.init(root: URL(fileURLWithPath: path), readOnly: readOnly)
    }

    public var indexFile: URL { root.appendingPathComponent(ZooLayout.indexFile) }

    public func directory(id: String, version: SemanticVersion) -> URL {
        root.appendingPathComponent(id).appendingPathComponent(version.description)
    }

    // MARK: Reading

    /// Every valid model version (sorted by id, then version) and the problems met on the way
    /// (unreadable cards, folders that are not ids or versions, folders or card paths that lead
    /// outside the zoo or their version folder: such versions are not listed). A missing zoo
    /// folder is empty. Debris of killed writes (hidden names) is not listed: see ``debris()``.
    public func scan() -> (entries: [ZooEntry], problems: [ZooProblem]) {
        let fm = FileManager.default
        var entries: [ZooEntry] = []
        var problems: [ZooProblem] = []
        guard let ids = try? fm.contentsOfDirectory(atPath: root.path) else { return ([], []) }
        for id in ids.sorted() where !id.hasPrefix(".") {
            let idDir = root.appendingPathComponent(id)
            guard isDirectory(idDir) else {
                if id != ZooLayout.indexFile && id != "README.md" {
                    problems.append(ZooProblem(subject: "zoo", path: idDir.path, message: "unexpected file at the top of the zoo"))
                }
                continue
            }
            guard (try? ModelReference.validate(id: id)) != nil else {
                problems.append(ZooProblem(subject: "zoo", path: idDir.path, message: "\"\(id)\" is not a valid model id; the folder is ignored"))
                continue
            }
            do { try ZooPaths.checkInsideZoo(idDir, root: root) } catch {
                problems.append(ZooProblem(subject: id, path: idDir.path, message: "\(error)"))
                continue
            }
            let versions = (try? fm.contentsOfDirectory(atPath: idDir.path)) ?? []
            if versions.filter({ !$0.hasPrefix(".") }).isEmpty {
                problems.append(ZooProblem(subject: id, path: idDir.path, message: "the model folder holds no versions"))
            }
            for v in versions.sorted() where !v.hasPrefix(".") {
                let dir = idDir.appendingPathComponent(v)
                guard isDirectory(dir), let version = try? SemanticVersion(parsing: v), version.description == v else {
                    problems.append(ZooProblem(subject: id, path: dir.path, message: "\"\(v)\" is not a version folder (MAJOR.MINOR.PATCH); it is ignored"))
                    continue
                }
                let subject = "\(id)@\(v)"
                do {
                    try ZooPaths.checkInsideZoo(dir, root: root)
                } catch {
                    problems.append(ZooProblem(subject: subject, path: dir.path, message: "\(error)"))
                    continue
                }
                do {
                    let card = try ModelCard.read(from: dir)
                    guard card.id == id, card.version == version else {
                        problems.append(ZooProblem(subject: subject, path: dir.appendingPathComponent(ZooLayout.cardFile).path,
                                                   message: "the card says \(card.reference) but the folder is \(subject)"))
                        continue
                    }
                    try card.checkPaths(in: dir)
                    entries.append(ZooEntry(zoo: root, card: card, directory: dir))
                } catch {
                    problems.append(ZooProblem(subject: subject, path: dir.appendingPathComponent(ZooLayout.cardFile).path, message: "\(error)"))
                }
            }
        }
        entries.sort { ($0.id, $0.version) < ($1.id, $1.version) }
        return (entries, problems)
    }

    /// Every valid model version, sorted by id and version.
    public func entries() -> [ZooEntry] { scan().entries }

    /// The versions of `id`, ascending.
    public func versions(of id: String) -> [ZooEntry] { entries().filter { $0.id == id } }

    /// `id@version`, or the latest version of `id` when `version` is nil; nil when absent.
    public func entry(id: String, version: SemanticVersion? = nil) -> ZooEntry? {
        let all = versions(of: id)
        if let version { return all.first { $0.version == version } }
        return all.last
    }

    /// The index regenerated from the cards.
    public func generateIndex() throws -> ZooIndex {
        try ZooIndex(entries: entries().map { entry in
            (entry.card, try Checksum.sha256Hex(fileAt: entry.directory.appendingPathComponent(ZooLayout.cardFile)))
        })
    }

    /// `index.json` as it is on disk (nil when there is none).
    public func readIndex() throws -> ZooIndex? {
        if let kind = FileKind.of(indexFile.path), kind != .regularFile {  // stat first: a FIFO would block the read
            throw ZooError.invalidIndex(path: indexFile.path, reason: "it is \(kind), not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: indexFile.path) else { return nil }
        return try ZooIndex.decode(data, path: indexFile.path)
    }

    // MARK: Writing

    /// Rewrites `index.json` from the cards (atomically).
    public func writeIndex() throws {
        try requireWritable()
        try withLock {
            try repairUnlocked()
            try writeIndexUnlocked()
        }
    }

    func writeIndexUnlocked() throws {
        let bytes = try generateIndex().encoded()
        do { try AtomicFile.write(bytes, to: indexFile) } catch {
            throw ZooError.io(path: indexFile.path, reason: "cannot write the index: \(error)")
        }
    }

    /// Removes `id@version` and updates the index; the zoo is unchanged when anything fails.
    public func remove(id: String, version: SemanticVersion) throws {
        try requireWritable()
        try requireZooFolder()                          // withLock would create a missing zoo
        try withLock {
            try repairUnlocked()
            let dir = directory(id: id, version: version)
            guard isDirectory(dir) else {
                let available = versions(of: id).map(\.version.description)
                if available.isEmpty {
                    throw ZooError.unknownModel(id: id, searched: [root.path], suggestions: suggestions(for: id, among: entries().map(\.id)))
                }
                throw ZooError.unknownVersion(id: id, version: version.description, available: available)
            }
            let fm = FileManager.default
            // Crash-safe order: the version disappears in one rename; a kill after it leaves a
            // `.removing-…` folder and a stale index, both repaired by the next write (or `zoo gc`).
            let trash = trashURL(for: "\(id)-\(version)")
            try move(dir, to: trash)
            let idDir = root.appendingPathComponent(id)
            let idEmptied = rmdir(idDir.path) == 0
            do {
                try writeIndexUnlocked()
            } catch {
                if idEmptied { try? fm.createDirectory(at: idDir, withIntermediateDirectories: true) }
                try? move(trash, to: dir)
                throw error
            }
            try? Self.removeTree(trash.path)
        }
    }

    /// A fresh `.removing-…` name at the top of the zoo.
    func trashURL(for name: String) -> URL {
        root.appendingPathComponent("\(ZooLayout.removalPrefix)\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    func requireWritable() throws {
        if readOnly { throw ZooError.zooNotWritable(path: root.path, reason: "it is searched read-only (a shipped zoo)") }
    }

    /// Runs `body` holding an exclusive `flock` on the zoo folder (created if needed).
    func withLock<R>(_ body: () throws -> R) throws -> R {
        var st = stat()
        if stat(root.path, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
            throw ZooError.notAZoo(path: root.path, reason: "it is a file, not a folder")
        }
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw ZooError.zooNotWritable(path: root.path, reason: "cannot create the zoo folder: \(error.localizedDescription)")
        }
        let fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ZooError.zooNotWritable(path: root.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ZooError.zooNotWritable(path: root.path, reason: "cannot lock: \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    func move(_ from: URL, to: URL) throws {
        guard rename(from.path, to.path) == 0 else {
            throw ZooError.io(path: to.path, reason: "cannot move \(from.path) here: \(String(cString: strerror(errno)))")
        }
        syncDirectory(to.deletingLastPathComponent())
        syncDirectory(from.deletingLastPathComponent())
    }

    func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}

func isDirectory(_ url: URL) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
}
