/// Building blocks of the server's pages: escaping, and the page frame every page shares.
enum HTML {
    /// Text and attribute values: `&`, `<`, `>`, `"` and `'` escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A whole page: the shared stylesheet and script, a header linking back to the index.
    static func page(title: String, body: String, script: Bool = false) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/assets/style.css">
        </head>
        <body>
        <header><a href="/" class="home">Pix2PixZoo</a> <span class="muted">pix2pix image-to-image models, served locally</span>
        <nav><a href="/">models</a> <a href="/openapi.json">API</a> <a href="/healthz">health</a></nav></header>
        <main>
        \(body)
        </main>
        \(script ? "<script src=\"/assets/app.js\"></script>" : "")
        </body>
        </html>

        """
    }
}
