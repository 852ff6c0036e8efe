import Foundation
import Testing
import TestSupport
@testable import Zoo
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pix2pix zoo publish` / `zoo remove` run as processes and killed with SIGKILL at random
/// moments (every third kill is sent as soon as the rename is seen, to hit the window between it
/// and the index rewrite). `PIX2PIX_ZOO_KILL_RUNS` sets the number of kills (default 3;
/// scripts/zoo_kill_storm.sh runs many), and `PIX2PIX_ZOO_KILL_REPORT`, when set, names a JSON
/// file that receives the tally.
@Suite("Zoo kill -9", .serialized)
struct KillTests {
    /// The `pix2pix` executable built next to the test bundle.
    static func executable() -> URL? { try? Pix2PixExecutable.url }

    static func spawn(_ executable: URL, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to the end; the exit status.
    static func run(_ executable: URL, _ arguments: [String]) throws -> Int32 {
        let process = try spawn(executable, arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the kills found.
    struct Tally: Codable {
        var runs = 0
        /// Kills sent as soon as the version folder appeared (publish) or vanished (remove).
        var targetedKills = 0
        var publishKills = 0
        var removeKills = 0
        /// The command ended on its own before the signal.
        var finishedFirst = 0
        /// Killed publishes whose version was listed (committed) afterwards, and those whose was not.
        var publishCommitted = 0
        var publishNotCommitted = 0
        /// Killed removals that had already moved the version away.
        var removeCommitted = 0
        /// Runs after which the index was stale (after a publish, after a removal), and after which debris was found.
        var staleIndexAfterPublish = 0
        var staleIndexAfterRemove = 0
        var debrisRuns = 0
        var debrisKinds: [String: Int] = [:]
        /// Repairs: by `zoo gc` (a process), by the next publish or remove (the library).
        var repairedByGC = 0
        var repairedByNextWrite = 0
        /// Versions whose killed publish never committed, published again by the next write.
        var republished = 0
        var publishSeconds = 0.0
        var removeSeconds = 0.0
    }

    @Test("publish and remove killed at random moments: nothing partial is listed, debris is reported and collected, the index is repaired")
    func killedPublishAndRemove() throws {
        let exe = try #require(Self.executable(), "the pix2pix executable is built with the tests")
        let environment = ProcessInfo.processInfo.environment
        let runs = environment["PIX2PIX_ZOO_KILL_RUNS"].flatMap { Int($0) } ?? 3
        let dir = try ZooFixtures.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("g.pzck")
        try ZooFixtures.makeCheckpoint(at: checkpoint)
        let zoo = ZooStore(root: dir.appendingPathComponent("zoo"))
        let v110 = try SemanticVersion(parsing: "1.1.0")
        func publish(_ version: String) -> [String] {
            ["zoo", "publish", checkpoint.path, "--id", "gray-tiny", "--version", version, "--license", "CC0-1.0", "--zoo", zoo.root.path, "--quiet"]
        }
        let remove = ["zoo", "remove", "gray-tiny@1.1.0", "--yes", "--zoo", zoo.root.path]
        var tally = Tally()

        // Unkilled first: 1.0.0 stays throughout; the durations size the kill delays.
        #expect(try Self.run(exe, publish("1.0.0")) == 0)
        var start = Date()
        #expect(try Self.run(exe, publish("1.1.0")) == 0)
        tally.publishSeconds = Date().timeIntervalSince(start)
        start = Date()
        #expect(try Self.run(exe, remove) == 0)
        tally.removeSeconds = Date().timeIntervalSince(start)
        #expect(try zoo.verify().isClean)

        for run in 0..<runs {
            let removing = zoo.entries().contains { $0.version == v110 }
            let window = removing ? tally.removeSeconds : tally.publishSeconds
            let process = try Self.spawn(exe, removing ? remove : publish("1.1.0"))
            if run % 3 == 2 {
                // Targeted: killed as soon as the rename is seen, to land between it and the index rewrite.
                tally.targetedKills += 1
                let folder = zoo.directory(id: "gray-tiny", version: v110).path
                let deadline = Date().addingTimeInterval(window * 3 + 5)
                while process.isRunning, FileManager.default.fileExists(atPath: folder) == removing, Date() < deadline { usleep(50) }
            } else {
                usleep(UInt32(Double.random(in: 0...(window * 1.2)) * 1_000_000))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            tally.runs += 1
            if process.terminationReason == .exit {
                tally.finishedFirst += 1
                #expect(process.terminationStatus == 0, "run \(run)")
            } else if removing {
                tally.removeKills += 1
            } else {
                tally.publishKills += 1
            }

            // Nothing partial is ever listed: every listed version verifies on its own.
            let (entries, problems) = zoo.scan()
            #expect(problems.isEmpty, "run \(run): \(problems)")
            #expect(entries.first?.version.description == "1.0.0" && entries.allSatisfy { ["1.0.0", "1.1.0"].contains($0.version.description) })
            for entry in entries { #expect(ZooVerifier.verify(entry).isEmpty, "run \(run): \(entry.reference) is complete") }
            let listed = entries.contains { $0.version == v110 }
            if process.terminationReason != .exit {
                if removing { tally.removeCommitted += listed ? 0 : 1 } else if listed { tally.publishCommitted += 1 } else { tally.publishNotCommitted += 1 }
            }

            // Debris and a stale index are reported, and nothing else is wrong.
            let (debris, writerActive) = zoo.debris()
            #expect(!writerActive)
            let report = try zoo.verify()
            for item in debris {
                #expect(report.problems.contains { $0.path == item.url.path && $0.message.contains("zoo gc") }, "run \(run): \(item)")
                tally.debrisKinds[item.kind.rawValue, default: 0] += 1
            }
            let stale = report.problems.contains { $0.path == zoo.indexFile.path }
            #expect(report.problems.count == debris.count + (stale ? 1 : 0), "run \(run): \(report.problems)")
            tally.debrisRuns += debris.isEmpty ? 0 : 1
            if stale {
                if removing { tally.staleIndexAfterRemove += 1 } else { tally.staleIndexAfterPublish += 1 }
            }

            // The next operation repairs: `zoo gc`, or the next publish / remove.
            if run % 2 == 0 {
                #expect(try Self.run(exe, ["zoo", "gc", "--zoo", zoo.root.path]) == 0)
                tally.repairedByGC += 1
            } else if listed {
                try zoo.remove(id: "gray-tiny", version: v110)
                tally.repairedByNextWrite += 1
            } else {
                try zoo.publish(ZooFixtures.request(checkpoint, version: "1.1.0"))  // the same version again
                tally.repairedByNextWrite += 1
                tally.republished += removing ? 0 : 1
            }
            #expect(try zoo.verify().isClean, "run \(run): after the repair")
            #expect(zoo.debris().items.isEmpty)
        }
        #expect(tally.runs == runs)
        if let report = environment["PIX2PIX_ZOO_KILL_REPORT"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(tally).write(to: URL(fileURLWithPath: report))
        }
    }
}
