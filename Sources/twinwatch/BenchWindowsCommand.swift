import ArgumentParser
import StateStore
import DemoSupport
import DriftEstimators
import Foundation
import Logging
import Monitor
import TwinwatchCore

/// `twinwatch bench windows`: resident memory of full windows against the raw size of their floats.
struct BenchWindowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windows",
        abstract: "Fill KEYS windows of ROWS rows (one model: KEYS − 1 cohorts and the aggregate) and report the process RSS.")

    @Option(help: "Windows to fill (cohort windows plus the model aggregate).")
    var keys = 100

    @Option(help: "Rows per window (window.size).")
    var rows = 5000

    @Option(help: "Embedding dimension.")
    var d = 256

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    func run() async throws {
        let cohorts = keys - 1
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["unused:9092"]), models: [ModelSettings(name: "m", dimension: d)],
                                     window: WindowSettings(size: rows, maxCohorts: cohorts), baseline: BaselineSettings(autoCapture: false))
        config.store = StoreSettings(path: try TemporaryStore.path("bench-windows"))
        let state = MonitorState(config: config, logger: Logger(label: "bench"))
        let before = MemoryUsage.read()
        let started = ContinuousClock.now
        // Round-robin over the cohorts, so every cohort window fills to `rows` (and the aggregate keeps the newest).
        let total = cohorts * rows
        let batch = 1000
        let embeddings = SyntheticEmbeddings(dimension: d, seed: 1)
        var rng = SplitMix64(seed: 2)
        let source = TopicPartition(topic: "events", partition: 0)
        await state.partitionsAssigned([source])
        var index = 0
        while index < total {
            let events = (index..<min(index + batch, total)).map { i in
                InferenceEvent(eventID: "e\(i)", timestampMs: Int64(i), model: "m", cohort: "c\(i % cohorts)", score: 0.5,
                               embedding: embeddings.row(using: &rng))
            }
            _ = await state.ingest(events, sources: Array(repeating: source, count: events.count))
            await state.completeBatch(offsets: [source: Int64(index + events.count)])
            index += events.count
        }
        let seconds = started.duration(to: .now) / .seconds(1)
        let after = MemoryUsage.read()
        let held = await state.windowRows()
        precondition(held.count == keys && held.values.allSatisfy { $0 == rows }, "windows not full: \(held.count) keys")
        let raw = Double(keys * rows * d * 4)
        let line = BenchLine(name: "windows_rss", n: keys * rows, d: d, seconds: seconds, perSecond: Double(total) / seconds, referenceSeconds: nil,
                             extra: ["raw_float_bytes": raw, "rss_bytes": after.rss, "peak_rss_bytes": after.peak, "rss_before_bytes": before.rss,
                                     "rss_over_raw": after.rss / raw, "target_bytes": 1.2 * raw + 64 * 1_048_576])
        let report = BenchReport(suite: "windows", results: [line])
        if json {
            print(report.json())
        } else {
            print(String(format: "%d windows × %d rows × d %d: raw floats %.1f MB, RSS %.1f MB (peak %.1f MB, %.1f MB before filling), "
                + "RSS / raw = %.3f, target ≤ %.1f MB", keys, rows, d, raw / 1e6, after.rss / 1e6, after.peak / 1e6, before.rss / 1e6,
                after.rss / raw, (1.2 * raw + 64 * 1_048_576) / 1e6))
        }
    }
}

/// The process's resident set and its peak, from /proc/self/status (Linux).
enum MemoryUsage {
    static func read() -> (rss: Double, peak: Double) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kilobytes(_ key: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
                  let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) }) else { return 0 }
            return value * 1024
        }
        return (kilobytes("VmRSS"), kilobytes("VmHWM"))
    }
}
