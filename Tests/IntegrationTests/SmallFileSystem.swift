import Foundation
import Logging

/// A tmpfs of a few MiB mounted for one test (root only: the container may mount), to put the
/// state database on a file system that really fills up. `fill()` takes every free block with a
/// filler file; `free()` deletes it, as an operator freeing space would.
final class SmallFileSystem {
    let directory: URL
    private var filler: URL { directory.appendingPathComponent("filler") }

    /// Whether this process may mount (tests that need a full disk are skipped elsewhere).
    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    init(sizeMiB: Int, label: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-tmpfs-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeMiB)m", "none", directory.path])
    }

    /// Writes zeros until the file system refuses (ENOSPC).
    func fill() throws {
        FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        defer { try? handle.close() }
        let block = Data(count: 4096)
        while true {
            do { try handle.write(contentsOf: block) } catch { break }
        }
    }

    func free() throws { try FileManager.default.removeItem(at: filler) }

    func unmount() { try? Self.run("/bin/umount", ["-l", directory.path]) }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.joined(separator: " ")): \(message)"])
        }
    }
}

/// Log lines at or above `minimum`, kept for a test to count (one concern: what an operator reads).
final class CountingLogs: @unchecked Sendable {
    // @unchecked: every access to `lines` goes through `lock`.
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []

    func append(_ level: Logger.Level, _ message: String) { lock.withLock { lines.append((level, message)) } }

    func count(_ level: Logger.Level, containing text: String = "") -> Int {
        lock.withLock { lines.filter { $0.level == level && (text.isEmpty || $0.message.contains(text)) }.count }
    }

    /// The first `limit` lines, for a failure message.
    func summary(limit: Int = 10) -> String {
        lock.withLock { lines.prefix(limit).map { "\($0.level): \($0.message)" }.joined(separator: "\n") + " (\(lines.count) lines)" }
    }

    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let sink: CountingLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.append(event.level, event.message.description)
        }
    }
}
