import Foundation

/// The Markdown of a model card's README as HTML: the subset `pix2pix zoo publish` writes
/// (headings, paragraphs, pipe tables, bullet lists, fenced code, inline code, images, links,
/// bold). Everything is escaped first; only the tags made here reach the page. Image sources go
/// through `image`, which maps the card's relative sample paths to the server's URLs (and drops
/// anything else), so a card cannot make the page load from elsewhere.
struct Markdown {
    /// A relative image path of the card → a URL the server serves, or nil to drop the image.
    var image: (String) -> String?

    func html(_ text: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var list: [String] = []
        var table: [[String]] = []
        var code: [String]? = nil

        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + paragraph.map(inline).joined(separator: "<br>\n") + "</p>") }
            paragraph = []
        }
        func flushList() {
            if !list.isEmpty { out.append("<ul>\n" + list.map { "<li>" + inline($0) + "</li>" }.joined(separator: "\n") + "\n</ul>") }
            list = []
        }
        func flushTable() {
            defer { table = [] }
            guard !table.isEmpty else { return }
            var rows = table
            let head = rows.removeFirst()
            if let separator = rows.first, separator.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" } }) { rows.removeFirst() }
            let headHTML = head.allSatisfy(\.isEmpty) ? "" : "<thead><tr>" + head.map { "<th>" + inline($0) + "</th>" }.joined() + "</tr></thead>"
            let bodyHTML = rows.map { "<tr>" + $0.map { "<td>" + inline($0) + "</td>" }.joined() + "</tr>" }.joined(separator: "\n")
            out.append("<table>" + headHTML + "<tbody>\n" + bodyHTML + "\n</tbody></table>")
        }
        func flushAll() { flushParagraph(); flushList(); flushTable() }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if var block = code {
                if line.hasPrefix("```") {
                    out.append("<pre><code>" + HTML.escape(block.joined(separator: "\n")) + "</code></pre>")
                    code = nil
                } else {
                    block.append(line)
                    code = block
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                flushAll()
                code = []
            } else if trimmed.isEmpty {
                flushAll()
            } else if let level = Self.headingLevel(trimmed) {
                flushAll()
                let title = String(trimmed.dropFirst(level + 1))
                out.append("<h\(level + 1)>" + inline(title) + "</h\(level + 1)>")
            } else if trimmed.hasPrefix("|") {
                flushParagraph(); flushList()
                table.append(Self.cells(trimmed))
            } else if trimmed.hasPrefix("- ") {
                flushParagraph(); flushTable()
                list.append(String(trimmed.dropFirst(2)))
            } else {
                flushList(); flushTable()
                paragraph.append(trimmed)
            }
        }
        if let block = code { out.append("<pre><code>" + HTML.escape(block.joined(separator: "\n")) + "</code></pre>") }
        flushAll()
        return out.joined(separator: "\n")
    }

    /// 1 for `# `, 2 for `## `, … (up to 5); nil for other lines.
    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...5).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// The cells of a `| a | b |` row (outer pipes dropped, cells trimmed).
    static func cells(_ row: String) -> [String] {
        var inner = Substring(row)
        if inner.hasPrefix("|") { inner = inner.dropFirst() }
        if inner.hasSuffix("|") { inner = inner.dropLast() }
        return inner.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Inline markup of one escaped line: `code`, ![alt](src), [text](href), **bold**.
    func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let c = rest.first {
            if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>" + HTML.escape(String(rest[rest.index(after: rest.startIndex)..<end])) + "</code>"
                rest = rest[rest.index(after: end)...]
            } else if c == "!", rest.dropFirst().first == "[", let (alt, target, after) = Self.link(rest.dropFirst()) {
                if let src = image(target) {
                    out += "<img src=\"\(HTML.escape(src))\" alt=\"\(HTML.escape(alt.isEmpty ? target : alt))\" loading=\"lazy\">"
                }
                rest = after
            } else if c == "[", let (label, target, after) = Self.link(rest) {
                let safe = target.hasPrefix("https://") || target.hasPrefix("http://") || target.hasPrefix("/")
                out += safe ? "<a href=\"\(HTML.escape(target))\">\(HTML.escape(label))</a>" : HTML.escape(label)
                rest = after
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
                out += "<strong>" + HTML.escape(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])) + "</strong>"
                rest = rest[end.upperBound...]
            } else {
                out += HTML.escape(String(c))
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// `[label](target)` at the start of `text`: label, target and what follows.
    static func link(_ text: Substring) -> (String, String, Substring)? {
        guard text.first == "[", let close = text.firstIndex(of: "]") else { return nil }
        let afterClose = text.index(after: close)
        guard afterClose < text.endIndex, text[afterClose] == "(", let end = text[afterClose...].firstIndex(of: ")") else { return nil }
        let label = String(text[text.index(after: text.startIndex)..<close])
        let target = String(text[text.index(after: afterClose)..<end])
        return (label, target, text[text.index(after: end)...])
    }
}
