import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes).
struct ProgressBar {
    private let label: String
    private let enabled = isatty(2) == 1
    private var lastPercent = -1

    init(_ label: String) { self.label = label }

    /// Shows `done` of `total` (the total may become known only while working, e.g. a file's size).
    mutating func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let percent = min(100, done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(String(format: "%3d", percent))% \(label)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
