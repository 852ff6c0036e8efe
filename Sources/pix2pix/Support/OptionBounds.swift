import ArgumentParser
import Pix2Pix

/// The documented range of every number the command line takes. Each option's help shows its
/// range (`(1–1024)`), and the command's `validate()` refuses a value outside it with a
/// `ValidationError` naming the flag, before any work starts: a careless number must not reach an
/// allocation, a thread pool or a kernel size. The ranges are generous for real use and far below
/// what would exhaust a machine's memory or threads; a model's parameter budget is checked by the
/// library when the networks are configured.
enum Bounds {
    /// `--threads`.
    static let threads = NumberRange(1, TrainingOptions.maximumThreads)
    /// `--ngf`, `--ndf`, `demo --width`, `bench ops --ngf`.
    static let width = NumberRange(1, 1024)
    /// `--batch-size`, `--batch`.
    static let batch = NumberRange(1, 1024)
    /// Square sides of training, evaluation and benchmark images: `--crop-size`, `--load-size`,
    /// `eval --size`, `bench … --size`, `demo --side`.
    static let side = NumberRange(1, 4096)
    /// `data build --size` (pairs are at least 8² and at most 4096²).
    static let pairSide = NumberRange(8, 4096)
    /// `--epochs`, `--epochs-decay`.
    static let epochs = NumberRange(0, 100_000)
    /// Step budgets and intervals: `--steps`, `--checkpoint-every`, `--log-every`.
    static let steps = NumberRange(1, 1_000_000_000)
    /// `--sample-every` (0: only at the end).
    static let sampleEvery = NumberRange(0, 1_000_000_000)
    /// Timed repetitions of the benchmarks: `--iters`, `--iterations`.
    static let iterations = NumberRange(1, 100_000)
    /// `bench --warmup`, `--profile-top`.
    static let smallCount = NumberRange(0, 100_000)
    /// `data build --crops-per-image`.
    static let cropsPerImage = NumberRange(1, 10_000)
    /// `data build --train`, `--val` (pairs).
    static let pairCount = NumberRange(0, 10_000_000)
    /// `data inspect --preview-pairs`, `zoo publish --samples`.
    static let previewPairs = NumberRange(1, 1_000)
    /// `data build --canny-blur`: 0 (none) or an odd kernel up to 99.
    static let cannyBlur = NumberRange(0, 99)
    /// `data build --canny-low`, `--canny-high` (gradient magnitudes).
    static let cannyThreshold = NumberRange<Double>(0, 1e6)
    /// `data build --canny-sigma`.
    static let cannySigma = NumberRange<Double>(0, 100)
    /// `data build --min-std` (luma standard deviation, 0–255 scale).
    static let minStd = NumberRange<Double>(0, 255)
    /// `data build --split` (a fraction of the photos; 0 excluded).
    static let split = NumberRange<Double>(0, 1, lowerOpen: true)
    /// `--lambda-l1`.
    static let lambdaL1 = NumberRange<Float>(0, 1e6)
    /// `--lr` (0 excluded).
    static let learningRate = NumberRange<Float>(0, 10, lowerOpen: true)
    /// `--beta1` (1 excluded).
    static let beta1 = NumberRange<Float>(0, 1, upperOpen: true)
    /// `experiment --steps-scale` (0 excluded).
    static let stepsScale = NumberRange<Double>(0, 1000, lowerOpen: true)
    /// `ckpt convert --level` (zstd's negative fast levels through 22).
    static let zstdLevel = NumberRange(-131_072, 22)
    /// `serve --port` (0: an ephemeral port).
    static let port = NumberRange(0, 65_535)
    /// `serve --max-body-mb` (MiB).
    static let bodyMegabytes = NumberRange(1, 4_096)
    /// `serve --max-megapixels`.
    static let serveMegapixels = NumberRange<Double>(0.001, 10_000)
    /// `serve --concurrency`.
    static let concurrency = NumberRange(1, 64)
    /// `serve --queue`.
    static let queue = NumberRange(0, 10_000)
    /// `serve --timeout` (seconds).
    static let timeoutSeconds = NumberRange(1, 86_400)
    /// `serve --cache-mb` (MiB).
    static let cacheMegabytes = NumberRange(0, 1_048_576)
}

/// A closed (or half-open) interval that checks a flag's value and says itself in help texts.
/// NaN is never inside.
struct NumberRange<T: Comparable & CustomStringConvertible & Sendable>: Sendable {
    let lower: T
    let upper: T
    let lowerOpen: Bool
    let upperOpen: Bool

    init(_ lower: T, _ upper: T, lowerOpen: Bool = false, upperOpen: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.lowerOpen = lowerOpen
        self.upperOpen = upperOpen
    }

    func contains(_ value: T) -> Bool {
        (lowerOpen ? value > lower : value >= lower) && (upperOpen ? value < upper : value <= upper)
    }

    /// "1–1024", "(0, 1]".
    var text: String {
        if !lowerOpen && !upperOpen { return "\(lower)–\(upper)" }
        return "\(lowerOpen ? "(" : "[")\(lower), \(upper)\(upperOpen ? ")" : "]")"
    }

    /// `help` with the range appended, for an option's help text.
    func help(_ help: String) -> ArgumentHelp {
        ArgumentHelp(help.hasSuffix(".") ? String(help.dropLast()) + " (range \(text))." : help + " (range \(text))")
    }

    /// Throws a `ValidationError` naming `flag` when `value` is set and outside the range.
    func check(_ value: T?, _ flag: String, hint: String? = nil) throws {
        guard let value, !contains(value) else { return }
        throw ValidationError("\(flag) must be in \(text), got \(value)" + (hint.map { "; \($0)" } ?? ""))
    }
}
