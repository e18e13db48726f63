import Foundation
import Testing
import Reports

/// Debian's `chromium` run headless on a report file (MACHINE-NOTES: as root it needs `--no-sandbox`).
enum Chromium {
    /// The browser's path; nil when it is not installed.
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        return (dirs.flatMap { ["\($0)/chromium", "\($0)/chromium-browser"] })
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Run {
        let status: Int32
        let png: Data
        /// Chromium's log (stderr), console messages included.
        let log: String
        let page: URL
    }

    /// Writes `html` to a fresh directory and screenshots it at 1280×4000; fails after `timeout` seconds.
    static func screenshot(_ html: String, timeout: TimeInterval = 120) throws -> Run {
        let path = try #require(path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html"), png = dir.appendingPathComponent("report.png")
        let logFile = dir.appendingPathComponent("chromium.log")
        try Data(html.utf8).write(to: page)
        try Data().write(to: logFile)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--screenshot=\(png.path)", "--window-size=1280,4000",
                             "--enable-logging=stderr", "--v=0", "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                             page.absoluteString]
        process.standardOutput = log  // stderr to a file, not a pipe: a full pipe would block the browser
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("chromium did not finish within \(Int(timeout)) s")
        }
        return Run(status: process.terminationStatus, png: (try? Data(contentsOf: png)) ?? Data(),
                   log: (try? String(contentsOf: logFile, encoding: .utf8)) ?? "", page: page)
    }
}

@Suite("Chromium renders the report", .serialized)
struct ChromiumRenderTests {
    @Test("Headless chromium screenshots the week-long report with no console errors",
          .enabled(if: Chromium.path != nil, "chromium is not installed (Debian package `chromium`): headless render skipped"),
          .timeLimit(.minutes(5)))
    func screenshot() throws {
        let run = try Chromium.screenshot(HTMLReport.render(HTMLReportTests.week))
        #expect(run.status == 0, "chromium exited \(run.status): \(run.log.suffix(2000))")
        #expect(run.png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "no PNG written")
        #expect(run.png.count > 20_000, "the screenshot is only \(run.png.count) bytes")
        // Console messages (errors, CSP violations) are logged with the page's URL or as CONSOLE lines.
        let complaints = run.log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains(run.page.lastPathComponent) }
        #expect(complaints.isEmpty, "console: \(complaints.joined(separator: "\n"))")
    }
}
