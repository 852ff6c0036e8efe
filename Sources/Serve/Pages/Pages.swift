import Foundation
import Zoo

/// The server-rendered pages: the zoo index and a page per model with its try-it panel.
enum Pages {
    static func number(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / Double(1 << 20)) : String(format: "%.0f KiB", Double(n) / 1024)
    }

    static func parameters(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.1f M", Double(n) / 1e6) : String(format: "%.0f k", Double(n) / 1e3)
    }

    /// "L1 0.083 · PSNR 19.9 dB · SSIM 0.735".
    static func triple(l1: Double, psnr: Double, ssim: Double) -> String {
        "L1 \(number(l1, 3)) · PSNR \(number(psnr, 1)) dB · SSIM \(number(ssim, 3))"
    }

    /// The metrics cell: the model's eval-mode numbers above its baselines', each number marked
    /// when the model beats the baseline.
    static func metricsCell(_ card: ModelCard) -> String {
        guard let m = card.metrics else { return "<span class=\"muted\">no held-out metrics</span>" }
        var rows = ["<div class=\"metric model\">model: \(triple(l1: m.eval.l1, psnr: m.eval.psnr, ssim: m.eval.ssim))</div>"]
        for (name, baseline) in [("input itself", m.identity), ("mean colour", m.meanColour)] {
            guard let b = baseline else { continue }
            let wins = [m.eval.l1 < b.l1, m.eval.psnr > b.psnr, m.eval.ssim > b.ssim].filter { $0 }.count
            rows.append("<div class=\"metric baseline\">\(name): \(triple(l1: b.l1, psnr: b.psnr, ssim: b.ssim)) <span class=\"\(wins == 3 ? "beats" : "loses")\">model beats it on \(wins)/3</span></div>")
        }
        return rows.joined() + "<div class=\"muted small\">\(m.count) held-out pairs at \(m.size)²</div>"
    }

    static func modelURL(_ entry: ZooEntry) -> String { "/models/\(entry.reference)" }

    // MARK: Index

    static func index(_ entries: [ZooEntry], index: ZooIndex) -> String {
        let latest = Dictionary(grouping: entries, by: \.id).compactMap { $0.value.last }.sorted { $0.id < $1.id }
        var rows: [String] = []
        for entry in latest {
            let card = entry.card
            let size = card.files.first { $0.path == ZooLayout.modelFile }?.size ?? 0
            let versions = index.models.first { $0.id == entry.id }?.versions.map(\.version) ?? [card.version.description]
            let others = versions.filter { $0 != card.version.description }
                .map { "<a href=\"/models/\(HTML.escape(entry.id))@\(HTML.escape($0))\">\(HTML.escape($0))</a>" }
            rows.append("""
            <tr data-model="\(HTML.escape(entry.id))">
            <td><a class="model-link" href="\(HTML.escape(modelURL(entry)))">\(HTML.escape(entry.id))</a><div class="muted small">\(HTML.escape(card.version.description))\(others.isEmpty ? "" : " (also " + others.joined(separator: ", ") + ")")</div></td>
            <td>\(HTML.escape(card.task))<div class="muted small">\(HTML.escape(card.summary))</div></td>
            <td>\(bytes(size))<div class="muted small">\(parameters(card.architecture.generator.parameters)) parameters, \(HTML.escape(card.architecture.generator.name)), \(HTML.escape(card.storage))</div></td>
            <td>\(metricsCell(card))</td>
            <td>\(HTML.escape(card.license))</td>
            </tr>
            """)
        }
        let table = rows.isEmpty
            ? "<p class=\"empty\">This zoo holds no models yet. Publish one with <code>pix2pix zoo publish RUN --id ID --version 1.0.0</code>.</p>"
            : """
            <table class="zoo">
            <thead><tr><th>model</th><th>task</th><th>size</th><th>held-out metrics beside the baselines</th><th>licence</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table>
            """
        return HTML.page(title: "Pix2PixZoo models", body: """
        <h1>Models</h1>
        <p>Pick a model to read its card and try it on your own pictures. Metrics are measured on held-out pairs in eval mode; a model is worth using where it beats its baselines (the input returned as it is, and a flat image of the training set's mean colour). L1 lower is better, PSNR and SSIM higher.</p>
        \(table)
        """)
    }

    // MARK: Model page

    static func model(_ entry: ZooEntry) -> String {
        let card = entry.card
        let recipe = card.inputRecipe
        let edges = recipe?.transform == "canny" ? (recipe?.canny?.invert ?? true ? "black-on-white" : "white-on-black") : ""
        let markdown = Markdown { path in
            for (k, sample) in card.samples.enumerated() {
                if path == sample.input { return "\(modelURL(entry))/samples/\(k)/input" }
                if path == sample.output { return "\(modelURL(entry))/samples/\(k)/output" }
                if path == sample.target { return "\(modelURL(entry))/samples/\(k)/target" }
            }
            return nil
        }
        let inputHelp = recipe?.inputDescription ?? "an image; it is converted to the model's \(card.input.channels) channel(s)"
        let drawing = edges.isEmpty ? "" : """
        <fieldset class="draw">
        <legend>Draw edges (\(edges == "black-on-white" ? "black on white" : "white on black"), as the model was trained)</legend>
        <div class="tools">
        <button type="button" data-tool="pencil" class="tool active">pencil</button>
        <button type="button" data-tool="eraser" class="tool">eraser</button>
        <button type="button" id="undo">undo</button>
        <button type="button" id="clear">clear</button>
        <label>size <input type="number" id="canvas-size" value="256" min="64" max="1024" step="64"></label>
        <button type="button" id="translate-drawing">translate the drawing</button>
        </div>
        <canvas id="canvas" width="256" height="256"></canvas>
        </fieldset>
        """
        let panel = """
        <section id="try" class="try" data-ref="\(HTML.escape(entry.reference))" data-edges="\(edges)" data-samples="\(card.samples.count)" data-model-url="\(HTML.escape(modelURL(entry)))">
        <h2>Try it</h2>
        <p class="muted">Input: \(Markdown { _ in nil }.inline(inputHelp)). Any size works: large pictures run in tiles, as <code>pix2pix translate</code> does.</p>
        <div id="drop" class="drop" tabindex="0">Drop a PNG or JPEG here, paste one (Ctrl+V), or
        <label class="file">choose a file <input type="file" id="file" accept="image/png,image/jpeg,.h5,.hdf5"></label>.
        An HDF5 pair file comes back as rows of input | output | target.</div>
        <div class="options">
        \(card.samples.isEmpty ? "" : "<button type=\"button\" id=\"random-sample\">random held-out sample</button>")
        <label>mode <select id="mode"><option value="eval">eval (dropout off)</option><option value="train">train (the paper's test setting)</option></select></label>
        <label>output <select id="format"><option value="png">PNG</option><option value="jpg">JPEG</option></select></label>
        \(edges.isEmpty ? "" : "<label><input type=\"checkbox\" id=\"canny\"> photo: make its Canny edge map first</label>")
        </div>
        \(drawing)
        <div id="status" class="status" role="status"></div>
        <progress id="progress" hidden></progress>
        <div id="result" class="result" hidden>
        <figure><figcaption>input</figcaption><img id="input-image" alt="input"></figure>
        <figure><figcaption>output <span id="output-info" class="muted"></span> <a id="download" download>download</a></figcaption><img id="output-image" alt="output"></figure>
        <figure id="target-figure" hidden><figcaption>target</figcaption><img id="target-image" alt="target"></figure>
        </div>
        </section>
        """
        return HTML.page(title: "\(card.reference) — Pix2PixZoo", body: """
        <p class="crumbs"><a href="/">models</a> / \(HTML.escape(card.reference))</p>
        \(panel)
        <section class="card">
        <h2>Model card</h2>
        <div class="metrics-summary">\(metricsCell(card))</div>
        \(markdown.html(card.readme))
        </section>
        """, script: true)
    }
}
