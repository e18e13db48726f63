import Foundation
import StateStore

/// A `twinwatch` child process (the binary built beside the test bundle), with its output in files.
final class TwinwatchProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns this object, one call at a time.
    let process = Process()
    let output: URL

    static var binary: URL {
        // The test bundle and the executable are built into the same directory (.build/debug).
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundle, bundle.deletingLastPathComponent()] where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("twinwatch").path) {
            return dir.appendingPathComponent("twinwatch")
        }
        return bundle.appendingPathComponent("twinwatch")
    }

    init(_ arguments: [String], in directory: URL, name: String, environment extra: [String: String] = [:]) throws {
        output = directory.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.merge(extra) { $1 }
        process.environment = environment
        try process.run()
    }

    /// The process's output so far.
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGHUP: reload).
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for the graceful exit.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// `twinwatch dev-kafka` (a librdkafka mock cluster in a child process) in a fresh temporary
/// directory: the process, its bootstrap address and the directory.
func startDevKafka(_ name: String, partitions: Int, brokers: Int) async throws -> (kafka: TwinwatchProcess, brokers: String, directory: URL) {
    let dir = URL(fileURLWithPath: try TemporaryStore.path(name)).deletingLastPathComponent()
    let kafka = try TwinwatchProcess(["dev-kafka", "--partitions", "\(partitions)", "--brokers", "\(brokers)"], in: dir, name: "dev-kafka")
    guard try await waitUntil(.seconds(30), { !kafka.log.isEmpty }), let address = kafka.log.split(separator: "\n").first else {
        throw POSIXError(.ETIMEDOUT)
    }
    return (kafka, String(address), dir)
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func waitUntil(_ timeout: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
