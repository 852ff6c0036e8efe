import Checkpoint
import Testing

@Suite struct VerifyTests {
    @Test func matchingShapesPass() throws {
        let file = try CheckpointFile(bytes: try Fixtures.validFile())
        let expected = Dictionary(uniqueKeysWithValues: Fixtures.smallTensors().map { ($0.name, $0.shape) })
        try file.verify(expected: expected)
    }

    @Test func oneErrorListsEveryProblemWithBothShapes() throws {
        let file = try CheckpointFile(bytes: try Fixtures.validFile(), name: "g.pzck")
        var expected = Dictionary(uniqueKeysWithValues: Fixtures.smallTensors().map { ($0.name, $0.shape) })
        expected["down.0.weight"] = [16, 3, 4, 4]      // wrong shape
        expected["up.0.weight"] = [8, 8, 4, 4]         // missing from the file
        expected["up.0.bias"] = [8]                    // missing
        expected["step"] = nil                         // unexpected in the file
        expected["special"] = [40]                     // wrong shape
        do {
            try file.verify(expected: expected)
            Issue.record("verification passed on mismatching shapes")
        } catch let CheckpointError.stateMismatch(name, mismatch, model) {
            #expect(name == "g.pzck")
            #expect(mismatch.missing.map(\.name) == ["up.0.bias", "up.0.weight"])
            #expect(mismatch.unexpected == [.init(name: "step", shape: [])])
            #expect(mismatch.wrongShape == [.init(name: "down.0.weight", expected: [16, 3, 4, 4], found: [8, 3, 4, 4]),
                                            .init(name: "special", expected: [40], found: [5, 8])])
            #expect(model.contains("unet_64"))
            let message = "\(CheckpointError.stateMismatch(file: name, mismatch: mismatch, model: model))"
            #expect(message.contains("down.0.weight: expected [16, 3, 4, 4], found [8, 3, 4, 4]"))
            #expect(message.contains("2 missing") && message.contains("1 unexpected") && message.contains("2 with the wrong shape"))
            #expect(message.contains("Hint:"))
        }
    }
}
