import Foundation

/// How a run ended.
public enum TrainingOutcome: Sendable {
    /// The step budget or the last epoch was reached; validation metrics when there was validation data.
    case finished(step: Int, metrics: EvaluationResult?)
    /// `shouldStop` returned true: the current step finished and `latest.pzck` was saved.
    case interrupted(step: Int, checkpoint: String)
}
