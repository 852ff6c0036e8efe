import Foundation

/// A one-line progress bar on a terminal (stderr); plain lines otherwise.
final class ProgressBar {
    let enabled: Bool
    private var drew = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(fraction: Double, text: String) {
        if enabled {
            let width = 24, filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(String(format: "%3.0f%%", fraction * 100)) \(text)".utf8))
            drew = true
        } else {
            print(text)
            fflush(nil)
        }
    }

    func finish() {
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
        drew = false
    }
}
