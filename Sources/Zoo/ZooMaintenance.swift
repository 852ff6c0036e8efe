import Base
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a publish or removal killed half-way (`kill -9`, a power cut) leaves in a zoo. Never a
/// listed partial version: a version becomes visible by one rename of a complete folder.
public struct ZooDebris: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// `<id>/.<version>.staging-…`: a version being published (a whole model).
        case staging
        /// `.removing-…`: a removed version not yet deleted (a whole model).
        case removal
        /// `.index.json.staging-…` or another staged file at the top of the zoo.
        case stagedFile
        /// `<id>/` left holding no version (created by a publish, or emptied by a removal).
        case emptyModelFolder
    }

    public var url: URL
    public var kind: Kind
    /// Bytes of the files under it.
    public var bytes: Int

    public var what: String {
        switch kind {
        case .staging: return "leftover of an interrupted publish"
        case .removal: return "leftover of an interrupted removal"
        case .stagedFile: return "leftover of an interrupted write"
        case .emptyModelFolder: return "model folder left without versions by an interrupted publish or removal"
        }
    }

    public var description: String { "\(url.path): \(what) (\(Format.bytes(bytes)))" }
}

/// What ``ZooStore/collectGarbage(dryRun:)`` (and every write's recovery) did.
public struct ZooRepair: Sendable, Equatable {
    /// The debris removed (or, for a dry run, that would be removed).
    public var removed: [ZooDebris]
    /// Whether `index.json` differed from the folders and was (or would be) rewritten.
    public var indexRewritten: Bool
    public var bytes: Int { removed.reduce(0) { $0 + $1.bytes } }
    public var isEmpty: Bool { removed.isEmpty && !indexRewritten }
}

extension ZooLayout {
    /// The name prefix of a version being removed (moved aside, then deleted).
    public static let removalPrefix = ".removing-"
}

extension ZooStore {
    /// Whether `name` (an entry of the zoo's top folder or of a model folder) is debris of an interrupted write.
    static func isDebrisName(_ name: String) -> Bool {
        name.hasPrefix(ZooLayout.removalPrefix) || StagedOutput.isStagingName(name)
    }

    /// Throws ``ZooError/notAZoo(path:reason:)`` unless the zoo folder exists and is a folder.
    public func requireZooFolder() throws {
        var st = stat()
        guard stat(root.path, &st) == 0 else {
            let code = errno
            throw ZooError.notAZoo(path: root.path, reason: code == ENOENT ? "no such folder" : String(cString: strerror(code)))
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ZooError.notAZoo(path: root.path, reason: "it is a file, not a folder")
        }
    }

    /// The debris in the zoo, and whether a publish or removal holds the zoo's lock right now
    /// (then some of it may be that write's work in progress rather than debris). Never waits.
    public func debris() -> (items: [ZooDebris], writerActive: Bool) {
        let fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return ([], false) }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return (findDebris(), true) }
        defer { flock(fd, LOCK_UN) }
        return (findDebris(), false)
    }

    /// The debris of the zoo, in an order that removes it safely (a model folder after its content).
    func findDebris() -> [ZooDebris] {
        let fm = FileManager.default
        guard let top = try? fm.contentsOfDirectory(atPath: root.path) else { return [] }
        var result: [ZooDebris] = []
        for name in top.sorted() {
            let url = root.appendingPathComponent(name)
            if name.hasPrefix(ZooLayout.removalPrefix) {
                result.append(ZooDebris(url: url, kind: .removal, bytes: Self.treeBytes(url.path)))
            } else if StagedOutput.isStagingName(name) {
                result.append(ZooDebris(url: url, kind: isRealDirectory(url) ? .staging : .stagedFile, bytes: Self.treeBytes(url.path)))
            } else if !name.hasPrefix("."), isRealDirectory(url), (try? ModelReference.validate(id: name)) != nil {
                let inner = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
                for child in inner.sorted() where Self.isDebrisName(child) {
                    let childURL = url.appendingPathComponent(child)
                    result.append(ZooDebris(url: childURL, kind: isRealDirectory(childURL) ? .staging : .stagedFile,
                                            bytes: Self.treeBytes(childURL.path)))
                }
                if inner.allSatisfy(Self.isDebrisName) {
                    result.append(ZooDebris(url: url, kind: .emptyModelFolder, bytes: 0))
                }
            }
        }
        return result
    }

    /// Removes the debris and rewrites a stale `index.json`, holding the zoo's exclusive lock (the
    /// lock every publish and removal holds while it writes, so whatever debris is seen under it
    /// belongs to a write that is over: it was killed). `dryRun` only reports.
    /// - Throws: ``ZooError/notAZoo(path:reason:)``, ``ZooError/zooNotWritable(path:reason:)``,
    ///   or the `FileError` of a removal that failed.
    @discardableResult
    public func collectGarbage(dryRun: Bool = false) throws -> ZooRepair {
        try requireWritable()
        try requireZooFolder()
        return try withLock { try repairUnlocked(dryRun: dryRun) }
    }

    /// The recovery every write runs first, under the lock: removes the debris of killed writes
    /// and regenerates `index.json` when it differs from the folders (a write killed between
    /// renaming its folder into place and rewriting the index).
    @discardableResult
    func repairUnlocked(dryRun: Bool = false) throws -> ZooRepair {
        let found = findDebris()
        if !dryRun {
            for item in found {
                if item.kind == .emptyModelFolder {
                    guard rmdir(item.url.path) == 0 || errno == ENOENT else {
                        throw FileError.posix(item.url.path, "remove the empty model folder")
                    }
                } else {
                    try Self.removeTree(item.url.path)
                }
            }
            if !found.isEmpty { syncDirectory(root) }
        }
        let fresh = try generateIndex()
        let onDisk = FileManager.default.contents(atPath: indexFile.path).map { [UInt8]($0) }
        let bytes = try fresh.encoded()
        let stale = onDisk.map { $0 != bytes } ?? !fresh.models.isEmpty
        if stale && !dryRun { try writeIndexUnlocked() }
        return ZooRepair(removed: found, indexRewritten: stale)
    }

    /// Deletes a file or a folder tree without following symbolic links; a missing path is fine.
    static func removeTree(_ path: String) throws(FileError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw FileError.posix(path, "inspect the leftover")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw FileError.posix(path, "remove the leftover folder") }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileError.posix(path, "remove the leftover file") }
        }
    }

    /// Bytes of the regular files under `path` (symbolic links not followed).
    static func treeBytes(_ path: String) -> Int {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0 }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { $0 + treeBytes(path + "/" + $1) }
    }
}

/// A folder that is not a symbolic link.
func isRealDirectory(_ url: URL) -> Bool {
    var st = stat()
    return lstat(url.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}
