import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The zoos a command works with: the first is where `publish` and `remove` write, and lookups
/// (`list`, `show`, `translate`, ``Translator``) search them all in order — the first zoo holding
/// an `id@version` wins, later copies are shadowed.
///
/// ``resolve(zoo:environment:currentDirectory:executable:)`` picks them:
/// 1. `--zoo PATH` (the `zoo` argument): that zoo only.
/// 2. else `PIX2PIX_ZOO`: that zoo only.
/// 3. else, inside a package (a `Package.swift` with a `Zoo/` folder next to it, found upward from
///    the current directory): that `Zoo/`, then the user zoo.
/// 4. else the user zoo (`$XDG_DATA_HOME/pix2pix/zoo`, by default `~/.local/share/pix2pix/zoo`),
///    then, read-only, the shipped zoo: the `Zoo/` of the package the running executable was built
///    in (found upward from the executable), when there is one.
public struct ZooCatalog: Sendable {
    /// Search order; `stores[0]` is the write target.
    public var stores: [ZooStore]
    /// How the write target was chosen ("--zoo", "PIX2PIX_ZOO", "package", "user").
    public var origin: String

    public init(stores: [ZooStore], origin: String = "explicit") {
        precondition(!stores.isEmpty, "a catalog needs at least one zoo")
        self.stores = stores
        self.origin = origin
    }

    /// One zoo, written and searched.
    public init(root: URL) {
        self.init(stores: [ZooStore(root: root)], origin: "explicit")
    }

    /// Where `publish` and `remove` write.
    public var target: ZooStore { stores[0] }

    /// The zoos of this process (see the type's documentation for the rules).
    public static func resolve(zoo: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                               executable: URL? = Bundle.main.executableURL) -> ZooCatalog {
        if let zoo, !zoo.isEmpty {
            return ZooCatalog(stores: [ZooStore(root: absolute(zoo, relativeTo: currentDirectory))], origin: "--zoo")
        }
        if let env = environment["PIX2PIX_ZOO"], !env.isEmpty {
            return ZooCatalog(stores: [ZooStore(root: absolute(env, relativeTo: currentDirectory))], origin: "PIX2PIX_ZOO")
        }
        let user = userZoo(environment: environment)
        if let package = packageZoo(from: currentDirectory) {
            return ZooCatalog(stores: unique([ZooStore(root: package), ZooStore(root: user)]), origin: "package")
        }
        var stores = [ZooStore(root: user)]
        if let executable, let shipped = packageZoo(from: executable.deletingLastPathComponent()) {
            stores.append(ZooStore(root: shipped, readOnly: true))
        }
        return ZooCatalog(stores: unique(stores), origin: "user")
    }

    /// `$XDG_DATA_HOME/pix2pix/zoo`, else `~/.local/share/pix2pix/zoo`.
    public static func userZoo(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("pix2pix/zoo")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/pix2pix/zoo")
    }

    /// The `Zoo/` folder next to the nearest `Package.swift` at or above `directory`.
    public static func packageZoo(from directory: URL) -> URL? {
        var dir = directory.standardizedFileURL
        while true {
            let manifest = dir.appendingPathComponent("Package.swift")
            let zoo = dir.appendingPathComponent("Zoo")
            if FileManager.default.fileExists(atPath: manifest.path) {
                return isDirectory(zoo) ? zoo : nil
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    static func absolute(_ path: String, relativeTo base: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
    }

    static func unique(_ stores: [ZooStore]) -> [ZooStore] {
        var seen = Set<String>()
        return stores.filter { seen.insert($0.root.resolvingSymlinksInPath().path).inserted }
    }

    // MARK: Lookups

    /// Every model version in every zoo (search order, then id and version), with a flag for
    /// versions shadowed by an earlier zoo.
    public func entries() -> [(entry: ZooEntry, shadowed: Bool)] {
        var seen = Set<String>()
        var result: [(ZooEntry, Bool)] = []
        for store in stores {
            for entry in store.entries() {
                result.append((entry, !seen.insert(entry.reference).inserted))
            }
        }
        return result
    }

    /// Visible versions whose id matches a shell glob (`*`, `?`, `[…]`), sorted by id and version.
    public func list(matching glob: String? = nil) -> [ZooEntry] {
        entries().filter { item in !item.shadowed && (glob.map { fnmatch($0, item.entry.id, 0) == 0 } ?? true) }
            .map(\.entry).sorted { ($0.id, $0.version) < ($1.id, $1.version) }
    }

    /// The model `reference` names (the latest version when it names none).
    /// - Throws: ``ZooError/unknownModel(id:searched:suggestions:)`` with close ids, or
    ///   ``ZooError/unknownVersion(id:version:available:)``.
    public func find(_ reference: ModelReference) throws -> ZooEntry {
        let visible = list()
        let versions = visible.filter { $0.id == reference.id }
        guard !versions.isEmpty else {
            throw ZooError.unknownModel(id: reference.id, searched: stores.map(\.root.path),
                                        suggestions: suggestions(for: reference.id, among: visible.map(\.id)))
        }
        guard let version = reference.version else { return versions.last! }
        guard let match = versions.first(where: { $0.version == version }) else {
            throw ZooError.unknownVersion(id: reference.id, version: version.description, available: versions.map(\.version.description))
        }
        return match
    }

    /// ``find(_:)`` for `id` or `id@version` text.
    public func find(_ reference: String) throws -> ZooEntry {
        try find(ModelReference(parsing: reference))
    }
}
