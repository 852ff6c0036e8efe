import Foundation

/// What `config.json` in a run directory holds: the options and where the data came from.
public struct TrainingRunConfig: Codable, Sendable, Equatable {
    public var options: TrainingOptions
    /// The training data (HDF5 file or aligned folder) and its split.
    public var data: String
    public var split: String
    /// Validation data (defaults to the "val" split of `data` when it has one).
    public var validationData: String?
    public var validationSplit: String?
    /// The command line that started the run, for model cards.
    public var command: String?
    public var framework: String
    /// The instruction set of the oneDNN kernels the run started on (`OneDNNInfo.instructionSet`);
    /// another one gives other rounding, so a resume elsewhere warns that it is not bit-exact.
    /// Nil in configs written before it was recorded.
    public var instructionSet: String?
    /// The number of data-parallel ranks the run started with (`mpirun -np N`; 1 for one process).
    /// Nil in configs written before it was recorded (one process). Checkpoints record the world
    /// size of the steps they end (`world_size` in their progress).
    public var worldSize: Int?

    public init(options: TrainingOptions, data: String, split: String = "train", validationData: String? = nil,
                validationSplit: String? = nil, command: String? = nil) {
        self.options = options
        self.data = data
        self.split = split
        self.validationData = validationData
        self.validationSplit = validationSplit
        self.command = command
        framework = Pix2PixZooVersion.string
    }
}
