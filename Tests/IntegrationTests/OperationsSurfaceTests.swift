import Alerting
import DemoSupport
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Logging
import StateStore
import Testing
import TwinwatchCore

/// A real `twinwatch run` on `twinwatch dev-kafka` with three cohorts of labelled, timed events,
/// label and retrieval feedback, a few malformed events and a receiver that is down: its
/// `/metrics` scrape passes `promtool check metrics`, the broker gauges count the brokers, and
/// every metric the Grafana dashboards query exists in it (`scripts/check-dashboards.py`: each
/// panel's PromQL parses with promtool and uses only exported metrics or recording rules).
@Suite("Operations surface against a live daemon", .serialized)
struct OperationsSurfaceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private let cohorts = ["c0", "c1", "c2"]
    /// Event time of event 0 (event i at start + i ms).
    private static let start = WallClock.nowMs()

    private func config(brokers: String, store: String, rules: String) -> String {
        """
        kafka:
          brokers: [\(brokers)]
          group_id: ops-test
          events_topic: twinwatch.events
          feedback_topic: twinwatch.feedback
          dead_letter_topic: twinwatch.dlq
          librdkafka:
            statistics.interval.ms: "500"
        models:
          - name: m
            dimension: 8
        window:
          size: 100
          step: 50
        evaluation:
          interval: 1s
        baseline:
          capture_rows: 600
          null_resamples: 100
        drift:
          consecutive_windows: 1
        verification:
          adaptive:
            mode: dry_run
            min_genuine: 10
            min_impostors: 10
            confirmations: 1
            cool_down: 1s
            publish_topic: twinwatch.thresholds
        alerting:
          rules_file: \(rules)
          group_wait: 0s
          receivers:
            - name: down
              type: webhook
              url: http://127.0.0.1:9/hook
              timeout: 1s
        checkpoint:
          interval: 1s
        store:
          path: \(store)
        http:
          listen: 127.0.0.1:0
        """
    }

    private static let rules = """
        rules:
          - name: RejectedEvents
            signal: ingest.rejected_rate
            condition: {above: 0}
            severity: ticket
            annotations: {summary: "{{value}} of the events refused"}
          - name: EmbeddingDrift
            signal: drift.combined
            scope: {model: "*", cohort: "*"}
            condition: {p_value_below: 0.05}
            severity: page
        """

    /// Labelled, timed events: impostors score N(0.4, 0.1), genuine pairs N(0.7, 0.1).
    private func events(_ range: Range<Int>, inlineLabels: Bool) -> [InferenceEvent] {
        let embeddings = SyntheticEmbeddings(dimension: 8, seed: 3)
        var rng = SplitMix64(seed: UInt64(range.lowerBound) + 1)
        return range.map { i in
            let genuine = i % 2 == 0
            let score = (genuine ? 0.7 : 0.4) + 0.1 * rng.gaussian()
            // One millisecond apart: the model aggregate is composed in event time (events of one
            // millisecond have no order, and such a window is not scored).
            return InferenceEvent(eventID: "e-\(i)", timestampMs: Self.start + Int64(i), model: "m", cohort: cohorts[i % 3], score: min(max(score, 0), 1),
                                  embedding: embeddings.row(using: &rng), decision: i % 10 == 0 ? "review" : "accept",
                                  status: i % 25 == 0 ? "error" : "ok", latencyMs: 5 + Double(i % 40), label: inlineLabels ? (genuine ? 1 : 0) : nil)
        }
    }

    @Test("scrape passes promtool check metrics; broker gauges read 3; every dashboard query parses and uses exported metrics")
    func liveScrape() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("ops", partitions: 3, brokers: 3)
        defer { _ = kafka.stop() }
        let rulesPath = dir.appendingPathComponent("rules.yaml").path
        try Self.rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let configPath = dir.appendingPathComponent("twinwatch.yaml")
        try config(brokers: brokers, store: dir.appendingPathComponent("state.sqlite").path, rules: rulesPath)
            .write(to: configPath, atomically: true, encoding: .utf8)
        let daemon = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run")
        defer { _ = daemon.stop() }
        #expect(try await waitUntil { daemon.log.contains("Server started and listening on 127.0.0.1:") }, "\(daemon.log)")
        let port = try #require(daemon.log.components(separatedBy: "listening on 127.0.0.1:").last?.prefix { $0.isNumber })
        let metricsURL = "http://127.0.0.1:\(port)/metrics"

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let producer = try KafkaProducer(brokers: [brokers], logger: quiet)
        func send(_ batch: [InferenceEvent]) throws {
            for e in batch { try producer.produce(topic: "twinwatch.events", key: EventEncoder.kafkaKey(for: e), value: EventEncoder.json(e)) }
        }
        // The baseline is captured from the first 600; the rest is scored against it.
        try send(events(0..<1500, inlineLabels: true))
        // Held for their labels, which arrive on the feedback topic, with retrieval feedback.
        let held = events(1500..<1800, inlineLabels: false)
        try send(held)
        try await producer.flush()
        // Feedback comes after its events (retrieval feedback for an event not consumed yet is an orphan).
        let client = CurlHTTPClient()
        #expect(try await waitUntil(.seconds(120)) {
            let text = String(decoding: (try? await client.get(url: metricsURL, timeoutMs: 30_000))?.body ?? [], as: UTF8.self)
            return text.contains(#"twinwatch_events_consumed_total{model="m"} 1800"#)
        })
        // A label ends the event's wait in the join, so retrieval feedback goes to other events.
        for (i, e) in held.enumerated() {
            let feedback = i % 3 == 0 ? #"{"event_id":"\#(e.eventID)","relevant_rank":\#(i % 12 + 1)}"#
                                      : #"{"event_id":"\#(e.eventID)","label":\#(i % 2 == 0 ? 1 : 0)}"#
            try producer.produce(topic: "twinwatch.feedback", key: nil, value: Array(feedback.utf8))
        }
        for i in 0..<5 { try producer.produce(topic: "twinwatch.events", key: nil, value: Array("not json \(i)".utf8)) }
        try await producer.flush()

        let wanted = ["twinwatch_drift_p_value{", "twinwatch_far{", "twinwatch_threshold_updates_total{", "twinwatch_notifications_total{",
                      "twinwatch_recall_at_k{", "twinwatch_consumer_lag{", "twinwatch_w1_dimension{", "twinwatch_serving_latency_seconds{",
                      "twinwatch_alerts_firing{", "twinwatch_eer{",
                      // The consumer connects to all three brokers: the gauges count them.
                      "twinwatch_kafka_brokers 3.0", "twinwatch_kafka_brokers_up 3.0"]
        var scrape = ""
        let complete = try await waitUntil(.seconds(180)) {
            scrape = String(decoding: (try? await client.get(url: metricsURL, timeoutMs: 30_000))?.body ?? [], as: UTF8.self)
            return wanted.allSatisfy(scrape.contains)
        }
        #expect(complete, "missing: \(wanted.filter { !scrape.contains($0) })\n\(daemon.log.suffix(4000))")
        let scrapeFile = dir.appendingPathComponent("scrape.txt")
        try scrape.write(to: scrapeFile, atomically: true, encoding: .utf8)

        let lint = try Self.run("/usr/bin/env", ["promtool", "check", "metrics"], stdin: scrapeFile)
        #expect(lint.status == 0 && lint.output.isEmpty, "promtool check metrics:\n\(lint.output)")
        let dashboards = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("dashboards").path)
            .filter { $0.hasSuffix(".json") }.map { Self.root.appendingPathComponent("dashboards/\($0)").path }
        #expect(dashboards.count == 3)
        let check = try Self.run("/usr/bin/env", ["python3", Self.root.appendingPathComponent("scripts/check-dashboards.py").path,
                                                  "--metrics", scrapeFile.path,
                                                  "--rules", Self.root.appendingPathComponent("rules/twinwatch.rules.yml").path] + dashboards)
        #expect(check.status == 0, "check-dashboards:\n\(check.output)")
        #expect(daemon.stop() == 0, "\(daemon.log.suffix(3000))")
    }

    /// Runs a tool, returning its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String], stdin: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: stdin) }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
