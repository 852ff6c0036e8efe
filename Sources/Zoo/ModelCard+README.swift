import Foundation
import Pix2Pix

extension ModelCard {
    /// `README.md` of the model directory, generated from the card alone (so `zoo verify` can
    /// regenerate and compare it). `files` tables list the model and the samples, not the README.
    /// Cards of schema 1 keep the layout they were published with; schema 2 puts what a user
    /// judges a model by on the first screen (``firstScreenReadme``).
    public var readme: String {
        schema >= 2 ? firstScreenReadme : schema1Readme
    }

    /// The schema-1 layout (cards published before 2.0 of the card schema).
    var schema1Readme: String {
        var lines: [String] = []
        func add(_ s: String = "") { lines.append(s) }
        func number(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        func signed(_ v: Double, _ digits: Int) -> String { String(format: "%+.\(digits)f", v) }

        add("# \(id) \(version)")
        add()
        add(summary)
        add()
        add("| | |")
        add("|---|---|")
        add("| task | \(task) |")
        add("| license | \(license) |")
        add("| created | \(created) |")
        add("| framework | \(framework.name) \(framework.version) |")
        let g = architecture.generator
        add("| generator | `\(g.name)` (\(g.family), \(g.parameters.grouped) parameters), stored as \(storage) |")
        if let d = architecture.discriminator {
            add("| trained against | `\(d.name)` (\(d.family), \(d.parameters.grouped) parameters), \(architecture.conditional ? "conditional" : "unconditional") |")
        }
        add("| input | \(input.channels) channel(s), \(input.color), H and W any size (padded to multiples of \(input.sizeMultiple))\(input.trainedSize.map { ", trained at \($0)²" } ?? "") |")
        add("| output | \(output.channels) channel(s), \(output.color), same size as the input |")
        // Cards written before the precision was recorded keep their README unchanged (zoo verify regenerates it).
        if let precision {
            add("| precision | metrics and samples computed with \(precision) convolutions; golden pair in fp32 |")
        }
        add()
        add("## Use")
        add()
        add("```sh")
        add("pix2pix translate --model \(id)@\(version) input.png --out out/")
        add("```")
        add()
        add("```swift")
        add("import Imaging")
        add("import Zoo")
        add("let translator = try Translator(model: \"\(id)@\(version)\")")
        add("let output = try translator.translate(try Image.read(path: \"input.png\"))")
        add("```")
        add()
        add("Preprocessing: \(preprocessing)")
        add()
        add("Postprocessing: \(postprocessing)")
        add()
        add("## Intended use")
        add()
        add(intendedUse)
        add()
        add("## Limitations")
        add()
        for l in limitations { add("- \(l)") }
        if limitations.isEmpty { add("- none recorded") }
        add()
        add("## Metrics")
        add()
        if let m = metrics {
            add("On \(m.count) held-out pairs (`\(m.data)`, split `\(m.split)`) at \(m.size)², as published (\(storage)\(precision.map { ", \($0) convolutions" } ?? "")); mean ± standard deviation over images:")
            add()
            add("| mode | L1 ↓ | PSNR (dB) ↑ | SSIM ↑ |")
            add("|---|---|---|---|")
            for r in [m.eval] + (m.train.map { [$0] } ?? []) {
                add("| \(r.mode.rawValue) | \(number(r.l1, 4)) ± \(number(r.l1SD, 4)) | \(number(r.psnr, 2)) ± \(number(r.psnrSD, 2)) | \(number(r.ssim, 4)) ± \(number(r.ssimSD, 4)) |")
            }
            if let b = m.identity {
                add("| input as output (baseline) | \(number(b.l1, 4)) | \(number(b.psnr, 2)) | \(number(b.ssim, 4)) |")
            }
            if let b = m.meanColour {
                add("| training mean colour (baseline) | \(number(b.l1, 4)) | \(number(b.psnr, 2)) | \(number(b.ssim, 4)) |")
            }
            if let e = m.storageEffect {
                add()
                add("Storage effect (\(storage) − \(e.reference), eval mode, same pairs): L1 \(signed(e.l1, 5)), PSNR \(signed(e.psnr, 3)) dB, SSIM \(signed(e.ssim, 5)).")
            }
            add()
            add("L1 on [0, 1]; PSNR with data range 1; SSIM as scikit-image (Gaussian window 11, σ 1.5). Eval mode: dropout off, running statistics; train mode: dropout on, batch statistics (as the paper tested). "
                + (m.meanColour == nil ? "The baseline row scores the input itself (converted to the output's channels) against the target."
                    : "The baseline rows score the input itself (converted to the output's channels) and a flat image of the training set's mean colour against the target."))
        } else {
            add("None: no held-out data was available when the model was published.")
        }
        add()
        lines += originSection
        add("## Training")
        add()
        if let t = training {
            add("- data: `\(t.data)` (split `\(t.split)`\(t.pairs.map { ", \($0) pairs" } ?? ""))")
            if let d = t.dataDescription { add("- description: \(d)") }
            if let p = t.provenance { add("- provenance: \(p)") }
            if let v = t.validationData { add("- validation: `\(v)` (split `\(t.validationSplit ?? "val")`)") }
            add("- recipe: \(t.recipeText)")
            add("- hardware: \(t.hardware); \(t.wallSeconds < 90 ? number(t.wallSeconds, 0) + " s" : number(t.wallSeconds / 60, 1) + " minutes") in training steps")
            if let c = t.command { lines += ["", "Command:", "", "```sh", c, "```"] }
        } else {
            add(origin == nil ? "Unknown: published from a bare checkpoint without its run directory." : "Trained elsewhere: see Origin.")
        }
        add()
        lines += samplesAndFilesSections
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ModelCard {
    /// The schema-2 README: the first screen holds the task, the exact input a user must give, one
    /// sample row (input | output | target) of held-out photos, the held-out metrics beside the
    /// trivial baselines, the training budget, the data's sources and licences, and the
    /// limitations; the details follow.
    var firstScreenReadme: String {
        var lines: [String] = []
        func add(_ s: String = "") { lines.append(s) }
        func number(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        func triple(_ l1: Double, _ psnr: Double, _ ssim: Double) -> String {
            "L1 \(number(l1, 4)) · PSNR \(number(psnr, 2)) dB · SSIM \(number(ssim, 3))"
        }

        add("# \(id) \(version)")
        add()
        add(summary)
        add()
        if let s = samples.first {
            let cells = [s.input, s.output] + (s.target.map { [$0] } ?? [])
            add("| input | output |\(s.target == nil ? "" : " target |")")
            add("|---|---|\(s.target == nil ? "" : "---|")")
            add("| " + cells.map { "![](\($0))" }.joined(separator: " | ") + " |")
            add()
        }
        add("| | |")
        add("|---|---|")
        add("| task | \(task) |")
        let io = "H and W any size (padded to multiples of \(input.sizeMultiple))\(input.trainedSize.map { ", trained at \($0)²" } ?? "")"
        if let recipe = inputRecipe {
            add("| input | \(recipe.inputDescription); \(io) |")
        } else {
            add("| input | \(input.channels) channel(s), \(input.color); \(io) |")
        }
        add("| output | \(output.channels) channel(s), \(output.color), the input's size |")
        if let m = metrics {
            add("| held-out metrics (eval mode) | \(triple(m.eval.l1, m.eval.psnr, m.eval.ssim)) on \(m.count) pairs at \(m.size)² |")
            for (name, b) in baselineRows(m) {
                add("| baseline: \(name) | \(triple(b.l1, b.psnr, b.ssim)) |")
            }
        } else {
            add("| held-out metrics | none measured |")
        }
        if let t = training {
            let minutes = t.wallSeconds < 90 ? number(t.wallSeconds, 0) + " s" : number(t.wallSeconds / 60, 1) + " minutes"
            let threads = t.options.threads.map { ", \($0) thread\($0 == 1 ? "" : "s")" } ?? ""
            add("| training budget | \(t.steps.grouped) steps (\(t.epochs) epoch(s)) of batch \(t.batchSize), \(minutes), \(t.options.precision.rawValue)\(threads) |")
            if let p = t.provenance { add("| data and licences | \(p) |") }
        }
        add("| model | `\(architecture.generator.name)` (\(architecture.generator.parameters.grouped) parameters), stored as \(storage); license \(license) |")
        add()
        add("## Limitations")
        add()
        for l in limitations { add("- \(l)") }
        if limitations.isEmpty { add("- none recorded") }
        add()
        add("## Use")
        add()
        add("```sh")
        add("pix2pix translate --model \(id)@\(version) \(inputRecipe?.transform == "canny" ? "photo.jpg --preprocess canny" : "input.png") --out out/")
        add("```")
        add()
        add("```swift")
        add("import Imaging")
        add("import Zoo")
        add("let translator = try Translator(model: \"\(id)@\(version)\")")
        add("let output = try translator.translate(try Image.read(path: \"input.png\"))")
        add("```")
        add()
        add("Preprocessing: \(preprocessing)")
        add()
        add("Postprocessing: \(postprocessing)")
        add()
        add("## Intended use")
        add()
        add(intendedUse)
        add()
        add("## Metrics")
        add()
        if let m = metrics {
            add("On \(m.count) held-out pairs (`\(m.data)`, split `\(m.split)`) at \(m.size)², as published (\(storage)\(precision.map { ", \($0) convolutions" } ?? "")); mean ± standard deviation over images:")
            add()
            add("| | L1 ↓ | PSNR (dB) ↑ | SSIM ↑ |")
            add("|---|---|---|---|")
            for r in [m.eval] + (m.train.map { [$0] } ?? []) {
                add("| model, \(r.mode.rawValue) mode | \(number(r.l1, 4)) ± \(number(r.l1SD, 4)) | \(number(r.psnr, 2)) ± \(number(r.psnrSD, 2)) | \(number(r.ssim, 4)) ± \(number(r.ssimSD, 4)) |")
            }
            for (name, b) in baselineRows(m) {
                add("| baseline: \(name) | \(number(b.l1, 4)) | \(number(b.psnr, 2)) | \(number(b.ssim, 4)) |")
            }
            if let e = m.storageEffect {
                add()
                add("Storage effect (\(storage) − \(e.reference), eval mode, same pairs): L1 \(String(format: "%+.5f", e.l1)), PSNR \(String(format: "%+.3f", e.psnr)) dB, SSIM \(String(format: "%+.5f", e.ssim)).")
            }
            add()
            add("L1 on [0, 1]; PSNR with data range 1; SSIM as scikit-image (Gaussian window 11, σ 1.5). Eval mode: dropout off, running statistics; train mode: dropout on, batch statistics (as the paper tested). Baselines, on the same pairs: the input itself as the output (converted to the output's channels), and a flat image of the training set's mean colour. A model is worth using where it beats them.")
        } else {
            add("None: no held-out data was available when the model was published.")
        }
        add()
        lines += originSection
        add("## Training")
        add()
        if let t = training {
            add("- data: `\(t.data)` (split `\(t.split)`\(t.pairs.map { ", \($0) pairs" } ?? ""))")
            if let d = t.dataDescription { add("- description: \(d)") }
            if let v = t.validationData { add("- validation: `\(v)` (split `\(t.validationSplit ?? "val")`)") }
            add("- recipe: \(t.recipeText)")
            add("- hardware: \(t.hardware)")
            if let c = t.command { lines += ["", "Command:", "", "```sh", c, "```"] }
        } else {
            add(origin == nil ? "Unknown: published from a bare checkpoint without its run directory." : "Trained elsewhere: see Origin.")
        }
        add()
        lines += samplesAndFilesSections
        return lines.joined(separator: "\n") + "\n"
    }

    /// The baselines a card records, in a fixed order, named for tables.
    func baselineRows(_ m: Metrics) -> [(String, Baseline)] {
        var rows: [(String, Baseline)] = []
        if let b = m.identity { rows.append(("the input itself", b)) }
        if let b = m.meanColour { rows.append(("the training set's mean colour", b)) }
        return rows
    }
}

extension ModelCard {
    /// The Origin section of an imported model (empty for models trained here), in both layouts.
    var originSection: [String] {
        guard let o = origin else { return [] }
        var lines = ["## Origin", "",
                     "- file: `\(o.file)` (\(o.size) bytes, \(o.format)), SHA-256 `\(o.sha256)`",
                     "- network: \(o.reference)",
                     "- keys: \(o.keyMapping)"]
        if !o.droppedKeys.isEmpty {
            lines.append("- dropped: \(o.droppedKeys.count) key(s) by rule: \(o.droppedKeys.prefix(4).map { "`\($0)`" }.joined(separator: ", "))\(o.droppedKeys.count > 4 ? ", …" : "")")
        }
        return lines + ["- direction: \(o.direction)", "- test-time mode: \(o.testMode)", ""]
    }

    /// The Samples and Files sections and the closing line, in both layouts.
    var samplesAndFilesSections: [String] {
        var lines = ["## Samples", "",
                     "From \(samplesSource). Input, output\(samples.contains { $0.target != nil } ? ", target" : ""):", ""]
        for s in samples {
            lines.append(([s.input, s.output] + (s.target.map { [$0] } ?? [])).map { "![](\($0))" }.joined(separator: " "))
        }
        lines += ["", "## Files", "", "| file | bytes | sha256 |", "|---|---|---|"]
        for f in files where f.path != ZooLayout.readmeFile {
            lines.append("| `\(f.path)` | \(f.size) | `\(f.sha256)` |")
        }
        return lines + ["", "Generated from `card.json` by `pix2pix zoo publish`; `pix2pix zoo verify \(id)` checks every file and reproduces `\(golden.file)` within \(golden.tolerance)."]
    }
}

extension ModelCard.Training {
    /// The optimisation recipe in one line (both README layouts).
    var recipeText: String {
        "\(steps) steps (\(epochs) epoch(s)), batch \(batchSize), Adam lr \(learningRate.shortest) β1 \(beta1.shortest), λ_L1 \(lambdaL1.shortest)\(options.l1Reduction == .channelSum ? " on the channel-summed L1" : ""), \(ganMode) GAN loss, objective \(objective), \(lrPolicy) schedule, load \(loadSize) / crop \(cropSize)\(flip ? ", flips" : ""), seed \(seed)\(options.preset.map { " (--preset \($0.rawValue))" } ?? "")"
    }
}

extension Int {
    /// 1234567 → "1,234,567".
    var grouped: String {
        let digits = Array(String(abs(self)))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}

extension Double {
    /// The shortest form that reads back as the same Float (2e-4 → "0.0002", 100 → "100").
    var shortest: String {
        let f = Float(self)
        return f == f.rounded() && abs(f) < 1e9 ? String(Int(f)) : "\(f)"
    }
}
