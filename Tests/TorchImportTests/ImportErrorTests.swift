import Base
import Foundation
import NN
import Pix2Pix
import Tensor
import Testing
@testable import TorchImport

/// A reference generator's state dict with one thing wrong: each is refused, naming the fault.
/// Variants are written from the parity fixture with the tests' small torch.save (PthWriter).
@Suite("Importing reference generators: refusals")
struct ImportErrorTests {
    static let batch = try! PthWriter.items(of: try! PthFile(path: Fixtures.path("parity/batch_zip.pth")))
    static let instance = try! PthWriter.items(of: try! PthFile(path: Fixtures.path("parity/instance_zip.pth")))

    func importing(_ items: [PthWriter.Item], _ options: ReferenceImportOptions = .init(generator: "unet_64", dropout: false)) throws -> ImportedGenerator {
        try ReferenceImport.generator(from: try PthFile(bytes: PthWriter.legacy(items), name: "variant.pth"), options: options)
    }

    func error(_ items: [PthWriter.Item], _ options: ReferenceImportOptions = .init(generator: "unet_64", dropout: false)) -> ReferenceImportError? {
        do { _ = try importing(items, options) } catch let e as ReferenceImportError { return e } catch { Issue.record("\(error)") }
        return nil
    }

    func mismatch(_ items: [PthWriter.Item], _ options: ReferenceImportOptions = .init(generator: "unet_64", dropout: false)) -> StateMismatch? {
        if case .stateMismatch(_, let m)? = error(items, options) { return m }
        return nil
    }

    @Test("the written copy imports (the variants below differ from it in one thing only)")
    func baseline() throws {
        #expect(try importing(Self.batch).loadedCount == Self.batch.filter { !$0.name.hasSuffix("num_batches_tracked") }.count)
        #expect(try importing(Self.instance).droppedKeys.isEmpty)
    }

    @Test("--norm that contradicts the file")
    func norm() {
        guard case .normMismatch(_, .instance, .batch)? = error(Self.batch, .init(generator: "unet_64", norm: .instance)) else {
            Issue.record("batch file imported as instance norm"); return
        }
        guard case .normMismatch(_, .batch, .instance)? = error(Self.instance, .init(generator: "unet_64", norm: .batch)) else {
            Issue.record("instance file imported as batch norm"); return
        }
        guard case .unsupportedNorm? = error(Self.batch, .init(generator: "unet_64", norm: NormKind.none)) else {
            Issue.record("--norm none accepted"); return
        }
    }

    @Test("another depth: every missing key listed, with shapes")
    func depth() throws {
        let m = try #require(mismatch(Self.batch, .init(generator: "unet_128")))
        #expect(!m.missing.isEmpty)
        #expect(m.description.contains("missing:"))
        #expect(m.target.contains("unet_128"))
    }

    @Test("a generator that is no U-Net")
    func family() {
        guard case .notAUNet(let name, "encoder_decoder")? = error(Self.batch, .init(generator: "encoder_decoder_64")) else {
            Issue.record("encoder_decoder accepted"); return
        }
        #expect(name == "encoder_decoder_64")
    }

    @Test("a key left over, a key missing, a wrong shape")
    func keys() throws {
        var extra = Self.batch
        extra.append(.init(name: "model.model.1.extra.weight", shape: [2], values: [1, 2]))
        #expect(try #require(mismatch(extra)).unexpected.map(\.name) == ["model.model.1.extra.weight"])

        let missing = Self.batch.filter { $0.name != "model.model.1.model.2.weight" }
        #expect(try #require(mismatch(missing)).missing.map(\.name) == ["model.model.1.model.2.weight"])

        var wrong = Self.batch
        let i = wrong.firstIndex { $0.name == "model.model.1.model.2.bias" }!
        wrong[i].shape = [wrong[i].values.count - 1]
        wrong[i].values.removeLast()
        let m = try #require(mismatch(wrong))
        #expect(m.wrongShape.map(\.name) == ["model.model.1.model.2.bias"])
        #expect(m.description.contains("expected [8], found [7]"))
    }

