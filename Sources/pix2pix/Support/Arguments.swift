import ArgumentParser
import Checkpoint
import Imaging
import Pix2Pix
import Tensor
import Zoo

// Every fixed choice of the command line, parsed and listed by ArgumentParser (`--help` shows the
// values; a wrong one is rejected before any work starts with the list of valid ones).

extension GANMode: ExpressibleByArgument {}
extension Objective: ExpressibleByArgument {}
extension NormKind: ExpressibleByArgument {}
extension DefaultPhotoSet.Collection: ExpressibleByArgument {}
extension InputPreparation.Preprocess: ExpressibleByArgument {}
extension InputPreparation.EdgePolarity: ExpressibleByArgument {}
extension LRPolicy: ExpressibleByArgument {}
extension PairDirection: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension L1Reduction: ExpressibleByArgument {}
extension TrainingOptions.Preset: ExpressibleByArgument {}
extension CannyPreset: ExpressibleByArgument {}

/// Written in lower case on the command line (`f32`, `f16`, `bf16`), as in file names; the upper
/// case of the checkpoint format is accepted too.
extension StorageType: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
    public var defaultValueDescription: String { rawValue.lowercased() }
}

/// Comma-separated lists (`--generators unet_64,encoder_decoder_64`): options declared as arrays
/// with one of these as the transform take a list per occurrence and may be repeated; the command
/// flattens them.
enum ArgumentList {
    /// The non-empty names of a comma-separated list, spaces around them dropped.
    static func names(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("the list is empty; give names separated by commas") }
        return names
    }

    /// Each item of a comma-separated list parsed as `T`; a bad item is named with the valid values.
    static func values<T: ExpressibleByArgument>(_ text: String) throws -> [T] {
        try names(text).map { item in
            guard let value = T(argument: item) else {
                let choices = T.allValueStrings
                throw ValidationError("\"\(item)\" is not " + (choices.isEmpty ? "a valid value" : "one of \(choices.joined(separator: ", "))"))
            }
            return value
        }
    }

    /// Seeds: non-negative integers.
    static func seeds(_ text: String) throws -> [UInt64] {
        try names(text).map { item in
            guard let seed = UInt64(item) else { throw ValidationError("\"\(item)\" is not a seed (a non-negative integer)") }
            return seed
        }
    }
}
