import Foundation

/// Progress reported to the caller (the CLI draws its progress bar from it).
public struct TrainingProgress: Sendable {
    public var step: Int
    /// The step count the run will stop at.
    public var totalSteps: Int
    public var epoch: Int
    public var totalEpochs: Int
    public var losses: StepLosses
    /// Exponential moving averages of the losses (α = 0.05), what a progress bar should show.
    public var smoothed: StepLosses
    public var learningRate: Float
    /// Training seconds so far (across resumes).
    public var seconds: Double
    /// Steps per second over the recent steps.
    public var stepsPerSecond: Double
}
