import Foundation
import Testing
@testable import Zoo

/// The zoo committed in Zoo/: every model verifies and the index is the one its cards generate.
@Suite("Shipped zoo", .serialized)
struct ShippedZooTests {
    static let zoo = ZooStore(root: ZooFixtures.packageRoot.appendingPathComponent("Zoo"))

    @Test("Zoo/ ships gray2color and edges2photo, within the size budget")
    func contents() throws {
        let ids = Set(Self.zoo.entries().map(\.id))
        #expect(ids.isSuperset(of: ["gray2color", "edges2photo"]), "shipped: \(ids.sorted())")
        var total = 0
        for entry in Self.zoo.entries() {
            let model = try #require(entry.card.files.first { $0.path == ZooLayout.modelFile })
            #expect(model.size <= 8 << 20, "\(entry.reference): model.pzck is \(model.size) bytes")
            #expect(entry.card.metrics != nil && entry.card.training?.command != nil, "\(entry.reference): honest cards have metrics and the command")
            total += entry.card.files.reduce(0) { $0 + $1.size }
        }
        #expect(total <= 32 << 20, "Zoo/ holds \(total) bytes")
    }

    @Test("every shipped model passes zoo verify, and the regenerated index equals the committed one")
    func verify() throws {
        let report = try Self.zoo.verify()
        #expect(report.isClean, "\(report.problems.map(\.description).joined(separator: "\n"))")
        let committed = try #require(FileManager.default.contents(atPath: Self.zoo.indexFile.path))
        #expect([UInt8](committed) == (try Self.zoo.generateIndex().encoded()))
    }
}
