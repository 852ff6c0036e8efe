import Foundation
import Testing
@testable import Zoo

@Suite("Zoo locations, references and versions")
struct CatalogTests {
    @Test("--zoo, then PIX2PIX_ZOO, then the package's Zoo/ (plus the user zoo), else the user zoo plus the shipped zoo")
    func resolution() throws {
        let dir = try ZooFixtures.temporaryDirectory("resolve")
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = dir.appendingPathComponent("pkg")
        let inside = package.appendingPathComponent("Sources/deep")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: package.appendingPathComponent("Zoo"), withIntermediateDirectories: true)
        try Data("// swift-tools-version:6.0\n".utf8).write(to: package.appendingPathComponent("Package.swift"))
        let outside = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let env = ["HOME": dir.appendingPathComponent("home").path]
        let user = dir.appendingPathComponent("home/.local/share/pix2pix/zoo")
        let exe = package.appendingPathComponent(".build/release/pix2pix")

        let explicit = ZooCatalog.resolve(zoo: "my-zoo", environment: env.merging(["PIX2PIX_ZOO": "/env/zoo"]) { $1 },
                                          currentDirectory: inside, executable: exe)
        #expect(explicit.stores.map(\.root.path) == [inside.appendingPathComponent("my-zoo").path] && explicit.origin == "--zoo")
        let fromEnv = ZooCatalog.resolve(environment: env.merging(["PIX2PIX_ZOO": "/env/zoo"]) { $1 }, currentDirectory: inside, executable: exe)
        #expect(fromEnv.stores.map(\.root.path) == ["/env/zoo"] && fromEnv.origin == "PIX2PIX_ZOO")
        let inPackage = ZooCatalog.resolve(environment: env, currentDirectory: inside, executable: nil)
        #expect(inPackage.stores.map(\.root.path) == [package.appendingPathComponent("Zoo").path, user.path])
        #expect(inPackage.origin == "package" && !inPackage.stores[0].readOnly)
        let outsideCatalog = ZooCatalog.resolve(environment: env, currentDirectory: outside, executable: exe)
        #expect(outsideCatalog.stores.map(\.root.path) == [user.path, package.appendingPathComponent("Zoo").path])
        #expect(outsideCatalog.stores.map(\.readOnly) == [false, true] && outsideCatalog.origin == "user")
        #expect(ZooCatalog.resolve(environment: env, currentDirectory: outside, executable: nil).stores.map(\.root.path) == [user.path])
        let xdg = ZooCatalog.userZoo(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/x"])
        #expect(xdg.path == "/data/pix2pix/zoo")
        // A package without Zoo/ does not count.
        try FileManager.default.removeItem(at: package.appendingPathComponent("Zoo"))
        #expect(ZooCatalog.packageZoo(from: inside) == nil)
    }

    @Test("an earlier zoo shadows the same id@version in a later one; lookups search all")
    func shadowing() throws {
        let dir = try ZooFixtures.temporaryDirectory("shadow")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: checkpoint)
        let user = ZooStore(root: dir.appendingPathComponent("user")), shipped = ZooStore(root: dir.appendingPathComponent("shipped"))
        try shipped.publish(ZooFixtures.request(checkpoint, id: "alpha", version: "1.0.0"))
        try shipped.publish(ZooFixtures.request(checkpoint, id: "beta", version: "1.0.0"))
        try user.publish(ZooFixtures.request(checkpoint, id: "beta", version: "1.0.0"))
        try user.publish(ZooFixtures.request(checkpoint, id: "beta", version: "2.0.0"))
        let catalog = ZooCatalog(stores: [user, ZooStore(root: shipped.root, readOnly: true)])
        let all = catalog.entries()
        #expect(all.count == 4 && all.filter(\.shadowed).map(\.entry.reference) == ["beta@1.0.0"])
        #expect(all.first { $0.shadowed }?.entry.zoo == shipped.root)
        #expect(catalog.list().map(\.reference) == ["alpha@1.0.0", "beta@1.0.0", "beta@2.0.0"])
        #expect(try catalog.find("alpha").zoo == shipped.root)
        #expect(try catalog.find("beta@1.0.0").zoo == user.root)
        #expect(try catalog.find("beta").version.description == "2.0.0")
    }

    @Test("semantic versions parse strictly and order as semver.org")
    func versions() throws {
        let ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "10.0.0"]
        let parsed = try ordered.map { try SemanticVersion(parsing: $0) }
        #expect(parsed.map(\.description) == ordered)
        #expect(parsed == parsed.shuffled().sorted())
        for bad in ["1", "1.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-a..b", "v1.0.0", "1.0.0+meta", "", "1.x.0"] {
            #expect(throws: ZooError.invalidVersion(bad)) { try SemanticVersion(parsing: bad) }
        }
        let reference = try ModelReference(parsing: "gray2color@1.2.3")
        #expect(reference.id == "gray2color" && reference.version?.description == "1.2.3" && reference.description == "gray2color@1.2.3")
        #expect(try ModelReference(parsing: "edges2photo").version == nil)
        for bad in ["", "Gray", "a@b@c", "a@1.0", "x y", "_x", String(repeating: "a", count: 65)] {
            #expect(throws: ZooError.self, "\(bad)") { try ModelReference(parsing: bad) }
        }
    }

    @Test("close ids by edit distance and prefix")
    func closeIDs() {
        #expect(editDistance("kitten", "sitting") == 3 && editDistance("", "abc") == 3 && editDistance("same", "same") == 0)
        let known = ["gray2color", "edges2photo", "gray2color-large", "maps"]
        #expect(suggestions(for: "gray2colour", among: known) == ["gray2color"])
        #expect(suggestions(for: "edge2photo", among: known) == ["edges2photo"])
        #expect(suggestions(for: "gray", among: known) == ["gray2color", "gray2color-large"])
        #expect(suggestions(for: "zzzzzz", among: known).isEmpty)
    }
}
