import ArgumentParser
import Base
import Imaging

/// `--max-megapixels`: translate, data build and data inspect. The largest image (width × height)
/// read from a PNG, JPEG or HDF5 file, checked against the size the file declares before anything
/// is allocated (a decompression bomb is refused at once).
struct PixelBudgetOption: ParsableArguments {
    @Option(name: .customLong("max-megapixels"),
            help: ArgumentHelp("Largest image read, in megapixels (width × height / 10^6), checked from the file's header before decoding (default \(PixelBudget.default); it keeps translate within \(Format.bytes(PixelBudget.statedMemoryBytes))).", valueName: "MP"))
    var maxMegapixels: Double?

    func validate() throws {
        guard let maxMegapixels else { return }
        do {
            _ = try PixelBudget(megapixels: maxMegapixels)
        } catch {
            throw ValidationError("--max-megapixels must be a number of megapixels in 0.000001…\(Format.grouped(PixelBudget.largest / 1_000_000)), got \(maxMegapixels)")
        }
    }

    /// --max-megapixels, else the default.
    var budget: PixelBudget { maxMegapixels.flatMap { try? PixelBudget(megapixels: $0) } ?? .default }
}
