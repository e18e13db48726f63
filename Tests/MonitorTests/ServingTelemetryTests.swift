import Monitor
import Testing
import TwinwatchCore

@Suite("Serving SLIs from the events' optional fields")
struct ServingTelemetryTests {
    @Test("QPS, error and review rates and latency quantiles per cohort and for the model; absent fields stay absent")
    func slis() async throws {
        let state = MonitorState(config: TwinwatchConfig(kafka: KafkaSettings(brokers: ["b"])), logger: .init(label: "t"))
        _ = await state.takeServingSLIs()
        var events: [InferenceEvent] = []
        for i in 0..<1000 {
            events.append(InferenceEvent(eventID: "e\(i)", timestampMs: 0, model: "m", cohort: i % 2 == 0 ? "a" : "b", score: 0.5,
                                         decision: i % 2 == 0 ? (i % 10 == 0 ? "review" : "accept") : nil,
                                         status: i % 2 == 0 ? (i % 20 == 0 ? "error" : "ok") : nil,
                                         latencyMs: i % 2 == 0 ? Double(i / 2 + 1) : nil))
        }
        _ = await state.ingest(events, sources: Array(repeating: nil, count: events.count))
        try await Task.sleep(for: .milliseconds(100))
        let slis = Dictionary(uniqueKeysWithValues: await state.takeServingSLIs().map { ($0.cohort, $0) })
        let a = try #require(slis["a"]), b = try #require(slis["b"]), all = try #require(slis["all"])
        #expect(a.events == 500 && b.events == 500 && all.events == 1000)
        #expect(a.qps > 0 && abs(all.qps - 2 * a.qps) < 1e-9)
        // Cohort a: latencies 1…500 ms, every 10th event (of 1000) reviewed, every 20th an error.
        #expect(a.reviewRate == 0.2 && a.errorRate == 0.1)
        let p50 = try #require(a.latencyP50Ms), p99 = try #require(a.latencyP99Ms)
        #expect(abs(p50 - 250) <= 2.5 && abs(p99 - 495) <= 5, "p50 \(p50) p99 \(p99)")
        #expect(b.reviewRate == nil && b.errorRate == nil && b.latencyP99Ms == nil)
        #expect(all.errorRate == 0.1 && all.latencyP99Ms == a.latencyP99Ms)
        #expect(await state.takeServingSLIs().isEmpty, "each call covers the events since the last")
    }
}
