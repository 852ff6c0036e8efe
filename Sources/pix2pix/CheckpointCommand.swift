import ArgumentParser
import Base
import Checkpoint
import Export
import Foundation
import Pix2Pix

/// `pix2pix ckpt inspect` and `pix2pix ckpt convert`: look inside `.pzck` checkpoints and rewrite
/// them with another storage type.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Inspect .pzck checkpoints and convert them between F32, F16, BF16 and Q8 storage.",
        subcommands: [Inspect.self, Convert.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a checkpoint's header, tensor table, sizes and compression ratios.",
            discussion: """
            Opening validates the preamble, header and trailer; tensor data is not read unless --verify \
            is given, which decodes every chunk and checks its CRC-32, zstd frame and size. Ratios are \
            raw bytes / stored bytes (above 1: the file is smaller). --json prints one JSON object with \
            sorted keys.
            """
        )

        @Argument(help: ArgumentHelp("A .pzck checkpoint.", valueName: "file"))
        var file: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        @Flag(help: "Also decode all tensor data and check every chunk checksum.")
        var verify = false

        /// What `run()` prints. Throws a `CheckpointError` naming the file when it cannot be opened or
        /// (with --verify) when any chunk is damaged; in text mode the report comes first.
        func output(emit: (String) -> Void) throws {
            let checkpoint = try CheckpointFile(contentsOf: URL(fileURLWithPath: file))
            let report = CheckpointReport(checkpoint)
            if json {
                if verify { try checkpoint.verifyData() }
                emit(report.json(verified: verify ? true : nil).serializedString(pretty: true))
            } else {
                emit(report.text())
                if verify {
                    try checkpoint.verifyData()
                    emit("verify: \(report.chunkCount) chunks of \(report.rows.count) tensors decoded; every checksum, frame and size matches")
                }
            }
        }

        func run() throws {
            try output { print($0) }
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite every tensor of a checkpoint with another storage type (F32, F16, BF16, Q8).",
            discussion: """
            Kind, producer, model description, metadata and sections are copied unchanged; tensors keep \
            their names, shapes and order. Narrowing rounds to nearest, ties to even (F16 turns values \
            beyond ±65504 into infinities); widening is exact. Q8 stores 8-bit integers with a scale per \
            output channel for the convolution weights of a registered architecture (per tensor for other \
            tensors of rank ≥ 2); biases, batch-norm tensors and optimizer moments stay F32. The input is \
            streamed chunk by chunk (bounded memory). The output is written atomically and is never the \
            input; an existing output is replaced only with --force.

            Example: pix2pix ckpt convert runs/gray64/\(RunDirectory.FileName.latest) --storage bf16 -o gray64-bf16.pzck
            """
        )

        @Argument(help: ArgumentHelp("The checkpoint to convert.", valueName: "file"))
        var file: String

        @Option(help: "Storage type of every tensor in the output.")
        var storage: StorageType

        @Option(help: Bounds.zstdLevel.help("zstd compression level (negative fast levels through 22)."))
        var level: Int = 3

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The file to write.", valueName: "out"))
        var output: String

        @Flag(help: "Replace an existing output file.")
        var force = false

        // A .safetensors input becomes an inference checkpoint; the architecture comes from these or the file's metadata.
        @Option(help: "For safetensors input: the generator preset its tensors belong to (default: the file's metadata).") var generator: String?
        @Option(name: .customLong("g"), help: ArgumentHelp("For safetensors input: set a key of the generator's config (repeatable).", valueName: "key=value"))
        var generatorOverrides: [ConfigAssignment] = []

        func validate() throws {
            // Let the writer judge the level (it knows the zstd library's range) on an empty checkpoint.
            do {
                _ = try CheckpointWriter(compressionLevel: level).encode(kind: .inference, model: [:], tensors: [])
            } catch {
                throw ValidationError("--level \(level) is not a zstd compression level (use e.g. 1, 3 or 19)")
            }
        }

        /// The conversion the options ask for (`run()` prints its description).
        func convert() throws -> CheckpointConverter.Summary {
            guard storage == .q8 else {
                return try CheckpointConverter.convert(input: file, output: output, storage: storage, level: level, force: force)
            }
            let plan = Self.q8Plan(file)
            return try CheckpointConverter.convert(input: file, output: output, storage: storage, level: level, force: force,
                                                   channelAxes: plan.axes, storageOverrides: plan.overrides)
        }

        /// Q8 needs each weight's output-channel axis: from the architecture the header names
        /// (derived from the configs, nothing built); optimizer moments stay F32 (their tiny values
        /// set a resumed run's step sizes). When the header is unreadable or names no registered
        /// architecture, nothing is known: rank ≥ 2 tensors are quantised per tensor (and a damaged
        /// file is reported by the conversion itself).
        static func q8Plan(_ path: String) -> (axes: [String: Int], overrides: [String: StorageType]) {
            guard let checkpoint = try? CheckpointFile(contentsOf: URL(fileURLWithPath: path)) else { return ([:], [:]) }
            let axes = (try? ModelArchitecture(json: checkpoint.header.model, file: checkpoint.name))
                .flatMap { try? ModelCheckpoint.outputChannelAxes(of: $0, file: checkpoint.name) } ?? [:]
            let optimizerPrefixes = [ModelCheckpoint.generatorOptimizerPrefix, ModelCheckpoint.discriminatorOptimizerPrefix]
            var overrides: [String: StorageType] = [:]
            for entry in checkpoint.entries where optimizerPrefixes.contains(where: { entry.name.hasPrefix($0) }) {
                overrides[entry.name] = .f32
            }
            return (axes, overrides)
        }

        func run() throws {
            if SafetensorsImport.recognizes(file) { return print(try importSafetensors()) }  // CheckpointCommand+Safetensors.swift
            try checkArchitectureFlags()
            print(Self.describe(try convert()))
        }

        /// The conversion for people: sizes, types, and a note when a resumed run would no longer be exact.
        static func describe(_ s: CheckpointConverter.Summary) -> String {
            var text = "\(s.output): \(s.tensors) tensors, \(s.fromTypes.map(\.rawValue).joined(separator: "+")) → \(s.toTypes.map(\.rawValue).joined(separator: "+")) "
                + "(zstd level \(s.level)); \(Format.bytes(s.inputSize)) → \(Format.bytes(s.outputSize))"
                + String(format: " (%.2f× the input)", s.inputSize > 0 ? Double(s.outputSize) / Double(s.inputSize) : 0)
            if !s.resumesExactly {
                let what = s.to == .q8 ? "Q8 weights (optimizer moments kept F32)" : "\(s.to.rawValue) weights and optimizer moments"
                text += "\nnote: \(s.input) is a training checkpoint; with \(what) a resumed run no longer continues exactly"
            }
            return text
        }
    }
}

