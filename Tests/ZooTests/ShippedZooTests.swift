import Foundation
import Testing
@testable import Zoo

/// The zoo committed in Zoo/: every model verifies and the index is the one its cards generate.
@Suite("Shipped zoo", .serialized)
struct ShippedZooTests {
    static let zoo = ZooStore(root: ZooFixtures.packageRoot.appendingPathComponent("Zoo"))

    @Test("Zoo/ ships gray2color and edges2photo 2.x: Q8, within the size budget, cards with baselines and the budget")
    func contents() throws {
        let ids = Set(Self.zoo.entries().map(\.id))
        #expect(ids.isSuperset(of: ["gray2color", "edges2photo"]), "shipped: \(ids.sorted())")
        var total = 0
        for entry in Self.zoo.entries() {
            let card = entry.card
            let model = try #require(card.files.first { $0.path == ZooLayout.modelFile })
            #expect(model.size <= 16 << 20, "\(entry.reference): model.pzck is \(model.size) bytes (budget 16 MiB)")
            #expect(card.metrics != nil && card.training?.command != nil, "\(entry.reference): honest cards have metrics and the command")
            total += card.files.reduce(0) { $0 + $1.size }
        }
        #expect(total <= 48 << 20, "Zoo/ holds \(total) bytes (budget 48 MiB)")
        for id in ["gray2color", "edges2photo"] {
            let card = try #require(Self.zoo.entries().filter { $0.id == id }.max { $0.card.version < $1.card.version }).card
            #expect(card.version.major >= 2 && card.schema == 2 && card.storage == "Q8", "\(card.reference)")
            let metrics = try #require(card.metrics)
            #expect(metrics.identity != nil && metrics.meanColour != nil && metrics.storageEffect != nil, "\(card.reference): baselines and storage effect")
            #expect(abs(try #require(metrics.storageEffect).l1) < 0.002, "\(card.reference): Q8 changed held-out L1 by \(metrics.storageEffect!.l1)")
            #expect((card.input.trainedSize ?? 0) >= 128 && (card.training?.wallSeconds ?? 0) >= 45 * 60, "\(card.reference): trained for real")
            #expect(card.inputRecipe != nil && card.samples.count >= 3 && card.readme.contains("| training budget |"))
        }
        let edges = try #require(Self.zoo.entries().first { $0.id == "edges2photo" }).card
        #expect(edges.inputRecipe?.canny?.invert == true, "edges2photo takes black-on-white edges")
    }

    @Test("every shipped model passes zoo verify, and the regenerated index equals the committed one")
    func verify() throws {
        let report = try Self.zoo.verify()
        #expect(report.isClean, "\(report.problems.map(\.description).joined(separator: "\n"))")
        let committed = try #require(FileManager.default.contents(atPath: Self.zoo.indexFile.path))
        #expect([UInt8](committed) == (try Self.zoo.generateIndex().encoded()))
    }
}
