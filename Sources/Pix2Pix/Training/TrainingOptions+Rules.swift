import Checkpoint
import Foundation

/// The rules that relate options to each other, for every front end (the command line, ablations,
/// experiments) to share.
extension TrainingOptions {
    /// The reference's load size for a crop size: 286 for 256 (`--load_size 286 --crop_size 256`),
    /// the same ratio for other crops, never below the crop.
    public static func loadSize(forCrop crop: Int) -> Int {
        max(crop, crop * 286 / 256)
    }

    /// Sets the crop and load sizes. A given `load` is taken as is; without one, a crop size also
    /// moves the load size to ``loadSize(forCrop:)`` while the load size is still the default, so
    /// `--crop-size 64` alone trains on 64² crops of 71² images as the reference's ratio implies.
    public mutating func setSizes(crop: Int?, load: Int?) {
        if let load { loadSize = load }
        if let crop {
            cropSize = crop
            if load == nil && loadSize == TrainingOptions().loadSize { loadSize = Self.loadSize(forCrop: crop) }
        }
    }

    /// The options a resumed run may change, as command-line flags: the budget and how often it
    /// saves, samples and logs. Anything else (data order, networks, objective, precision, …) would
    /// break the run's continuity.
    public static let optionsChangeableOnResume = ["--steps", "--checkpoint-every", "--sample-every", "--log-every"]

    /// These options (a run's saved ones) with the changes of `requested` that a resume allows
    /// (``optionsChangeableOnResume``). Throws `TrainingError.invalidOption` for `--resume`, naming
    /// the fields that differ and `configPath`, when `requested` changes anything else.
    public func resumed(with requested: TrainingOptions, configPath: String) throws -> TrainingOptions {
        var allowed = self
        allowed.steps = requested.steps
        allowed.checkpointEvery = requested.checkpointEvery
        allowed.sampleEvery = requested.sampleEvery
        allowed.logEvery = requested.logEvery
        // A run from before thread counts were recorded takes the requested (or current) count.
        if threads == nil { allowed.threads = requested.threads }
        guard requested == allowed else {
            let changed = (try? Self.differingFields(allowed, requested)) ?? []
            if changed == ["threads"], let threads {
                throw TrainingError.invalidOption(
                    option: "--threads",
                    message: "the run computes with \(threads) thread(s), recorded in \(configPath) so that a resume continues it bit for bit; "
                        + "drop --threads (the recorded count is used), or start a new run to use \(requested.threads.map(String.init) ?? "another count")")
            }
            throw TrainingError.invalidOption(
                option: "--resume",
                message: "only \(Self.optionsChangeableOnResume.joined(separator: ", ")) may change when resuming"
                    + (changed.isEmpty ? "" : ", not \(changed.joined(separator: ", "))")
                    + "; the run's other options are in \(configPath)")
        }
        return allowed
    }

    /// The names (as in `config.json`) of the fields whose values differ, sorted.
    static func differingFields(_ a: TrainingOptions, _ b: TrainingOptions) throws -> [String] {
        let x = try JSONValue(encoding: a).objectValue ?? [:], y = try JSONValue(encoding: b).objectValue ?? [:]
        return Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
    }
}
