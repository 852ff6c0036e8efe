import Imaging

/// What `translate` does to a user's image before the model sees it, beyond the channel
/// conversion every translation does.
///
/// A model trained on `pix2pix data build --transform canny` pairs expects edge maps made exactly
/// as its training inputs were; its card records those settings (``ModelCard/InputRecipe``), so
/// `--preprocess canny` makes the edge map from a photo with them, and `--edges white-on-black`
/// inverts drawings of the other polarity.
///
/// ```swift
/// let preparation = try InputPreparation(preprocess: .canny, edges: nil, card: translator.card, model: translator.name)
/// let output = try translator.translate(try preparation.apply(to: photo))
/// ```
public struct InputPreparation: Sendable, Equatable {
    /// How a photo becomes the model's input.
    public enum Preprocess: String, Sendable, CaseIterable {
        /// Only the channel conversion (RGB → gray luma, or gray → RGB).
        case none
        /// BT.601 luma (what `none` does for a 1-channel model; explicit for clarity).
        case gray
        /// The card's Canny settings (blur, thresholds, aperture, polarity).
        case canny
    }

    /// The polarity of edge maps a user gives.
    public enum EdgePolarity: String, Sendable, CaseIterable {
        case blackOnWhite = "black-on-white"
        case whiteOnBlack = "white-on-black"
    }

    /// The transform applied to each image (nil: channel conversion only).
    public var transform: PairTransform?
    /// Invert the (gray) input after the transform: the user's edges have the other polarity.
    public var invert: Bool

    /// The identity preparation.
    public static let none = InputPreparation(transform: nil, invert: false)

    public init(transform: PairTransform?, invert: Bool) {
        self.transform = transform
        self.invert = invert
    }

    /// Resolves the command-line choices against the model's card.
    /// - Parameters:
    ///   - preprocess: `--preprocess`.
    ///   - edges: `--edges`, the polarity of the user's edge maps; nil when not given.
    ///   - card: the model's card (nil for a bare checkpoint, which records no recipe).
    ///   - model: the model's name, for messages.
    /// - Throws: `ZooError.unsupportedInput` when the card does not record what the choice needs.
    public init(preprocess: Preprocess, edges: EdgePolarity?, card: ModelCard?, model: String) throws {
        let recipe = card?.inputRecipe
        let expectsEdges = recipe?.transform == "canny"
        switch preprocess {
        case .none:
            transform = nil
        case .gray:
            guard card?.input.channels ?? 1 == 1 else {
                throw ZooError.unsupportedInput(model: model, reason: "--preprocess gray makes a 1-channel input, but the model takes \(card!.input.channels) channels. Hint: drop --preprocess")
            }
            transform = .gray
        case .canny:
            guard let recipe, let options = recipe.canny, expectsEdges else {
                if let recipe {
                    throw ZooError.unsupportedInput(model: model, reason: "--preprocess canny makes edge maps, but this model was trained on \(recipe.transform) inputs. Hint: drop --preprocess canny\(recipe.transform == "gray" ? " (colour photos are converted to gray already)" : "")")
                }
                let what = card == nil ? "a bare checkpoint records no input recipe" : "its card records no input recipe (published before it was recorded)"
                throw ZooError.unsupportedInput(model: model, reason: "--preprocess canny needs the Canny settings the model was trained with, but \(what). Hint: give edge maps made as the model's training inputs were, or republish the model from its run directory")
            }
            transform = .canny(options)
        }
        invert = false
        if let edges {
            guard expectsEdges, let options = recipe?.canny else {
                throw ZooError.unsupportedInput(model: model, reason: "--edges says how your edge maps are drawn, but this model's card records no Canny input. Hint: drop --edges")
            }
            let expected: EdgePolarity = options.invert ? .blackOnWhite : .whiteOnBlack
            // --preprocess canny already produces the card's polarity; --edges describes given maps.
            invert = preprocess != .canny && edges != expected
        }
    }

    /// The image the model's translator should receive (still to be channel-converted and padded).
    public func apply(to image: Image) throws -> Image {
        var result = image
        if let transform { result = try transform.apply(to: result) }
        if invert { result = result.inverted() }
        return result
    }
}

extension Image {
    /// 255 − v for every byte (RGB images are converted to gray first: polarity is about edge maps).
    func inverted() -> Image {
        let gray = converted(toChannels: 1)
        var copy = gray
        copy.withUnsafeMutableBytes { bytes in
            for i in bytes.indices { bytes[i] = 255 &- bytes[i] }
        }
        return copy
    }
}
