import Alerting
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port, clustering
/// off, state in a temporary directory, routing everything to a receiver that sends nothing.
final class AlertmanagerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns this object, one call at a time.
    static let binaryName = "prometheus-alertmanager"

    let process = Process()
    let directory: URL
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The binary on PATH (or /usr/bin), or nil.
    static var binary: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(binaryName)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    init() throws {
        guard let binary = Self.binary else {
            throw Failure(description: "\(Self.binaryName) is not installed: `apt-get install prometheus-alertmanager` "
                          + "(listed in scripts/system-packages.txt, which CI installs)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-alertmanager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("alertmanager.yml")
        try """
            route:
              receiver: "null"
            receivers:
              - name: "null"
            """.write(to: config, atomically: true, encoding: .utf8)
        port = try Self.freePort()
        let log = directory.appendingPathComponent("alertmanager.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = binary
        process.arguments = [
            "--config.file=\(config.path)",
            "--storage.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            // Empty: no gossip cluster, no port 9094 taken.
            "--cluster.listen-address=",
        ]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Alertmanager's output so far.
    var log: String { (try? String(contentsOf: directory.appendingPathComponent("alertmanager.log"), encoding: .utf8)) ?? "" }

    /// Polls `/-/ready` until it answers 200; throws with the log when `timeout` passes or the process exits.
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let client = CurlHTTPClient()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw Failure(description: "alertmanager exited with \(process.terminationStatus):\n\(log)")
            }
            if let response = try? await client.get(url: baseURL + "/-/ready", timeoutMs: 1000), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "alertmanager not ready on \(baseURL) after \(timeout):\n\(log)")
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s; removes the state directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A port the kernel had free a moment ago (bound to port 0, then released).
    private static func freePort() throws -> Int {
        let listener = try SilentListener()
        listener.close()
        return listener.port
    }
}
