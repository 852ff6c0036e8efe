import ArgumentParser
import Foundation
import Testing
@testable import pix2pix

/// Every number the command line takes has a documented range; a value outside it is refused
/// before any work with a message naming the flag.
@Suite("pix2pix option ranges")
struct OptionBoundsTests {
    struct Row: CustomStringConvertible, Sendable {
        var file: String
        var command: [String]
        var flag: String
        var value: String
        var description: String { "\(file): \(command.joined(separator: " ")) \(flag)=\(value)" }
    }

    static let train = ["train", "--data", "d.h5", "--out", "r"]
    static let ablate = ["ablate", "--generators", "unet_64", "--data", "d.h5", "--out", "o"]
    static let build = ["data", "build", "--source", "photos", "--out", "o.h5"]

    /// One out-of-range value for every numeric option (the careless values of issue 16 among them).
    static let rows: [Row] = [
        Row(file: "ExecutionOptions.swift", command: train, flag: "--threads", value: "100000"),
        Row(file: "ArchitectureOptions.swift", command: train, flag: "--ngf", value: "100000"),
        Row(file: "ArchitectureOptions.swift", command: train, flag: "--ndf", value: "0"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--lambda-l1", value: "1e9"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--batch-size", value: "100000"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--lr", value: "0"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--beta1", value: "1"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--load-size", value: "1048576"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--crop-size", value: "0"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--epochs", value: "1000000"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--epochs-decay", value: "-1"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--seed", value: "18446744073709551616"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--steps", value: "0"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--checkpoint-every", value: "0"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--sample-every", value: "-1"),
        Row(file: "TrainingOptionGroups.swift", command: train, flag: "--log-every", value: "0"),
        Row(file: "AblateCommand.swift", command: ablate, flag: "--steps", value: "0"),
        Row(file: "EvalCommand.swift", command: ["eval", "--checkpoint", "c.pzck", "--data", "d.h5"], flag: "--size", value: "1048576"),
        Row(file: "EvalCommand.swift", command: ["eval", "--checkpoint", "c.pzck", "--data", "d.h5"], flag: "--seed", value: "-1"),
        Row(file: "TranslateCommand.swift", command: ["translate", "--model", "m", "i.png", "--out", "o"], flag: "--batch-size", value: "0"),
        Row(file: "TranslateCommand.swift", command: ["translate", "--model", "m", "i.png", "--out", "o"], flag: "--seed", value: "x"),
        Row(file: "DataCommand.swift", command: build, flag: "--size", value: "1048576"),
        Row(file: "DataCommand.swift", command: build, flag: "--crops-per-image", value: "1000000000"),
        Row(file: "DataCommand.swift", command: build, flag: "--split", value: "0"),
        Row(file: "DataCommand.swift", command: build, flag: "--train", value: "0"),
        Row(file: "DataCommand.swift", command: build, flag: "--val", value: "-1"),
        Row(file: "DataCommand.swift", command: build, flag: "--seed", value: "-1"),
        Row(file: "DataCommand.swift", command: build, flag: "--min-std", value: "300"),
        Row(file: "DataCommand.swift", command: build, flag: "--canny-low", value: "-1"),
        Row(file: "DataCommand.swift", command: build, flag: "--canny-high", value: "nan"),
        Row(file: "DataCommand.swift", command: build, flag: "--canny-aperture", value: "4"),
        Row(file: "DataCommand.swift", command: build, flag: "--canny-blur", value: "100001"),
        Row(file: "DataCommand.swift", command: build, flag: "--canny-sigma", value: "1e9"),
        Row(file: "DataCommand.swift", command: ["data", "inspect", "p.h5"], flag: "--preview-pairs", value: "0"),
        Row(file: "BenchCommand.swift", command: ["bench", "ops"], flag: "--iterations", value: "0"),
        Row(file: "BenchCommand.swift", command: ["bench", "ops"], flag: "--size", value: "1048576"),
        Row(file: "BenchCommand.swift", command: ["bench", "ops"], flag: "--batch", value: "0"),
        Row(file: "BenchCommand.swift", command: ["bench", "ops"], flag: "--ngf", value: "100000"),
        Row(file: "BenchTrainCommand.swift", command: ["bench", "train"], flag: "--size", value: "1048576"),
        Row(file: "BenchTrainCommand.swift", command: ["bench", "infer"], flag: "--batch", value: "100000"),
        Row(file: "BenchTrainCommand.swift", command: ["bench", "train"], flag: "--iters", value: "0"),
        Row(file: "BenchTrainCommand.swift", command: ["bench", "train"], flag: "--warmup", value: "-1"),
        Row(file: "BenchTrainCommand.swift", command: ["bench", "train"], flag: "--profile-top", value: "1000000"),
        Row(file: "BenchCheckpointCommand.swift", command: ["bench", "ckpt"], flag: "--iters", value: "0"),
        Row(file: "BenchAllReduceCommand.swift", command: ["bench", "allreduce"], flag: "--iters", value: "0"),
        Row(file: "CheckpointCommand.swift", command: ["ckpt", "convert", "in.pzck", "--storage", "f16", "-o", "out.pzck"], flag: "--level", value: "100"),
        Row(file: "ZooCommand.swift", command: ["zoo", "publish", "run", "--id", "x", "--version", "1.0.0"], flag: "--samples", value: "0"),
        Row(file: "ZooImportCommand.swift", command: ["zoo", "import", "m.pth", "--id", "x", "--version", "1.0.0"], flag: "--samples", value: "0"),
        Row(file: "DemoCommand.swift", command: ["demo"], flag: "--steps", value: "0"),
        Row(file: "DemoCommand.swift", command: ["demo"], flag: "--width", value: "100000"),
        Row(file: "DemoCommand.swift", command: ["demo"], flag: "--side", value: "100000"),
        Row(file: "ExperimentCommand.swift", command: ["experiment", "gray"], flag: "--steps-scale", value: "0"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--port", value: "65536"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--max-body-mb", value: "0"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--max-megapixels", value: "0"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--concurrency", value: "0"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--queue", value: "-1"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--timeout", value: "0"),
        Row(file: "ServeCommand.swift", command: ["serve"], flag: "--cache-mb", value: "-1"),
        Row(file: "PixelBudgetOption.swift", command: ["translate", "--model", "m", "i.png", "--out", "o"], flag: "--max-megapixels", value: "0"),
    ]