    @Test("the outermost weights are missing: the widths cannot be read")
    func widths() {
        let items = Self.batch.filter { $0.name != "model.model.0.weight" }
        guard case .unreadableWidths(_, "model.model.0.weight", _)? = error(items) else { Issue.record("missing outermost weight not named"); return }
    }

    @Test("an integer weight, a NaN weight")
    func values() {
        var ints = Self.batch
        let i = ints.firstIndex { $0.name == "model.model.1.model.2.running_mean" }!
        ints[i].storageClass = "LongStorage"
        ints[i].values = ints[i].values.map { $0.rounded() }
        guard case .notFloatingPoint(_, "model.model.1.model.2.running_mean", "int64")? = error(ints) else { Issue.record("int64 weight accepted"); return }

        var nan = Self.batch
        let j = nan.firstIndex { $0.name == "model.model.3.weight" }!
        nan[j].values[5] = .nan
        nan[j].values[6] = .infinity
        guard case .nonFinite(_, "model.model.3.weight", 2, _)? = error(nan) else { Issue.record("NaN weight accepted"); return }
    }

    @Test("old files: BatchNorm without num_batches_tracked (torch < 0.4.1), InstanceNorm with running statistics (torch < 0.4)")
    func oldFiles() throws {
        let noCounters = Self.batch.filter { !$0.name.hasSuffix("num_batches_tracked") }
        let a = try importing(noCounters)
        #expect(a.droppedKeys.isEmpty && a.loadedCount == noCounters.count)

        // Old InstanceNorm2d kept running_mean / running_var: at the norm slots, as old torch wrote them.
        var withStats = Self.instance
        for (key, channels) in [("model.model.1.model.2", 4), ("model.model.1.model.6", 2)] {
            withStats.append(.init(name: key + ".running_mean", shape: [channels], values: Array(repeating: 0, count: channels)))
            withStats.append(.init(name: key + ".running_var", shape: [channels], values: Array(repeating: 1, count: channels)))
        }
        let b = try importing(withStats)
        #expect(b.droppedKeys.count == 4)
        // A running mean where no norm layer is (here: the LeakyReLU slot) is still a left-over key.
        var stray = Self.instance
        stray.append(.init(name: "model.model.1.model.0.running_mean", shape: [2], values: [0, 0]))
        #expect(try #require(mismatch(stray)).unexpected.map(\.name) == ["model.model.1.model.0.running_mean"])
    }

    @Test("a 2017-era file (Python 2 strings, _rebuild_tensor, CUDA storages, storage views) imports with the same weights")
    func python2Era() throws {
        let file = try PthFile(bytes: PthWriter.legacy(Self.batch, python2: true), name: "old.pth")
        #expect(file.tensors.allSatisfy { $0.storageOffset == 1 })
        let imported = try ReferenceImport.generator(from: file, options: .init(generator: "unet_64", dropout: false))
        let reference = try importing(Self.batch)
        for ((k1, a), (k2, b)) in zip(imported.network.stateEntries(), reference.network.stateEntries()) {
            #expect(k1 == k2 && a.scalars == b.scalars, "\(k1)")
        }
    }

    @Test("a dict of state dicts (netG / netD) is not taken for a state dict")
    func nested() throws {
        typealias P = PickleBytes
        let inner = P.emptyOrderedDict
        let bytes = P.proto + [0x8A, 10] + PthFile.legacyMagic + [0x2E] + P.proto + [0x4D] + P.le(UInt16(1001)) + [0x2E]
            + P.proto + [0x7D, 0x2E] + P.proto + [0x7D, 0x28] + P.unicode("netG") + inner + P.unicode("netD") + inner + [0x75, 0x2E]
            + P.proto + [0x5D, 0x2E]
        let error = #expect(throws: PthError.self) { _ = try PthFile(bytes: bytes, name: "nested.pth") }
        guard case .notAStateDict(_, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("\"netG\"") && reason.contains("not a tensor"))
    }
}
