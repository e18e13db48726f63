import Alerting
import Foundation
import HTTPAPI
import Logging
import Monitor
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// `/readyz` reads checkpoint health: checkpoints failing past their bound make the daemon not ready.
@Suite("Readiness: checkpoint check")
struct CheckpointReadinessTests {
    @Test("checkpoints failing past max(3 × interval, 30 s) fail the check; a success clears it")
    func bound() {
        let start = ContinuousClock.now
        var health = CheckpointHealth()
        #expect(CheckpointCheck(health, interval: .seconds(10), at: start + .seconds(3600)).ok, "idle read as failing")
        health.failed(at: start)
        #expect(CheckpointCheck(health, interval: .seconds(10), at: start + .seconds(30)).ok)
        let failing = CheckpointCheck(health, interval: .seconds(10), at: start + .seconds(31))
        #expect(!failing.ok && failing.failures == 1 && failing.bound == .seconds(30))
        #expect(!CheckpointCheck(health, interval: .seconds(60), at: start + .seconds(181)).ok)
        #expect(CheckpointCheck(health, interval: .seconds(60), at: start + .seconds(179)).ok)
        health.succeeded(at: start + .seconds(200))
        #expect(CheckpointCheck(health, interval: .seconds(10), at: start + .seconds(201)).ok)
    }

    @Test("/readyz reports the checkpoint check with the failures the checkpoint service counted")
    func served() async throws {
        let logger = Logger(label: "t")
        let metrics = DaemonMetrics()
        let config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"]))
        let state = MonitorState(config: config, logger: logger)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let store = try TwinwatchStore(path: try TemporaryStore.path("ops-checkpoint"))
        let alerts = try await AlertCoordinator(settings: AlertingSettings(), defaultConsecutiveWindows: 1, store: store, logger: logger)
        let api = OperationsAPI(config: config, state: state, store: store, metrics: metrics, alerts: alerts, version: "test")
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, api: api, logger: logger) { port.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        metrics.checkpointFailures.increment()
        metrics.checkpointFailures.increment()
        let response = try await CurlHTTPClient().get(url: "http://127.0.0.1:\(bound)/readyz", timeoutMs: 30_000)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let check = try #require((body["checks"] as? [String: Any])?["checkpoint"] as? [String: Any], "no checkpoint check: \(body)")
        #expect(check["failures"] as? Int == 2 && check["bound_seconds"] as? Double == 90, "\(check)")
        #expect(check["ok"] as? Bool == true, "two failures within the bound already failed readiness: \(check)")
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
