import ArgumentParser
import Base
import Checkpoint
import Foundation
import Pix2Pix
import Zoo

/// `--zoo`, shared by every command that reads or writes a zoo.
struct ZooLocationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The zoo folder (default: $PIX2PIX_ZOO, else the package's Zoo/ when run inside a package, else ~/.local/share/pix2pix/zoo plus the shipped zoo).", valueName: "dir"))
    var zoo: String?

    var catalog: ZooCatalog { ZooCatalog.resolve(zoo: zoo) }

    /// The zoos a command that reads searches, those present: a zoo named by --zoo or PIX2PIX_ZOO
    /// must be a folder; of the zoos searched by default, those absent are skipped, one that is a
    /// file is an error, and none present is an error. (`publish` may create its zoo.)
    /// - Throws: `ZooError.notAZoo` naming the path, with a hint.
    static func presentStores(of catalog: ZooCatalog) throws -> [ZooStore] {
        let explicit = catalog.origin == "--zoo" || catalog.origin == "PIX2PIX_ZOO"
        var present: [ZooStore] = []
        for store in catalog.stores {
            if explicit || FileManager.default.fileExists(atPath: store.root.path) { try store.requireZooFolder() } else { continue }
            present.append(store)
        }
        guard !present.isEmpty else {
            throw ZooError.notAZoo(path: catalog.stores.map(\.root.path).joined(separator: ", "), reason: "none of the searched zoo folders exists")
        }
        return present
    }

    /// ``catalog`` for a command that reads: only the zoos present (see ``presentStores(of:)``).
    func readableCatalog() throws -> ZooCatalog {
        let catalog = self.catalog
        return ZooCatalog(stores: try Self.presentStores(of: catalog), origin: catalog.origin)
    }

    /// The zoo a command that changes an existing zoo works on (`remove`, `gc`, `index`): it must be a folder.
    func existingTarget() throws -> ZooStore {
        let store = catalog.target
        try store.requireZooFolder()
        return store
    }
}