// MARK: - Report

/// The facts `pix2pix ckpt inspect` prints: header fields, one row per tensor, totals and ratios.
struct CheckpointReport {
    struct Row {
        var name: String
        var dtype: StorageType
        var shape: [Int]
        var codec: ChunkCodec
        var filter: ChunkFilter
        var elements: Int
        /// Bytes of the elements in their storage type.
        var rawBytes: Int
        /// Bytes the chunks occupy in the file (without padding).
        var storedBytes: Int
        var chunks: Int
        /// raw / stored; nil for an empty tensor.
        var ratio: Double? { storedBytes > 0 ? Double(rawBytes) / Double(storedBytes) : nil }
    }

    var file: String
    var fileSize: Int
    var majorVersion: Int
    var minorVersion: Int
    var producer: String
    var kind: CheckpointKind
    var model: JSONValue
    var metadata: [String: JSONValue]
    var sectionNames: [String]
    var dataLength: Int
    var rows: [Row]

    init(_ checkpoint: CheckpointFile) {
        let h = checkpoint.header
        file = checkpoint.name
        fileSize = checkpoint.fileSize
        majorVersion = h.majorVersion
        minorVersion = h.minorVersion
        producer = h.producer
        kind = h.kind
        model = h.model
        metadata = h.metadata
        sectionNames = h.sections.keys.sorted()
        dataLength = h.dataLength
        rows = h.tensors.map {
            Row(name: $0.name, dtype: $0.dtype, shape: $0.shape, codec: $0.codec, filter: $0.filter,
                elements: $0.elementCount, rawBytes: $0.rawByteCount, storedBytes: $0.storedByteCount,
                chunks: $0.chunks.count)
        }
    }

    var elementCount: Int { rows.reduce(0) { $0 + $1.elements } }
    var chunkCount: Int { rows.reduce(0) { $0 + $1.chunks } }
    /// The elements as F32 (4 bytes each): what the weights take in memory.
    var rawF32Bytes: Int { elementCount * 4 }
    /// The elements in their stored types, uncompressed.
    var rawBytes: Int { rows.reduce(0) { $0 + $1.rawBytes } }
    /// The chunks' bytes (without header, padding and trailer).
    var storedBytes: Int { rows.reduce(0) { $0 + $1.storedBytes } }
    /// Tensor count per storage type.
    var dtypeCounts: [StorageType: Int] { rows.reduce(into: [:]) { $0[$1.dtype, default: 0] += 1 } }

    /// Raw F32 bytes / file size.
    var f32Ratio: Double? { fileSize > 0 ? Double(rawF32Bytes) / Double(fileSize) : nil }
    /// Raw stored-type bytes / file size.
    var storedTypeRatio: Double? { fileSize > 0 ? Double(rawBytes) / Double(fileSize) : nil }

    private static func rounded(_ x: Double?) -> JSONValue {
        guard let x else { return .null }
        return .double((x * 10_000).rounded() / 10_000)
    }

