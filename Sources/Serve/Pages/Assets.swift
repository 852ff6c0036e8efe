/// The stylesheet and the script of the pages, compiled into the binary: no build step, no CDN,
/// nothing fetched from elsewhere.
enum Assets {
    static let style = #"""
    :root { --ink: #1d2330; --muted: #667085; --line: #d9dee7; --accent: #2f5bd3; --good: #137333; --bad: #b3261e; --paper: #fbfbfd; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--paper); }
    header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; padding: .8em 1.5em; border-bottom: 1px solid var(--line); background: #fff; }
    header nav { margin-left: auto; display: flex; gap: 1em; }
    a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
    .home { font-weight: 700; font-size: 1.15em; color: var(--ink); }
    main { max-width: 1200px; margin: 0 auto; padding: 1em 1.5em 3em; }
    .muted { color: var(--muted); } .small { font-size: .85em; }
    table { border-collapse: collapse; margin: .8em 0; }
    th, td { border: 1px solid var(--line); padding: .35em .6em; vertical-align: top; text-align: left; }
    th { background: #f1f3f8; }
    table.zoo { width: 100%; background: #fff; }
    table.zoo td:nth-child(4) { min-width: 30em; }
    .metric.model { font-weight: 600; }
    .beats { color: var(--good); font-size: .85em; } .loses { color: var(--bad); font-size: .85em; }
    .crumbs { color: var(--muted); }
    section.try, section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .5em 1.2em 1.2em; margin: 1em 0; }
    .drop { border: 2px dashed var(--line); border-radius: 8px; padding: 1.4em; text-align: center; color: var(--muted); }
    .drop.over { border-color: var(--accent); background: #eef3ff; }
    .file input { display: none; } .file { color: var(--accent); cursor: pointer; text-decoration: underline; }
    .options, .tools { display: flex; flex-wrap: wrap; gap: .8em; align-items: center; margin: .8em 0; }
    button { font: inherit; padding: .3em .8em; border: 1px solid var(--line); border-radius: 6px; background: #f6f7fb; cursor: pointer; }
    button:hover { border-color: var(--accent); } button.active { background: var(--accent); color: #fff; border-color: var(--accent); }
    fieldset.draw { border: 1px solid var(--line); border-radius: 8px; }
    canvas { border: 1px solid var(--line); cursor: crosshair; touch-action: none; max-width: 100%; }
    .status { min-height: 1.5em; margin: .5em 0; } .status.error { color: var(--bad); } .status.done { color: var(--good); }
    progress { width: 100%; }
    .result { display: flex; flex-wrap: wrap; gap: 1em; overflow-x: auto; }
    .result figure { margin: 0; }
    .result img { display: block; image-rendering: auto; border: 1px solid var(--line); max-width: none; }
    figcaption { font-size: .9em; color: var(--muted); margin-bottom: .2em; }
    section.card img { max-width: 256px; margin: 2px; vertical-align: top; }
    pre { background: #f1f3f8; padding: .6em; overflow-x: auto; } code { font-size: .92em; }
    .empty { padding: 2em; text-align: center; color: var(--muted); }
    """#

    static let script = #"""
    // The try-it panel of a model page: pictures in (file, drop, paste, drawing, held-out sample),
    // one POST to the translate endpoint, the output beside the input at its own size.
    (function () {
      "use strict";
      const panel = document.getElementById("try");
      if (!panel) return;
      const ref = panel.dataset.ref, edges = panel.dataset.edges, samples = Number(panel.dataset.samples || 0);
      const modelURL = panel.dataset.modelUrl;
      const $ = (id) => document.getElementById(id);
      const status = $("status"), progress = $("progress"), result = $("result");
      const inputImage = $("input-image"), outputImage = $("output-image"), outputInfo = $("output-info");
      const targetFigure = $("target-figure"), targetImage = $("target-image"), download = $("download");
      let busy = false, timer = null, urls = [];

      function say(text, kind) { status.textContent = text; status.className = "status " + (kind || ""); }
      function objectURL(blob) { const u = URL.createObjectURL(blob); urls.push(u); return u; }
      function release() { urls.forEach((u) => URL.revokeObjectURL(u)); urls = []; }

      // Sends one picture (or HDF5 file); `target` is the URL of a held-out target to show beside it.
      function translate(blob, name, target) {
        if (busy) { say("a translation is already running", "error"); return; }
        busy = true;
        panel.dataset.state = "running";
        release();
        const hdf5 = /\.(h5|hdf5)$/i.test(name || "");
        const params = new URLSearchParams();
        params.set("format", $("format").value);
        if ($("mode").value === "train") params.set("mode", "train");
        if ($("canny") && $("canny").checked && !hdf5) params.set("preprocess", "canny");
        result.hidden = true;
        if (!hdf5) inputImage.src = objectURL(blob);
        inputImage.parentElement.hidden = hdf5;
        targetFigure.hidden = !target;
        if (target) targetImage.src = target;
        const started = performance.now();
        const xhr = new XMLHttpRequest();
        xhr.open("POST", "/api/models/" + ref + "/translate?" + params.toString());
        xhr.responseType = "blob";
        xhr.setRequestHeader("Content-Type", blob.type || (hdf5 ? "application/x-hdf5" : "application/octet-stream"));
        progress.hidden = false;
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) { progress.max = e.total; progress.value = e.loaded; }
          say("uploading " + (name || "picture") + "…");
        };
        const tick = () => say("translating… " + ((performance.now() - started) / 1000).toFixed(1) + " s");
        xhr.upload.onload = () => { progress.removeAttribute("value"); tick(); timer = setInterval(tick, 100); };
        xhr.onloadend = () => { clearInterval(timer); progress.hidden = true; busy = false; };
        xhr.onerror = () => { panel.dataset.state = "error"; say("the server did not answer", "error"); };
        xhr.onload = async () => {
          const seconds = ((performance.now() - started) / 1000).toFixed(2);
          if (xhr.status !== 200) {
            let text = "error " + xhr.status;
            try { const e = JSON.parse(await xhr.response.text()); text += ": " + e.error + " — " + e.hint; } catch (_) {}
            panel.dataset.state = "error";
            say(text, "error");
            return;
          }
          const out = xhr.response, url = objectURL(out);
          outputImage.onload = () => {
            outputImage.dataset.width = outputImage.naturalWidth;
            outputImage.dataset.height = outputImage.naturalHeight;
            panel.dataset.state = "done";
          };
          outputImage.src = url;
          download.href = url;
          download.download = ref.replace("@", "-") + (hdf5 ? "-grid" : "-output") + "." + ($("format").value === "jpg" && !hdf5 ? "jpg" : "png");
          const server = xhr.getResponseHeader("X-Translation-Seconds");
          outputInfo.textContent = (xhr.getResponseHeader("X-Image-Size") || "") + ", " +
            (server ? Number(server).toFixed(2) + " s on the server, " : "") + seconds + " s in all";
          result.hidden = false;
          say("done in " + seconds + " s", "done");
        };
        xhr.send(blob);
      }

      // File picker, drag and drop, paste.
      const drop = $("drop"), file = $("file");
      file.addEventListener("change", () => { if (file.files[0]) translate(file.files[0], file.files[0].name); file.value = ""; });
      drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
      drop.addEventListener("dragleave", () => drop.classList.remove("over"));
      drop.addEventListener("drop", (e) => {
        e.preventDefault(); drop.classList.remove("over");
        const f = e.dataTransfer.files[0];
        if (f) translate(f, f.name);
      });
      document.addEventListener("paste", (e) => {
        for (const item of (e.clipboardData || {}).items || []) {
          if (item.type.startsWith("image/")) { translate(item.getAsFile(), "pasted image"); e.preventDefault(); return; }
        }
      });

      // A random held-out sample of the card, with its target.
      const random = $("random-sample");
      if (random) random.addEventListener("click", async () => {
        const k = Math.floor(Math.random() * samples);
        const response = await fetch(modelURL + "/samples/" + k + "/input");
        if (!response.ok) { say("the sample could not be loaded", "error"); return; }
        translate(await response.blob(), "held-out sample " + k, modelURL + "/samples/" + k + "/target");
      });

      // The drawing canvas of edge models: pencil, eraser, undo, clear.
      const canvas = $("canvas");
      if (!canvas) return;
      const ctx = canvas.getContext("2d");
      const paper = edges === "white-on-black" ? "#000" : "#fff", ink = edges === "white-on-black" ? "#fff" : "#000";
      let tool = "pencil", drawing = false, history = [];
      function clear() { ctx.fillStyle = paper; ctx.fillRect(0, 0, canvas.width, canvas.height); }
      function remember() { history.push(ctx.getImageData(0, 0, canvas.width, canvas.height)); if (history.length > 50) history.shift(); }
      function at(e) { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; }
      clear();
      document.querySelectorAll("button.tool").forEach((b) => b.addEventListener("click", () => {
        document.querySelectorAll("button.tool").forEach((o) => o.classList.remove("active"));
        b.classList.add("active"); tool = b.dataset.tool;
      }));
      canvas.addEventListener("pointerdown", (e) => {
        remember(); drawing = true; canvas.setPointerCapture(e.pointerId);
        const [x, y] = at(e);
        ctx.beginPath(); ctx.moveTo(x, y);
        ctx.strokeStyle = tool === "eraser" ? paper : ink;
        ctx.lineWidth = tool === "eraser" ? 14 : 2;
        ctx.lineCap = "round"; ctx.lineJoin = "round";
        ctx.lineTo(x + 0.01, y); ctx.stroke();
      });
      canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = at(e); ctx.lineTo(x, y); ctx.stroke(); });
      const end = () => { drawing = false; };
      canvas.addEventListener("pointerup", end); canvas.addEventListener("pointerleave", end);
      $("undo").addEventListener("click", () => { const last = history.pop(); if (last) ctx.putImageData(last, 0, 0); });
      $("clear").addEventListener("click", () => { remember(); clear(); });
      $("canvas-size").addEventListener("change", (e) => {
        const side = Math.max(64, Math.min(1024, Number(e.target.value) || 256));
        canvas.width = side; canvas.height = side; history = []; clear();
      });
      $("translate-drawing").addEventListener("click", () => {
        if ($("canny")) $("canny").checked = false;
        canvas.toBlob((blob) => translate(blob, "drawing.png"), "image/png");
      });
    })();
    """#
}