/// `pix2pix zoo`: publish, list, show, verify and remove published models.
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Publish trained models with model cards; list, show, verify and remove them.",
        discussion: """
        A zoo is a folder: index.json plus <id>/<version>/ with model.pzck, card.json, README.md and samples/. \
        Without --zoo, commands use $PIX2PIX_ZOO; else, inside a package with a Zoo/ folder, that Zoo/ (then the \
        user zoo); else the user zoo ~/.local/share/pix2pix/zoo, then, read-only, the Zoo/ of the package this \
        tool was built in. Lookups search the zoos in that order; publish and remove write to the first. \
        A publish or remove that is killed leaves no partial version, only hidden debris and perhaps a stale \
        index.json: list and verify report them, and gc (or the next publish or remove) repairs both.
        """,
        subcommands: [Publish.self, Import.self, List.self, Show.self, Verify.self, Remove.self, Index.self, GC.self]
    )

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a run directory or checkpoint as ID@VERSION, with a model card, metrics, samples and golden tensors.",
            discussion: """
            Checks the id, the version and the checkpoint; writes model.pzck (generator only) in --storage; measures \
            L1 / PSNR / SSIM of the stored weights on the run's validation split (or --val-data), in eval and train \
            mode, with --precision convolutions (recorded in the card); writes sample PNGs (input, output, target) and a golden input / output tensor pair; generates \
            README.md and card.json with the size and SHA-256 of every file. Everything is staged and renamed into \
            place, then index.json is rewritten; a failure leaves the zoo as it was. Existing versions are never replaced.
            """
        )

        @Argument(help: ArgumentHelp("A run directory (\(RunDirectory.FileName.config) + \(RunDirectory.FileName.latest)) or a .pzck checkpoint.", valueName: "run-dir|checkpoint"))
        var source: String
        @Option(help: "Model id: lowercase letters, digits, '.', '_', '-'.") var id: String
        @Option(help: "Semantic version, MAJOR.MINOR.PATCH.") var version: String
        @Option(help: "Weight storage: f16 / bf16 (half the size of f32), q8 (8-bit with a scale per output channel, about a quarter; biases and batch-norm stay f32), f32. The card records it and, unless f32, its effect on the held-out metrics.")
        var storage: StorageType = .f16
        @Option(help: "One-line summary (default: from the task and the architecture).") var summary: String?
        @Option(help: "The model's license (SPDX id or text).") var license: String?
        @Option(help: "What is translated into what, e.g. \"gray → color\" (default: from the dataset's transform).") var task: String?
        @Option(name: .customLong("intended-use"), help: "What the model is for.") var intendedUse: String?
        @Option(name: .customLong("limitation"), help: "A limitation to state in the card (repeatable).") var limitations: [String] = []
        @Option(help: "Where the training data came from and under which terms (default: from the dataset).") var provenance: String?
        @Option(name: .customLong("val-data"), help: ArgumentHelp("Held-out data for the metrics (default: the run's validation data).", valueName: "path"))
        var valData: String?
        @Option(name: .customLong("val-split"), help: "Split of the validation data.") var valSplit: String?
        @Option(name: .customLong("sample-data"), help: ArgumentHelp("Pairs for the sample images (default: the validation data).", valueName: "path"))
        var sampleData: String?
        @Option(name: .customLong("sample-split"), help: "Split of the sample data (default: val).") var sampleSplit: String?
        @Option(help: Bounds.previewPairs.help("Number of sample images.")) var samples = 3
        @Option(name: .customLong("samples-source"), help: "Say where the sample inputs come from (e.g. their licence).") var samplesSource: String?
        @Flag(name: .customLong("no-train-mode-metrics"), help: "Measure eval-mode metrics only.") var noTrainModeMetrics = false
        @Option(help: "Describe the training hardware (default: this machine's CPU and the run's --threads).") var hardware: String?
        @OptionGroup var precision: PrecisionOption
        @OptionGroup var location: ZooLocationOptions
        @Flag(help: "Only errors.") var quiet = false

        func validate() throws {
            try Bounds.previewPairs.check(samples, "--samples")
        }

        func run() throws {
            var request = PublishRequest(source: source, id: id, version: version)
            request.storage = storage
            request.precision = (try precision.resolved)
            request.summary = summary
            request.license = license
            request.task = task
            request.intendedUse = intendedUse
            request.limitations = limitations
            request.provenance = provenance
            request.validationData = valData
            request.validationSplit = valSplit
            request.sampleData = sampleData
            request.sampleSplit = sampleSplit
            request.sampleCount = samples
            request.samplesDescription = samplesSource
            request.trainModeMetrics = !noTrainModeMetrics
            request.hardware = hardware
            let catalog = location.catalog
            let start = Date()
            let entry = try catalog.publish(request) { message in
                if !quiet { print(message); fflush(nil) }
            }
            guard !quiet else { return }
            let card = entry.card
            let model = card.files.first { $0.path == ZooLayout.modelFile }
            print("\(card.reference): \(card.task), \(card.architecture.generator.name) (\(card.architecture.generator.parameters) parameters), \(card.storage)\(card.precision.map { ", \($0) metrics" } ?? ""), model.pzck \(Format.bytes(model?.size ?? 0)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            if let m = card.metrics {
                print("  held-out (\(m.count) pairs at \(m.size)²): eval \(m.eval.summary)")
                if let t = m.train { print("                          train \(t.summary)") }
                if let e = m.storageEffect {
                    print("  storage effect (\(card.storage) − \(e.reference), eval): " + String(format: "L1 %+.5f  PSNR %+.3f dB  SSIM %+.5f", e.l1, e.psnr, e.ssim))
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List published models (optionally those whose id matches a glob).")

        @Argument(help: ArgumentHelp("Shell glob on ids, e.g. 'gray*'.", valueName: "glob")) var glob: String?
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Include versions shadowed by an earlier zoo.") var all = false
        @OptionGroup var location: ZooLocationOptions

        struct Row: Codable {
            var id: String
            var version: String
            var zoo: String
            var shadowed: Bool
            var summary: String
            var task: String
            var generator: String
            var storage: String
            var modelSize: Int
            var l1: Double?
            var psnr: Double?
            var ssim: Double?
            enum CodingKeys: String, CodingKey {
                case id, version, zoo, shadowed, summary, task, generator, storage, modelSize = "model_size", l1, psnr, ssim
            }
        }

        /// The lines `zoo list` writes to stderr about a zoo's debris (none when there is none).
        static func debrisWarning(_ store: ZooStore) -> String? {
            let (items, writerActive) = store.debris()
            guard !items.isEmpty else { return nil }
            if writerActive {
                return "note: \(store.root.path): a publish or remove is running; \(items.count) hidden staging item(s) may be its work in progress\n"
            }
            let bytes = items.reduce(0) { $0 + $1.bytes }
            var text = "warning: \(store.root.path) holds \(items.count) leftover(s) of interrupted publishes or removals (\(Format.bytes(bytes))):\n"
            for item in items.prefix(10) { text += "  \(item)\n" }
            if items.count > 10 { text += "  … and \(items.count - 10) more\n" }
            text += "Hint: `pix2pix zoo gc --zoo \(store.root.path)` removes them (so does the next publish or remove).\n"
            return text
        }

        static func warnAboutDebris(_ store: ZooStore) {
            if let text = debrisWarning(store) { FileHandle.standardError.write(Data(text.utf8)) }
        }

        static func rows(_ catalog: ZooCatalog, glob: String?, all: Bool) -> [Row] {
            catalog.entries().filter { item in
                (all || !item.shadowed) && (glob.map { fnmatch($0, item.entry.id, 0) == 0 } ?? true)
            }.map { item in
                let c = item.entry.card
                return Row(id: c.id, version: c.version.description, zoo: item.entry.zoo.path, shadowed: item.shadowed,
                           summary: c.summary, task: c.task, generator: c.architecture.generator.name, storage: c.storage,
                           modelSize: c.files.first { $0.path == ZooLayout.modelFile }?.size ?? 0,
                           l1: c.metrics?.eval.l1, psnr: c.metrics?.eval.psnr, ssim: c.metrics?.eval.ssim)
            }.sorted { ($0.id, $0.version, $0.zoo) < ($1.id, $1.version, $1.zoo) }
        }

        func run() throws {
            let catalog = try location.readableCatalog()
            defer { for store in catalog.stores { Self.warnAboutDebris(store) } }
            let rows = Self.rows(catalog, glob: glob, all: all)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                return
            }
            if rows.isEmpty {
                print("no models\(glob.map { " matching \"\($0)\"" } ?? "") in \(catalog.stores.map(\.root.path).joined(separator: ", "))")
                return
            }
            var table = [["ID", "VERSION", "TASK", "GENERATOR", "STORAGE", "SIZE", "L1", "PSNR", "SSIM"] + (catalog.stores.count > 1 ? ["ZOO"] : [])]
            for r in rows {
                table.append([r.id, r.version + (r.shadowed ? " (shadowed)" : ""), r.task, r.generator, r.storage, Format.bytes(r.modelSize),
                              r.l1.map { String(format: "%.4f", $0) } ?? "-", r.psnr.map { String(format: "%.2f", $0) } ?? "-",
                              r.ssim.map { String(format: "%.4f", $0) } ?? "-"] + (catalog.stores.count > 1 ? [r.zoo] : []))
            }
            print(TextTable.render(table))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model's card (README form, or --json for card.json).")

        @Argument(help: ArgumentHelp("The model.", valueName: "id[@version]")) var model: String
        @Flag(help: "Print card.json.") var json = false
        @OptionGroup var location: ZooLocationOptions

        func run() throws {
            let entry = try location.readableCatalog().find(model)
            if json {
                print(String(decoding: try entry.card.encoded(), as: UTF8.self), terminator: "")
            } else {
                print("\(entry.directory.path)\n")
                print(entry.card.readme, terminator: "")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check published models: file sizes and SHA-256 against the card, the model loads, the golden sample is reproduced, the index is current, no debris of killed writes is left.",
            discussion: "Every problem is reported, not just the first; the exit status is 1 when there is any."
        )

        @Argument(help: ArgumentHelp("Only this model id (default: every model of every searched zoo).", valueName: "id")) var id: String?
        @OptionGroup var location: ZooLocationOptions

        func run() throws {
            let catalog = location.catalog
            let present = try ZooLocationOptions.presentStores(of: catalog)
            var reports: [(ZooStore, ZooVerifyReport)] = []
            for store in present {
                if let id, store.versions(of: id).isEmpty && !store.scan().problems.contains(where: { $0.subject == id || $0.subject.hasPrefix(id + "@") }) { continue }
                reports.append((store, try store.verify(id: id)))
            }
            if let id, reports.isEmpty {
                _ = try catalog.find(id)  // throws unknownModel with suggestions
            }
            var problems = 0, checked = 0
            for (store, report) in reports {
                print("\(store.root.path)\(store.readOnly ? " (read-only)" : ""):")
                let bad = Set(report.problems.map(\.subject))
                for ref in report.checked { print("  \(bad.contains(ref) ? "FAIL" : "ok  ") \(ref)") }
                for p in report.problems { print("  problem: \(p)") }
                problems += report.problems.count
                checked += report.checked.count
            }
            if problems > 0 { throw ZooError.verificationFailed(problems: problems, models: checked) }
            print("\(checked) model version(s) verified, no problems")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one published version (needs --yes) and update the index.")

        @Argument(help: ArgumentHelp("The version to remove.", valueName: "id@version")) var model: String
        @Flag(help: "Confirm the removal.") var yes = false
        @OptionGroup var location: ZooLocationOptions

        func validate() throws {
            guard yes else { throw ValidationError("removing \(model) cannot be undone; pass --yes to confirm") }
        }

        func run() throws {
            let reference = try ModelReference(parsing: model)
            guard let version = reference.version else {
                throw ValidationError("name the version to remove: \(reference.id)@X.Y.Z (see `pix2pix zoo list \(reference.id)`)")
            }
            let store = try location.existingTarget()
            try store.remove(id: reference.id, version: version)
            print("removed \(reference.id)@\(version) from \(store.root.path)")
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove the debris of killed publishes and removals, and regenerate a stale index.json.",
            discussion: """
            A publish or remove killed half-way (kill -9, a power cut) leaves hidden folders, each a whole model: \
            <id>/.<version>.staging-… (a version being published) and .removing-… (a version being deleted), \
            and perhaps an index.json that misses a version renamed into place. gc takes the zoo's lock — the \
            one every publish and remove holds while writing — so what it finds is dead, removes it and \
            regenerates the index from the folders. Every publish and remove does the same first.
            """
        )

        @Flag(name: .customLong("dry-run"), help: "Only list what would be removed.") var dryRun = false
        @OptionGroup var location: ZooLocationOptions

        func run() throws {
            let store = try location.existingTarget()
            let repair = try store.collectGarbage(dryRun: dryRun)
            for line in Self.lines(repair, store: store, dryRun: dryRun) { print(line) }
        }

        /// What `zoo gc` prints.
        static func lines(_ repair: ZooRepair, store: ZooStore, dryRun: Bool) -> [String] {
            let verb = dryRun ? "would remove" : "removed"
            var lines = repair.removed.map { "\(verb) \($0)" }
            if repair.indexRewritten { lines.append("\(dryRun ? "would regenerate" : "regenerated") \(store.indexFile.path) from the model folders") }
            if repair.isEmpty {
                lines.append("\(store.root.path): no debris, index current")
            } else {
                lines.append("\(store.root.path): \(verb) \(repair.removed.count) item(s), \(Format.bytes(repair.bytes))")
            }
            return lines
        }
    }

    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate index.json from the model cards (or --check that it is current).")

        @Flag(help: "Only check; exit status 1 when the index differs.") var check = false
        @OptionGroup var location: ZooLocationOptions

        func run() throws {
            let store = try location.existingTarget()
            let fresh = try store.generateIndex().encoded()
            let onDisk = FileManager.default.contents(atPath: store.indexFile.path).map { [UInt8]($0) }
            if check {
                guard onDisk == fresh else {
                    throw ZooError.invalidIndex(path: store.indexFile.path, reason: onDisk == nil ? "missing" : "differs from the index generated from the cards")
                }
                print("\(store.indexFile.path) is current (\(try store.generateIndex().models.count) model(s))")
            } else {
                try store.writeIndex()
                print("wrote \(store.indexFile.path)")
            }
        }
    }
}
