import Foundation
import Imaging
import Testing
@testable import Zoo

@Suite("Input preparation: --preprocess and --edges from the card's recipe (issue 19)")
struct InputPreparationTests {
    /// A published tiny gray model, whose card is then given the recipe under test.
    static func card(recipe: PairTransform?) throws -> ModelCard {
        let dir = try ZooFixtures.temporaryDirectory("prep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ZooFixtures.makeRun(in: dir, steps: 1, validation: false)
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        var card = try zoo.publish(ZooFixtures.request(run)).card
        // makeHDF5 records transform "gray": the publisher copies it into the card.
        #expect(card.inputRecipe == ModelCard.InputRecipe(.gray))
        card.inputRecipe = recipe.map(ModelCard.InputRecipe.init)
        return card
    }

    @Test("The dataset's transform round-trips through its attributes and the card")
    func recipeRoundTrip() throws {
        let options = CannyOptions(lowThreshold: 128, highThreshold: 128, blurKernel: 0, invert: true)
        let transform = PairTransform.canny(options)
        #expect(PairTransform(name: transform.name, parametersJSON: transform.parametersJSON) == transform)
        #expect(PairTransform(name: "gray", parametersJSON: "{}") == .gray)
        #expect(PairTransform(name: "sketch", parametersJSON: "{}") == nil)
        #expect(PairTransform(name: "canny", parametersJSON: "{\"aperture\": 4}") == nil)
        let recipe = ModelCard.InputRecipe(transform)
        let decoded = try JSONDecoder().decode(ModelCard.InputRecipe.self, from: JSONEncoder().encode(recipe))
        #expect(decoded.pairTransform == transform)
        #expect(recipe.inputDescription.contains("black edges (0) on white (255)"))
        #expect(recipe.inputDescription.contains("no blur") && recipe.inputDescription.contains("128 / 128"))
    }

    @Test("--preprocess canny makes the card's edge map; --edges inverts only the other polarity")
    func cannyAndPolarity() throws {
        let options = CannyOptions(invert: true)   // black edges on white, as data build's default
        let card = try Self.card(recipe: .canny(options))
        let photo = try ZooFixtures.picture(3, width: 48, height: 40)

        let canny = try InputPreparation(preprocess: .canny, edges: nil, card: card, model: "m")
        #expect(try canny.apply(to: photo) == (try photo.cannyEdges(options)))

        // A white-on-black drawing is inverted to the card's black-on-white; a black-on-white one is not.
        let drawing = try photo.cannyEdges(CannyOptions(invert: false))
        let flip = try InputPreparation(preprocess: .none, edges: .whiteOnBlack, card: card, model: "m")
        #expect(flip.invert)
        #expect(try flip.apply(to: drawing) == (try photo.cannyEdges(options)))
        #expect(!(try InputPreparation(preprocess: .none, edges: .blackOnWhite, card: card, model: "m")).invert)
        // --preprocess canny already yields the card's polarity.
        #expect(!(try InputPreparation(preprocess: .canny, edges: .whiteOnBlack, card: card, model: "m")).invert)
    }

    @Test("Choices the card cannot back are typed errors naming the flag")
    func refusals() throws {
        let gray = try Self.card(recipe: .gray)
        for (preprocess, edges, flag) in [(InputPreparation.Preprocess.canny, nil as InputPreparation.EdgePolarity?, "--preprocess canny"),
                                          (.none, .whiteOnBlack, "--edges")] {
            do {
                _ = try InputPreparation(preprocess: preprocess, edges: edges, card: gray, model: "gray2color@2.0.0")
                Issue.record("\(flag) on a gray model was accepted")
            } catch let error as ZooError {
                #expect("\(error)".contains(flag) && "\(error)".contains("gray2color@2.0.0"), "\(error)")
            }
        }
        #expect(throws: ZooError.self) { try InputPreparation(preprocess: .canny, edges: nil, card: nil, model: "ckpt.pzck") }
        let old = try Self.card(recipe: nil)   // a card written before recipes were recorded
        #expect(throws: ZooError.self) { try InputPreparation(preprocess: .canny, edges: nil, card: old, model: "m") }
        #expect(try InputPreparation(preprocess: .none, edges: nil, card: old, model: "m") == .none)
        #expect(try InputPreparation(preprocess: .gray, edges: nil, card: gray, model: "m").transform == .gray)
    }
}
