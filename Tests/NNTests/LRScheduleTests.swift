import Foundation
import Testing
@testable import NN

@Suite("LR schedules")
struct LRScheduleTests {
    @Test("constant keeps the base rate")
    func constant() {
        for e in [0, 1, 50, 1000] { #expect(LRSchedule.constant.learningRate(base: 2e-4, epoch: e) == 2e-4) }
    }

    @Test("linear is the reference's lambda_rule: 1 − max(0, epoch + epoch_count − n_epochs) / (n_epochs_decay + 1)")
    func linear() {
        let s = LRSchedule.linear(nEpochs: 100, nEpochsDecay: 100, epochCount: 1)
        for epoch in [0, 50, 98, 99, 100, 150, 199, 200] {
            let factor = 1 - Double(max(0, epoch + 1 - 100)) / 101
            let got = Double(s.learningRate(base: 2e-4, epoch: epoch))
            #expect(abs(got - 2e-4 * factor) <= 2e-4 * 1e-6, "epoch \(epoch): \(got)")
        }
        // Flat through epoch 99 (the first 100 epochs), then down by 1/101 per epoch, reaching
        // base/101 at epoch 199 (the 200th): the reference never trains at rate 0.
        #expect(s.learningRate(base: 1, epoch: 99) == 1)
        #expect(abs(s.learningRate(base: 1, epoch: 100) - 100.0 / 101) < 1e-7)
        #expect(abs(s.learningRate(base: 1, epoch: 199) - 1.0 / 101) < 1e-7)
        // Resuming at epoch_count 51 shifts the curve by 50 epochs.
        let resumed = LRSchedule.linear(nEpochs: 100, nEpochsDecay: 100, epochCount: 51)
        #expect(resumed.learningRate(base: 1, epoch: 60) == s.learningRate(base: 1, epoch: 110))
    }

    @Test("step multiplies by gamma every step_size epochs")
    func step() {
        let s = LRSchedule.step(stepSize: 30, gamma: 0.1)
        #expect(s.learningRate(base: 1, epoch: 0) == 1)
        #expect(s.learningRate(base: 1, epoch: 29) == 1)
        #expect(abs(s.learningRate(base: 1, epoch: 30) - 0.1) < 1e-7)
        #expect(abs(s.learningRate(base: 1, epoch: 89) - 0.01) < 1e-8)
        #expect(abs(s.learningRate(base: 1, epoch: 90) - 0.001) < 1e-9)
    }

    @Test("cosine is eta_min + (base − eta_min)(1 + cos(π·epoch / T_max)) / 2")
    func cosine() {
        let s = LRSchedule.cosine(tMax: 40, etaMin: 1e-5)
        for epoch in [0, 10, 20, 33, 40] {
            let expected = 1e-5 + (2e-3 - 1e-5) * (1 + cos(Double.pi * Double(epoch) / 40)) / 2
            #expect(abs(Double(s.learningRate(base: 2e-3, epoch: epoch)) - expected) < 1e-9, "epoch \(epoch)")
        }
        #expect(abs(s.learningRate(base: 2e-3, epoch: 20) - (2e-3 + 1e-5) / 2) < 1e-9)
        #expect(abs(s.learningRate(base: 2e-3, epoch: 40) - 1e-5) < 1e-9)
    }

    @Test("Codable with snake_case keys and reference defaults; bad values fail to decode")
    func codable() throws {
        for s in [LRSchedule.constant, .linear(nEpochs: 3, nEpochsDecay: 4, epochCount: 2),
                  .step(stepSize: 5, gamma: 0.5), .cosine(tMax: 9, etaMin: 0.001)] {
            let data = try JSONEncoder().encode(s)
            #expect(try JSONDecoder().decode(LRSchedule.self, from: data) == s, "\(s)")
        }
        let linear = try JSONDecoder().decode(LRSchedule.self, from: Data(#"{"policy":"linear","n_epochs":100,"n_epochs_decay":100}"#.utf8))
        #expect(linear == .linear(nEpochs: 100, nEpochsDecay: 100, epochCount: 1))
        let step = try JSONDecoder().decode(LRSchedule.self, from: Data(#"{"policy":"step","step_size":50}"#.utf8))
        #expect(step == .step(stepSize: 50, gamma: 0.1))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LRSchedule.self, from: Data(#"{"policy":"plateau"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LRSchedule.self, from: Data(#"{"policy":"step","step_size":0}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LRSchedule.self, from: Data(#"{"policy":"cosine","t_max":0}"#.utf8)) }
        #expect(throws: NNError.self) { try LRSchedule.linear(nEpochs: 10, nEpochsDecay: -1).validate() }
    }

    @Test("an optimizer follows a schedule by setting its learning rate")
    func drivesAdam() throws {
        let adam = try Adam(parameters: [], .init(learningRate: 2e-4))
        let schedule = LRSchedule.linear(nEpochs: 2, nEpochsDecay: 2)
        var rates: [Float] = []
        for epoch in 0..<4 {
            adam.learningRate = schedule.learningRate(base: 2e-4, epoch: epoch)
            rates.append(adam.learningRate)
        }
        #expect(maxAbsDiff(rates, [2e-4, 2e-4, 2e-4 * 2 / 3, 2e-4 / 3]) < 1e-10)
    }
}
