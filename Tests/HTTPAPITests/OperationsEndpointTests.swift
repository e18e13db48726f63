import Alerting
import Foundation
import HTTPAPI
import Logging
import Monitor
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// The real server on a loopback port, queried with libcurl. Timeouts are generous: the full suite
/// runs CPU-bound estimator tests on the same two cores, which can starve the server for seconds.
@Suite("Operations endpoints")
struct OperationsEndpointTests {
    @Test("/metrics serves the registry, /healthz answers, /readyz reflects partition assignment")
    func endpoints() async throws {
        let logger = Logger(label: "t")
        let metrics = DaemonMetrics()
        metrics.rejected(.oversize).increment()
        let state = MonitorState(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), logger: logger)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let store = try TwinwatchStore(path: try TemporaryStore.path("ops-api"))
        let alerts = try await AlertCoordinator(settings: AlertingSettings(), defaultConsecutiveWindows: 1, store: store, logger: logger)
        let api = OperationsAPI(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), state: state, store: store, metrics: metrics,
                                alerts: alerts, version: "test")
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, api: api, logger: logger) { port.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(bound)"
        let client = CurlHTTPClient()

        let exposition = try await client.get(url: base + "/metrics", timeoutMs: 30_000)
        #expect(exposition.status == 200)
        let text = String(decoding: exposition.body, as: UTF8.self)
        #expect(text.contains(#"twinwatch_events_rejected_total{reason="oversize"} 1"#))
        #expect(text.contains("# HELP twinwatch_events_rejected_total"))
        #expect(try await client.get(url: base + "/healthz", timeoutMs: 30_000).status == 200)
        #expect(try await client.get(url: base + "/readyz", timeoutMs: 30_000).status == 503)
        await state.partitionsAssigned([.init(topic: "t", partition: 0)])
        let ready = try await client.get(url: base + "/readyz", timeoutMs: 30_000)
        #expect(ready.status == 200)
        let readiness = try #require(try JSONSerialization.jsonObject(with: Data(ready.body)) as? [String: Any])
        #expect(readiness["ready"] as? Bool == true)
        #expect(((readiness["checks"] as? [String: Any])?["consumer"] as? [String: Any])?["assigned_partitions"] as? Int == 1)

        await group.triggerGracefulShutdown()
        try await task.value
    }
}
