import EventCodec
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Monitor
import Testing
import TwinwatchCore

@Suite("Operations endpoints")
struct OperationsEndpointTests {
    @Test("/metrics serves the registry, /healthz answers, /readyz reflects partition assignment")
    func endpoints() async throws {
        let metrics = DaemonMetrics()
        metrics.rejected(.oversize).increment()
        let state = MonitorState(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"])), logger: Logger(label: "t"))
        let app = HTTPServer.make(host: "127.0.0.1", port: 0, metrics: metrics, state: state, logger: Logger(label: "t"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"twinwatch_events_rejected_total{reason="oversize"} 1"#))
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            await state.partitionsAssigned([.init(topic: "t", partition: 0)])
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("ready: assigned_partitions=1"))
            }
        }
    }
}