    @Test("every numeric option refuses an out-of-range value, naming the flag", arguments: rows)
    func refused(_ row: Row) throws {
        let message = try #require(CLITests.parseError(row.command + ["\(row.flag)=\(row.value)"]), "\(row) parsed")
        #expect(message.contains(row.flag), "\(row): \"\(message)\" does not name the flag")
        // The value itself parses at the edge of the range (the check is a range, not a parse error).
        #expect(message.count < 400, "\(row): a long message")
    }

    @Test("the values at the edges of the documented ranges are accepted")
    func edgesAccepted() throws {
        for arguments in [
            Self.train + ["--threads", "1024", "--ngf", "1024", "--crop-size", "4096", "--load-size", "4096", "--lr", "10", "--beta1", "0"],
            Self.build + ["--crops-per-image", "10000", "--canny-blur", "99", "--size", "8", "--split", "1"],
            ["eval", "--checkpoint", "c.pzck", "--data", "d.h5", "--size", "4096"],
        ] {
            #expect(CLITests.parseError(arguments) == nil, "\(arguments): \(CLITests.parseError(arguments) ?? "")")
        }
        #expect(CLITests.parseError(Self.train + ["--threads", "1025"])?.contains("1–1024") == true)
    }

    @Test("the table covers every numeric @Option in Sources/pix2pix, and --help shows the ranges")
    func tableIsComplete() throws {
        let declared = try Self.numericOptions()
        let covered = Set(Self.rows.map { "\($0.file) \($0.flag)" })
        #expect(declared.count >= 40, "the scan found only \(declared.sorted())")
        #expect(declared.subtracting(covered).isEmpty, "numeric options without a range test: \(declared.subtracting(covered).sorted())")
        #expect(covered.subtracting(declared).isEmpty, "rows for options that no longer exist: \(covered.subtracting(declared).sorted())")
        let help = Pix2PixCommand.helpMessage(for: TrainCommand.self, columns: 400)
        for fragment in ["--threads <threads>", "(range 1–1024)", "(range 0–100000)"] {
            #expect(help.contains(fragment), "train --help lacks \(fragment)")
        }
    }

    /// "File.swift --flag" for every `@Option` of type Int, Double, Float or UInt64 (or a number
    /// default without a type) in Sources/pix2pix.
    static func numericOptions() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/pix2pix")
        var found: Set<String> = []
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            var from = text.startIndex
            while let option = text.range(of: "@Option(", range: from..<text.endIndex),
                  let declaration = text.range(of: "var ", range: option.upperBound..<text.endIndex) {
                let attribute = text[option.upperBound..<declaration.lowerBound]
                let end = text[declaration.upperBound...].firstIndex(of: "\n") ?? text.endIndex
                let line = text[declaration.upperBound..<end]
                from = end
                let name = String(line.prefix { $0.isLetter || $0.isNumber })
                let rest = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
                let numeric: Bool
                if rest.hasPrefix(":") {
                    let type = rest.dropFirst().trimmingCharacters(in: .whitespaces).prefix { $0.isLetter || $0.isNumber }
                    numeric = ["Int", "Double", "Float", "UInt64", "Int32", "UInt"].contains(String(type))
                } else if rest.hasPrefix("=") {
                    numeric = Double(rest.dropFirst().trimmingCharacters(in: .whitespaces)) != nil
                } else {
                    numeric = false
                }
                guard numeric else { continue }
                var flag = "--" + name.reduce(into: "") { s, c in s += c.isUppercase ? "-" + c.lowercased() : String(c) }
                if let custom = attribute.range(of: ".customLong(\""), let close = attribute[custom.upperBound...].firstIndex(of: "\"") {
                    flag = "--" + attribute[custom.upperBound..<close]
                }
                found.insert("\(URL(fileURLWithPath: file).lastPathComponent) \(flag)")
            }
        }
        return found
    }
}
