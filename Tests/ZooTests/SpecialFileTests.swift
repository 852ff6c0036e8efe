import Checkpoint
import Foundation
import Imaging
import Pix2Pix
import Testing
@testable import Zoo

/// FIFOs (and other non-regular files) given where a file is read are refused with a typed error
/// naming the path — `stat` before `open` — instead of blocking until a writer appears.
@Suite("FIFOs given as paths")
struct SpecialFileTests {
    /// Runs `body` on its own thread and fails the test when it does not return within `seconds`;
    /// a reader stuck in `open` on `fifo` is then released by opening the FIFO for writing.
    static func withinTimeout(_ seconds: Double, fifo: String, _ what: String, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            Issue.record("\(what) blocked on the FIFO \(fifo) for \(seconds) s")
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            done.wait()
        }
    }

    /// The error `body` throws, described ("" when it returns).
    static func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch { return "\(error)" }
    }

    @Test("images, HDF5 files, checkpoints, model cards and run configs: a FIFO is named and refused without blocking")
    func fifos() throws {
        let dir = try ZooFixtures.temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        func fifo(_ name: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try #require(mkfifo(path, 0o644) == 0)
            return path
        }
        let png = try fifo("photo.png"), h5 = try fifo("pairs.h5"), pzck = try fifo("g.pzck")
        let cases: [(String, String, @Sendable () throws -> Void)] = [
            ("Image.read", png, { _ = try Image.read(path: png) }),
            ("openPairedDataset", h5, { _ = try openPairedDataset(path: h5) }),
            ("HDF5PairedDataset.describe", h5, { _ = try HDF5PairedDataset.describe(path: h5) }),
            ("CheckpointFile", pzck, { _ = try CheckpointFile(contentsOf: URL(fileURLWithPath: pzck)) }),
            ("ModelCheckpoint.loadGenerator", pzck, { _ = try ModelCheckpoint.loadGenerator(from: URL(fileURLWithPath: pzck)) }),
        ]
        for (what, path, body) in cases {
            let message = Box()
            Self.withinTimeout(5, fifo: path, what) { message.value = Self.failure(body) }
            #expect(message.value.contains(path) && message.value.contains("FIFO"), "\(what): \(message.value)")
        }
        // A model card that is a FIFO.
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let card = model.appendingPathComponent(ZooLayout.cardFile).path
        try #require(mkfifo(card, 0o644) == 0)
        let message = Box()
        Self.withinTimeout(5, fifo: card, "ModelCard.read") { message.value = Self.failure { _ = try ModelCard.read(from: model) } }
        #expect(message.value.contains(card) && message.value.contains("FIFO"), "\(message.value)")
    }

    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        var value: String {
            get { lock.withLock { text } }
            set { lock.withLock { text = newValue } }
        }
    }
}
