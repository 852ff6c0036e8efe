import Foundation

/// One line of `log.jsonl`.
public struct TrainingLogRecord: Codable, Sendable, Equatable {
    public var step: Int
    public var epoch: Int
    public var losses: StepLosses
    public var lr: Float
    public var seconds: Double

    public init(step: Int, epoch: Int, losses: StepLosses, lr: Float, seconds: Double) {
        self.step = step
        self.epoch = epoch
        self.losses = losses
        self.lr = lr
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey { case step, epoch, lr, seconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        epoch = try c.decode(Int.self, forKey: .epoch)
        lr = try c.decode(Float.self, forKey: .lr)
        seconds = try c.decode(Double.self, forKey: .seconds)
        losses = try StepLosses(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(lr, forKey: .lr)
        try c.encode(seconds, forKey: .seconds)
        try losses.encode(to: encoder)
    }
}
