import Alerting
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Logging
import StateStore
import Testing
import TwinwatchCore

/// A real `twinwatch run` on `twinwatch dev-kafka` with int8-quantised embeddings (values k/127:
/// the columns whose ranges are symmetric about zero once hung the estimators) and a budget far
/// below what any calibration or evaluation takes (`evaluation.budget_factor: 1e-9`,
/// `budget_minimum: 0s`). Every one of them runs past its budget: each is logged with its key,
/// counted, listed by `/readyz` while it runs and by `baseline show` afterwards; the calibrations
/// still finish (int8 input no longer hangs them), and the systemd watchdog keeps being fed.
@Suite("Estimator work past its budget, against a live daemon", .serialized)
struct EstimatorOverrunTests {
    private static let dimension = 48
    /// Event time of event 0 (event i at start + i ms).
    private static let start = WallClock.nowMs()

    private func config(brokers: String, store: String) -> String {
        """
        kafka:
          brokers: [\(brokers)]
          group_id: overrun-test
          events_topic: twinwatch.events
          librdkafka:
            session.timeout.ms: "6000"
        models:
          - name: q8
            dimension: \(Self.dimension)
        window:
          size: 250
          step: 125
        evaluation:
          interval: 1s
          budget_factor: 0.000000001
          budget_minimum: 0s
        baseline:
          capture_rows: 6000
          null_resamples: 600
        checkpoint:
          interval: 1s
        store:
          path: \(store)
        http:
          listen: 127.0.0.1:0
        """
    }

    /// int8-quantised embeddings of three cohorts: round(127·clamp(0.3·g, −1, 1)) / 127.
    private func events(_ range: Range<Int>) -> [InferenceEvent] {
        var rng = SplitMix64(seed: UInt64(range.lowerBound) &+ 77)
        return range.map { i in
            let embedding = (0..<Self.dimension).map { _ in Float((min(max(0.3 * rng.gaussian(), -1), 1) * 127).rounded() / 127) }
            // One millisecond apart: the model aggregate is composed (and calibrated) in event time.
            return InferenceEvent(eventID: "e-\(i)", timestampMs: Self.start + Int64(i), model: "q8", cohort: ["a", "b", "c"][i % 3],
                                  score: 0.5, embedding: embedding)
        }
    }

    @Test("overruns are logged with their key, counted, in /readyz and baseline show; calibrations on int8 data finish; the watchdog is fed throughout")
    func overrunsAreVisible() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("overrun", partitions: 2, brokers: 1)
        defer { _ = kafka.stop() }
        let socket = try NotifySocket(directory: dir)
        let store = dir.appendingPathComponent("state.sqlite").path
        let configPath = dir.appendingPathComponent("twinwatch.yaml")
        try config(brokers: brokers, store: store).write(to: configPath, atomically: true, encoding: .utf8)
        let daemon = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run",
                                          environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"])
        defer { _ = daemon.stop() }
        #expect(try await waitUntil { daemon.log.contains("Server started and listening on 127.0.0.1:") }, "\(daemon.log)")
        let port = try #require(daemon.log.components(separatedBy: "listening on 127.0.0.1:").last?.prefix { $0.isNumber })

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let producer = try KafkaProducer(brokers: [brokers], logger: quiet)
        for e in events(0..<7_500) { try producer.produce(topic: "twinwatch.events", key: EventEncoder.kafkaKey(for: e), value: EventEncoder.json(e)) }
        try await producer.flush()

        // While the calibrations run past their (near-zero) budgets, /readyz names them.
        let client = CurlHTTPClient()
        var listed: [[String: Any]] = []
        let seenInReadyz = try await waitUntil(.seconds(180)) {
            let body = (try? await client.get(url: "http://127.0.0.1:\(port)/readyz", timeoutMs: 10_000))?.body ?? []
            guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                  let checks = json["checks"] as? [String: Any], let work = checks["estimator_work"] as? [String: Any],
                  work["ok"] as? Bool == false, let items = work["past_budget"] as? [[String: Any]],
                  items.contains(where: { $0["work"] as? String == "calibration" }) else { return false }
            #expect(json["ready"] as? Bool == false)
            listed = items
            return true
        }
        #expect(seenInReadyz, "no calibration past its budget in /readyz:\n\(daemon.log.suffix(3000))")
        let calibration = try #require(listed.first { $0["work"] as? String == "calibration" })
        #expect(calibration["model"] as? String == "q8" && calibration["baseline"] as? Int == 1, "\(calibration)")

        // Every calibration finishes (int8 columns no longer hang the histogram edges): the aggregate's
        // and each cohort's, each reported as past its budget and then as ended.
        #expect(try await waitUntil(.seconds(300)) {
            daemon.log.components(separatedBy: "null calibration ready").count - 1 >= 4
        }, "\(daemon.log.suffix(4000))")
        let log = daemon.log
        #expect(log.contains("null calibration still running past its budget") && log.contains("null calibration past its budget has ended"))
        #expect(log.contains("window evaluation still running past its budget"), "\(log.suffix(3000))")
        for cohort in ["all", "a", "b", "c"] {
            #expect(log.contains("cohort=\(cohort)"), "no line names cohort \(cohort)")
        }

        let scrape = String(decoding: try await client.get(url: "http://127.0.0.1:\(port)/metrics", timeoutMs: 10_000).body, as: UTF8.self)
        let overruns = scrape.split(separator: "\n").first { $0.hasPrefix(#"twinwatch_estimator_overruns_total{work="calibration"}"#) }
        #expect((overruns?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 4, "\(overruns ?? "no series")")

        // The watchdog was fed all along: no gap longer than the 2 s timeout between pings.
        let pings = socket.messages.filter { $0.message == "WATCHDOG=1" }.map(\.at)
        let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
        #expect(pings.count >= 10 && gaps.allSatisfy { $0 < .seconds(2) }, "\(pings.count) pings, longest gap \(gaps.max() ?? .zero)")

        #expect(daemon.stop() == 0, "\(daemon.log.suffix(3000))")
        // baseline show lists the baseline's calibrations past their budget, each finished.
        let show = try OperationsSurfaceTests.run(TwinwatchProcess.binary.path, ["baseline", "show", "1", "--db", store, "--json"])
        #expect(show.status == 0, "\(show.output)")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any])
        let rows = try #require(detail["overruns"] as? [[String: Any]])
        let calibrations = rows.filter { $0["work"] as? String == "calibration" }
        #expect(calibrations.count >= 4 && calibrations.allSatisfy { $0["outcome"] as? String == "finished" && ($0["seconds"] as? Double ?? 0) > 0 },
                "\(rows.prefix(6))")
        let text = try OperationsSurfaceTests.run(TwinwatchProcess.binary.path, ["baseline", "show", "1", "--db", store])
        #expect(text.output.contains("estimator work past its budget") && text.output.contains("finished after"), "\(text.output)")
    }
}
