import Alerting
import Foundation
import Logging
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// The Alertmanager receiver against a real Alertmanager: what it accepts and how it reads it.
@Suite("A real Alertmanager")
struct AlertmanagerTests {
    @Test("posted alerts are accepted: the firing one is active with its labels and annotations, the resolved one is not")
    func postToAlertmanager() async throws {
        let alertmanager: AlertmanagerProcess
        do {
            alertmanager = try AlertmanagerProcess()
        } catch {
            // Not a skip: CI installs the package, so a missing binary is a broken setup.
            Issue.record("\(error)")
            return
        }
        defer { alertmanager.stop() }
        try await alertmanager.waitUntilReady()

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let firing = AlertSnapshot(
            fingerprint: "0123456789abcdef", status: .firing, rule: "EmbeddingDrift", severity: .page,
            labels: ["alertname": "EmbeddingDrift", "model": "face-verify", "cohort": "eu-mobile", "severity": "page"],
            annotations: ["summary": "face-verify eu-mobile drifted", "runbook_url": "https://runbooks.example/drift"],
            value: 0.0001, startsAt: now - 60_000, endsAt: nil,
            generatorURL: "http://127.0.0.1:9464/api/v1/alerts/0123456789abcdef")
        let resolved = AlertSnapshot(
            fingerprint: "fedcba9876543210", status: .resolved, rule: "EmbeddingDrift", severity: .ticket,
            labels: ["alertname": "EmbeddingDrift", "model": "face-verify", "cohort": "all", "severity": "ticket"],
            annotations: ["summary": "face-verify all drifted"], value: 0.2, startsAt: now - 120_000, endsAt: now - 30_000,
            generatorURL: "http://127.0.0.1:9464/api/v1/alerts/fedcba9876543210")
        let notification = GroupNotification(receiver: "am", groupKey: "am/{}", groupLabels: ["alertname": "EmbeddingDrift"],
                                             alerts: [firing, resolved], createdAt: now)

        // A trailing slash on the configured base is tolerated.
        let receiver = AlertmanagerReceiver(settings: ReceiverSettings(name: "am", kind: .alertmanager, url: alertmanager.baseURL + "/"))
        let client = CurlHTTPClient()
        for body in receiver.bodies(for: notification) {
            let response = try await client.send(receiver.request(body: body, messageID: "m", atMs: now), timeoutMs: 15_000)
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        }

        // The dispatcher marks a new alert active asynchronously: poll, bounded.
        var alerts: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(120)
        repeat {
            let response = try await client.get(url: alertmanager.baseURL + "/api/v2/alerts", timeoutMs: 5000)
            try #require(response.status == 200)
            alerts = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
            if alerts.contains(where: { ($0["status"] as? [String: Any])?["state"] as? String == "active" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline

        let active = alerts.filter { ($0["status"] as? [String: Any])?["state"] as? String == "active" }
        try #require(active.count == 1, "active alerts: \(alerts)\n\(alertmanager.log)")
        let labels = try #require(active[0]["labels"] as? [String: String])
        #expect(labels["alertname"] == "EmbeddingDrift")
        #expect(labels["model"] == "face-verify")
        #expect(labels["cohort"] == "eu-mobile")
        #expect(labels["severity"] == "page")
        #expect(active[0]["annotations"] as? [String: String] == firing.annotations)
        #expect(active[0]["generatorURL"] as? String == firing.generatorURL)
        #expect(active[0]["startsAt"] as? String == RFC3339.string(millis: now - 60_000))
        // The resolved alert ended in the past: Alertmanager lists it nowhere as active.
        #expect(!alerts.contains { ($0["labels"] as? [String: String])?["cohort"] == "all" }, "\(alerts)")
    }

    /// The labels of the alerts Alertmanager lists as active.
    private func activeAlerts(_ alertmanager: AlertmanagerProcess) async throws -> [[String: String]] {
        let response = try await CurlHTTPClient().get(url: alertmanager.baseURL + "/api/v2/alerts", timeoutMs: 5000)
        let alerts = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        return alerts.filter { ($0["status"] as? [String: Any])?["state"] as? String == "active" }.compactMap { $0["labels"] as? [String: String] }
    }

    @Test("end to end: rule engine → group → outbox → sender → Alertmanager shows the alert active, then ends it on resolve")
    func engineToAlertmanager() async throws {
        let alertmanager: AlertmanagerProcess
        do {
            alertmanager = try AlertmanagerProcess()
        } catch {
            Issue.record("\(error)")
            return
        }
        defer { alertmanager.stop() }
        try await alertmanager.waitUntilReady()
        var logger = Logger(label: "am-e2e")
        logger.logLevel = .critical
        let store = try TwinwatchStore(path: try TemporaryStore.path("am-e2e"))
        let rule = AlertRule(name: "EmbeddingDrift", signal: .driftCombined, condition: .pValueBelow(0.001), severity: .page,
                             labels: ["team": "ml"], annotations: ["summary": "drift on {{model}}/{{cohort}}: p = {{p_value}}"])
        let settings = AlertingSettings(rules: [rule], receivers: [ReceiverSettings(name: "am", kind: .alertmanager, url: alertmanager.baseURL)])
        let coordinator = try await AlertCoordinator(settings: settings, defaultConsecutiveWindows: 1, store: store, logger: logger)
        let service = AlertingService(coordinator: coordinator, settings: settings, store: store, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let task = Task { try await group.run() }
        defer { task.cancel() }

        let labels = ["model": "face-verify", "cohort": "eu-mobile"]
        func drift(_ p: Double, _ end: Int64) -> SignalSample {
            SignalSample(signal: .driftCombined, labels: labels, value: p, pValue: p, window: WindowSpan(end: end, rows: 100))
        }
        await coordinator.observe([drift(0.0005, 100)], atMs: WallClock.nowMs())
        #expect(try await waitUntil(.seconds(120)) { try await !activeAlerts(alertmanager).isEmpty }, "never active:\n\(alertmanager.log)")
        let active = try await activeAlerts(alertmanager)
        #expect(active == [["alertname": "EmbeddingDrift", "severity": "page", "team": "ml", "model": "face-verify", "cohort": "eu-mobile"]])

        await coordinator.observe([drift(0.4, 200)], atMs: WallClock.nowMs())
        #expect(try await waitUntil(.seconds(120)) { try await activeAlerts(alertmanager).isEmpty }, "still active after the resolve")
        #expect(try await store.outboxCounts()["am"]?[.delivered] == 2)
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
