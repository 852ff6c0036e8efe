import Checkpoint
import Foundation
import Zoo

/// The server's view of its zoos: the visible model versions and the index made from their cards.
///
/// Requests name models by id (and version); an id is only ever compared with the ids of this
/// list, never joined into a path, and the files a response reads (the model, the card's sample
/// images) are the entry's own, whose paths the zoo scan has already checked to stay inside their
/// version folder. The list is rescanned when a zoo's `index.json` changes (a publish or removal
/// by another process), at most once a second.
final class ZooView: @unchecked Sendable {  // `snapshot` and `checked` are guarded by `lock`
    struct Snapshot: Sendable {
        /// Visible versions, sorted by id then version.
        var entries: [ZooEntry]
        var index: ZooIndex
        var stamps: [String: Date]
    }

    let catalog: ZooCatalog
    private let lock = NSLock()
    private var snapshot: Snapshot
    private var checked = Date()

    init(catalog: ZooCatalog) {
        self.catalog = catalog
        snapshot = Self.scan(catalog)
    }

    static func stamps(_ catalog: ZooCatalog) -> [String: Date] {
        var stamps: [String: Date] = [:]
        for store in catalog.stores {
            let attributes = try? FileManager.default.attributesOfItem(atPath: store.indexFile.path)
            stamps[store.root.path] = attributes?[.modificationDate] as? Date ?? .distantPast
        }
        return stamps
    }

    static func scan(_ catalog: ZooCatalog) -> Snapshot {
        let stamps = stamps(catalog)
        let entries = catalog.list()
        let index = ZooIndex(entries: entries.map { entry in
            let sha = (try? Checksum.sha256Hex(fileAt: entry.directory.appendingPathComponent(ZooLayout.cardFile))) ?? ""
            return (entry.card, sha)
        })
        return Snapshot(entries: entries, index: index, stamps: stamps)
    }

    /// The current list (rescanned when an index changed).
    var current: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        if Date().timeIntervalSince(checked) >= 1 {
            checked = Date()
            if Self.stamps(catalog) != snapshot.stamps { snapshot = Self.scan(catalog) }
        }
        return snapshot
    }

    /// The entry `reference` (`id` or `id@version`, as it appears in a URL path) names.
    /// - Throws: ``ServeError/unknownModel(reference:suggestions:)`` (close ids suggested) or
    ///   ``ServeError/unknownVersion(id:version:available:)``.
    func entry(_ reference: String) throws -> ZooEntry {
        let parsed: ModelReference
        do { parsed = try ModelReference(parsing: reference) } catch {
            throw ServeError.unknownModel(reference: reference, suggestions: [])
        }
        let entries = current.entries
        let versions = entries.filter { $0.id == parsed.id }
        guard !versions.isEmpty else {
            let ids = Array(Set(entries.map(\.id)))
            throw ServeError.unknownModel(reference: reference, suggestions: ModelReference.closeIDs(to: parsed.id, among: ids))
        }
        guard let version = parsed.version else { return versions.last! }
        guard let match = versions.first(where: { $0.version == version }) else {
            throw ServeError.unknownVersion(id: parsed.id, version: version.description, available: versions.map(\.version.description))
        }
        return match
    }
}
