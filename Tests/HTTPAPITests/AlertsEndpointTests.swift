import Alerting
import Foundation
import HTTPAPI
import Logging
import Monitor
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

@Suite("Alerts API")
struct AlertsEndpointTests {
    @Test("GET /api/v1/alerts lists alerts (filtered by fingerprint) and the undelivered outbox; the alert gauges count states")
    func alertsEndpoint() async throws {
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let store = try TwinwatchStore(path: try TemporaryStore.path("alerts-api"))
        let rule = AlertRule(name: "RejectedEvents", signal: .rejectedRate, condition: .above(0.01), severity: .ticket,
                             annotations: ["summary": "{{value}} refused"])
        var settings = AlertingSettings(rules: [rule], receivers: [ReceiverSettings(name: "hook", kind: .webhook, url: "http://127.0.0.1:9/x")])
        settings.grouping.groupWait = .zero
        let metrics = DaemonMetrics()
        let coordinator = try await AlertCoordinator(settings: settings, defaultConsecutiveWindows: 1, store: store, logger: logger,
                                                     observer: metrics.alertingObserver(receivers: ["hook"], store: store))
        await coordinator.observe([SignalSample(signal: .rejectedRate, labels: [:], value: 0.25)], atMs: WallClock.nowMs())
        let fingerprint = try #require(await coordinator.alerts.first?.fingerprint)

        let state = MonitorState(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), logger: logger)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let api = OperationsAPI(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), state: state, store: store, metrics: metrics,
                                alerts: coordinator, version: "test")
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, api: api, logger: logger) { port.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let base = "http://127.0.0.1:\(try #require(await iterator.next()))"
        let client = CurlHTTPClient()

        let response = try await client.get(url: base + "/api/v1/alerts?fingerprint=\(fingerprint)", timeoutMs: 30_000)
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts.first?["state"] as? String == "firing" && alerts.first?["rule"] as? String == "RejectedEvents")
        #expect((alerts.first?["annotations"] as? [String: String])?["summary"] == "0.25 refused")
        #expect((json["outbox"] as? [String: [String: Int]])?["hook"]?["pending"] == 1)
        let undelivered = try #require(json["undelivered"] as? [[String: Any]])
        #expect(undelivered.first?["receiver"] as? String == "hook" && undelivered.first?["status"] as? String == "pending")
        let none = try await client.get(url: base + "/api/v1/alerts?fingerprint=0000", timeoutMs: 30_000)
        #expect(((try JSONSerialization.jsonObject(with: Data(none.body)) as? [String: Any])?["alerts"] as? [Any])?.isEmpty == true)

        try await Task.sleep(for: .milliseconds(200))  // the outbox gauge is refreshed off the caller's task
        let text = metrics.exposition()
        #expect(text.contains(#"twinwatch_alerts_firing{rule="RejectedEvents",severity="ticket"} 1.0"#), "\(text)")
        #expect(text.contains(#"twinwatch_outbox_pending{receiver="hook"} 1.0"#), "\(text)")
        await coordinator.observe([SignalSample(signal: .rejectedRate, labels: [:], value: 0)], atMs: WallClock.nowMs())
        let after = metrics.exposition()
        #expect(after.contains(#"twinwatch_alerts_firing{rule="RejectedEvents",severity="ticket"} 0.0"#), "resolved goes to 0: \(after)")

        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite("Thresholds API")
struct ThresholdsEndpointTests {
    @Test("GET /api/v1/thresholds: stored thresholds in force with version and method, configured ones, and the history with evidence")
    func thresholdsEndpoint() async throws {
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let store = try TwinwatchStore(path: try TemporaryStore.path("thresholds-api"))
        try await store.append(ThresholdRecord(model: "m", cohort: "c2", threshold: 0.57, previous: 0.55, version: 1, status: .applied,
                                               method: "target_far:0.01", reason: nil, evidence: #"{"at_old_threshold":{"fp":40}}"#))
        try await store.append(ThresholdRecord(model: "m", cohort: "c1", threshold: 0.53, previous: 0.55, version: 1, status: .proposed,
                                               method: "target_far:0.01", reason: "dry run", evidence: nil))
        let state = MonitorState(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), logger: logger)
        let coordinator = try await AlertCoordinator(settings: AlertingSettings(), defaultConsecutiveWindows: 1, store: store, logger: logger)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"]))
        config.verification.threshold = 0.55
        let api = OperationsAPI(config: config, state: state, store: store, metrics: DaemonMetrics(), alerts: coordinator, version: "test")
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, api: api, logger: logger) { port.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let base = "http://127.0.0.1:\(try #require(await iterator.next()))"

        let response = try await CurlHTTPClient().get(url: base + "/api/v1/thresholds", timeoutMs: 30_000)
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(json["default_threshold"] as? Double == 0.55)
        let rows = try #require(json["thresholds"] as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["cohort"] as? String == "c2" && rows[0]["threshold"] as? Double == 0.57 && rows[0]["version"] as? Int == 1)
        let history = try #require(json["history"] as? [[String: Any]])
        #expect(history.map { $0["status"] as? String } == ["proposed", "applied"])
        #expect(((history[1]["evidence"] as? [String: Any])?["at_old_threshold"] as? [String: Int])?["fp"] == 40)

        await group.triggerGracefulShutdown()
        try await task.value
    }
}
