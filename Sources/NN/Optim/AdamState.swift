import Base
import Tensor

/// The saved form of an ``Adam`` optimizer, apart from its tensors: settings and step counts.
///
/// Codable with snake_case keys: `{"hyperparameters": {...}, "step_count": 12, "steps": {"0.weight": 12}}`.
public struct AdamState: Codable, Sendable, Equatable {
    public var hyperparameters: Adam.Hyperparameters
    /// How many times `step()` ran.
    public var stepCount: Int
    /// Per parameter key, how many updates it received (torch's `state[p]["step"]`). Parameters
    /// that never had a gradient are absent and have no moment tensors.
    public var steps: [String: Int]

    public init(hyperparameters: Adam.Hyperparameters, stepCount: Int, steps: [String: Int]) {
        self.hyperparameters = hyperparameters
        self.stepCount = stepCount
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case hyperparameters, stepCount = "step_count", steps
    }
}

extension Adam {
    /// Key suffix of a parameter's first moment in ``exportState()``'s tensors (torch's name).
    public static let firstMomentSuffix = ".exp_avg"
    /// Key suffix of a parameter's second moment.
    public static let secondMomentSuffix = ".exp_avg_sq"

    /// The optimizer's state: settings and step counts, and the moments as tensors keyed
    /// `"<parameter key>.exp_avg"` and `"<parameter key>.exp_avg_sq"`.
    ///
    /// The tensors share storage with the optimizer: write them out (or copy them) before the
    /// next ``step()``.
    public func exportState() -> (state: AdamState, tensors: [String: Tensor]) {
        var steps: [String: Int] = [:]
        var tensors: [String: Tensor] = [:]
        for (index, (key, _)) in parameters.enumerated() {
            guard let slot = slots[index] else { continue }
            steps[key] = slot.step
            tensors[key + Self.firstMomentSuffix] = slot.m.detached()
            tensors[key + Self.secondMomentSuffix] = slot.v.detached()
        }
        return (AdamState(hyperparameters: hyperparameters, stepCount: stepCount, steps: steps), tensors)
    }

    /// Restores a state saved by ``exportState()``: settings, step counts and moments (copied).
    ///
    /// Checked like ``Module/load(stateDict:)``: every key in `state.steps` must be one of this
    /// optimizer's parameters, and exactly its two moment tensors, shaped like the parameter, must
    /// be in `tensors`. All problems are thrown together as ``NNError/stateDictMismatch(_:)``
    /// (target "Adam state"), and then nothing changes.
    public func importState(_ state: AdamState, tensors: [String: Tensor]) throws {
        try state.hyperparameters.validate()
        guard state.stepCount >= 0, state.steps.values.allSatisfy({ $0 >= 1 && $0 <= max(state.stepCount, 1) }) else {
            throw NNError.invalidArgument(
                what: "Adam.importState",
                message: "step counts must be ≥ 1 and at most step_count (\(state.stepCount)); got \(state.steps.sorted { $0.key < $1.key })")
        }
        let known = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.tensor.shape) })
        var expected: [(String, [Int])] = []
        for (key, p) in parameters where state.steps[key] != nil {
            expected.append((key + Self.firstMomentSuffix, p.shape))
            expected.append((key + Self.secondMomentSuffix, p.shape))
        }
        var mismatch = StateMismatch(target: "Adam state", expected: expected, found: tensors.mapValues(\.shape))
            ?? StateMismatch(target: "Adam state", missing: [], unexpected: [], wrongShape: [])
        // Step counts for keys this optimizer does not have are unexpected too.
        let strayKeys = state.steps.keys.filter { known[$0] == nil }
        mismatch.unexpected = (mismatch.unexpected + strayKeys.map { .init(name: "steps[\($0)]", shape: []) }).sorted { $0.name < $1.name }
        guard mismatch.isEmpty else { throw NNError.stateDictMismatch(mismatch) }

        var newSlots: [Slot?] = Array(repeating: nil, count: parameters.count)
        for (index, (key, p)) in parameters.enumerated() {
            guard let step = state.steps[key], let m = tensors[key + Self.firstMomentSuffix],
                  let v = tensors[key + Self.secondMomentSuffix] else { continue }
            let slot = Slot(shape: p.shape)
            slot.step = step
            slot.m.assign(m)
            slot.v.assign(v)
            newSlots[index] = slot
        }
        slots = newSlots
        hyperparameters = state.hyperparameters
        stepCount = state.stepCount
    }
}
