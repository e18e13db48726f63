import Alerting
import Foundation
import HTTPAPI
import KafkaIO
import Logging
import Monitor
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// `/readyz` during a broker outage (issue 23): with every broker of a real librdkafka mock cluster
/// down, readiness turns false within the documented bound (one `statistics.interval.ms`, 5 s by
/// default, plus librdkafka noticing the lost connections) — not when the group session times
/// out — and true again when they are back. The consumer keeps its default statistics interval so
/// the bound measured is the one users get.
@Suite("Readiness: brokers", .serialized)
struct BrokerReadinessTests {
    @Test("all brokers down: /readyz 503 within the bound, 200 again once they are back")
    func allBrokersDown() async throws {
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic("events", partitions: 3)
        let metrics = DaemonMetrics()
        let consumer = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "ready",
                                         overrides: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "log_level": "0"],
                                         logger: logger, onStatistics: { metrics.record($0) })
        try consumer.subscribe(["events"])
        let drain = Task { for await _ in consumer.events {} }
        let config = TwinwatchConfig(kafka: KafkaSettings(brokers: [cluster.bootstrapServers]))
        let state = MonitorState(config: config, logger: logger)
        await state.partitionsAssigned([.init(topic: "events", partition: 0)])
        let store = try TwinwatchStore(path: try TemporaryStore.path("ops-brokers"))
        let alerts = try await AlertCoordinator(settings: AlertingSettings(), defaultConsecutiveWindows: 1, store: store, logger: logger)
        let api = OperationsAPI(config: config, state: state, store: store, metrics: metrics, alerts: alerts, version: "test")
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, api: api, logger: logger) { port.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let url = "http://127.0.0.1:\(try #require(await iterator.next()))/readyz"
        let client = CurlHTTPClient()
        func status() async -> Int { (try? await client.get(url: url, timeoutMs: 10_000).status) ?? 0 }
        func body() async -> String { String(decoding: (try? await client.get(url: url, timeoutMs: 10_000).body) ?? [], as: UTF8.self) }

        // Ready once librdkafka has reported the brokers up.
        let ready = try await eventually(.seconds(60)) {
            guard metrics.exposition().contains("twinwatch_kafka_brokers_up 3") else { return false }
            return await status() == 200
        }
        let readyBody = await body()
        #expect(ready, "never ready: \(readyBody)")
        for id: Int32 in 1...3 { try cluster.setBroker(id, up: false) }
        let down = ContinuousClock.now
        let turnedFalse = try await eventually(.seconds(40)) { await status() == 503 }
        let toFalse = ContinuousClock.now - down
        let downBody = await body()
        #expect(turnedFalse, "still ready \(toFalse) after every broker went down: \(downBody)")
        // Documented bound: statistics.interval.ms (5 s) + 10 s for librdkafka to notice.
        #expect(toFalse < .seconds(15), "readiness took \(toFalse) to turn false")
        if turnedFalse { #expect(downBody.contains("\"brokers\""), "no brokers check: \(downBody)") }
        for id: Int32 in 1...3 { try cluster.setBroker(id, up: true) }
        let up = ContinuousClock.now
        let readyAgain = try await eventually(.seconds(60)) { await status() == 200 }
        let upBody = await body()
        #expect(readyAgain, "not ready again after the brokers came back: \(upBody)")
        print("brokers readiness: false after \(toFalse), true again \(ContinuousClock.now - up) after the brokers returned")

        await group.triggerGracefulShutdown()
        try await server.value
        _ = await consumer.close()
        await drain.value
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
func eventually(_ timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