    /// The report as one JSON object; `verified` is added when data was checked.
    func json(verified: Bool?) -> JSONValue {
        var object: [String: JSONValue] = [
            "file": .string(file),
            "file_size": .int(fileSize),
            "format_version": .string("\(majorVersion).\(minorVersion)"),
            "producer": .string(producer),
            "kind": .string(kind.rawValue),
            "model": model,
            "metadata": .object(metadata),
            "sections": .array(sectionNames.map { .string($0) }),
            "data_length": .int(dataLength),
            "tensors": .array(rows.map { r in
                .object([
                    "name": .string(r.name), "dtype": .string(r.dtype.rawValue), "shape": .array(r.shape.map { .int($0) }),
                    "codec": .string(r.codec.rawValue), "filter": .string(r.filter.rawValue),
                    "elements": .int(r.elements), "raw_bytes": .int(r.rawBytes), "stored_bytes": .int(r.storedBytes),
                    "ratio": Self.rounded(r.ratio), "chunks": .int(r.chunks),
                ])
            }),
            "totals": .object([
                "tensors": .int(rows.count), "elements": .int(elementCount), "chunks": .int(chunkCount),
                "raw_f32_bytes": .int(rawF32Bytes), "raw_bytes": .int(rawBytes), "stored_bytes": .int(storedBytes),
                "dtypes": .object(Dictionary(uniqueKeysWithValues: dtypeCounts.map { ($0.key.rawValue, .int($0.value)) })),
            ]),
            "compression": .object([
                "ratio_vs_f32": Self.rounded(f32Ratio),
                "ratio_vs_stored_dtype": Self.rounded(storedTypeRatio),
            ]),
        ]
        if let verified { object["verified"] = .bool(verified) }
        return .object(object)
    }

    /// Longest tensor name, shape, metadata value or model line the text report prints; longer ones
    /// are shortened in the middle (`--json` prints everything).
    static let cellLimit = 120
    /// Model description lines the text report prints at most.
    static let modelLineLimit = 80

    /// The report for people: header, tensor table, totals. Linear in the header's size, and every
    /// cell and line bounded (``cellLimit``), however long the names in the file.
    func text() -> String {
        let limit = Self.cellLimit
        var lines: [String] = []
        lines.append(file)
        lines.append("  format       .pzck \(majorVersion).\(minorVersion)")
        lines.append("  producer     \(Format.shortened(producer, limit: limit))")
        lines.append("  kind         \(kind.rawValue)")
        lines.append("  file size    \(Format.grouped(fileSize)) bytes (\(Format.bytes(fileSize)))")
        lines.append("  sections     " + (sectionNames.isEmpty ? "none" : Format.shortened(sectionNames.joined(separator: ", "), limit: limit * 4)))
        if metadata.isEmpty {
            lines.append("  metadata     none")
        } else {
            lines.append("  metadata")
            for key in metadata.keys.sorted() {
                let value = metadata[key]!.serializedString()
                lines.append("    \(Format.shortened(key, limit: limit)) = " + (value.count > 200 ? Format.shortened(value, limit: 200) + " (see --json)" : value))
            }
        }
        lines.append("  model")
        let modelLines = model.serializedString(pretty: true).split(separator: "\n", omittingEmptySubsequences: false)
        for line in modelLines.prefix(Self.modelLineLimit) {
            lines.append("    " + Format.shortened(String(line), limit: limit))
        }
        if modelLines.count > Self.modelLineLimit {
            lines.append("    … \(modelLines.count - Self.modelLineLimit) more lines (see --json)")
        }
        lines.append("")

        let header = ["tensor", "dtype", "shape", "raw", "stored", "ratio", "chunks"]
        var table: [[String]] = rows.map { r in
            [Format.shortened(r.name, limit: limit), r.dtype.rawValue,
             Format.shortened("[" + r.shape.map(String.init).joined(separator: ", ") + "]", limit: limit),
             Format.bytes(r.rawBytes), Format.bytes(r.storedBytes), r.ratio.map { String(format: "%.2f", $0) } ?? "-",
             String(r.chunks)]
        }
        let allRatio = storedBytes > 0 ? String(format: "%.2f", Double(rawBytes) / Double(storedBytes)) : "-"
        table.append(["total (\(rows.count) tensors)", dtypeCounts.keys.map(\.rawValue).sorted().joined(separator: "+"),
                      "\(Format.grouped(elementCount)) elements", Format.bytes(rawBytes), Format.bytes(storedBytes),
                      allRatio, String(chunkCount)])
        let widths = header.indices.map { c in ([header] + table).map { $0[c].count }.max()! }
        let rightAligned: Set<Int> = [3, 4, 5, 6]
        func format(_ cells: [String]) -> String {
            var line = "  " + cells.enumerated().map { c, cell in
                let fill = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? fill + cell : cell + fill
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        lines.append(format(header))
        for row in table.dropLast() { lines.append(format(row)) }
        lines.append(format(table.last!))
        lines.append("")
        func ratio(_ x: Double?) -> String { x.map { String(format: "%.2f×", $0) } ?? "-" }
        lines.append("  compression  file \(Format.grouped(fileSize)) bytes; "
                     + "raw F32 \(Format.grouped(rawF32Bytes)) bytes → \(ratio(f32Ratio)); "
                     + "raw stored dtype \(Format.grouped(rawBytes)) bytes → \(ratio(storedTypeRatio))")
        return lines.joined(separator: "\n")
    }
}
