import Alerting
import DemoSupport
import Foundation
import KafkaIO
import Logging
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// kill -9 of a real `twinwatch run` while an alert fires and its notification waits in the outbox
/// (the receiver refuses): after the restart the notification is delivered, once; the firing alert
/// is neither forgotten nor paged again, and its resolve is sent when the condition clears.
@Suite("Alerts across kill -9", .serialized)
struct AlertRestartTests {
    static var logger: Logger {
        var logger = Logger(label: "alert-restart")
        logger.logLevel = .critical
        return logger
    }

    private func config(brokers: String, store: String, rules: String, sink: String) -> String {
        """
        kafka:
          brokers: [\(brokers)]
          group_id: alert-restart
          events_topic: twinwatch.events
          librdkafka:
            session.timeout.ms: "6000"
        models:
          - name: m
            dimension: 3
        evaluation:
          interval: 500ms
        baseline:
          auto_capture: false
        checkpoint:
          interval: 500ms
        store:
          path: \(store)
        http:
          enabled: false
        alerting:
          rules_file: \(rules)
          group_wait: 0s
          group_interval: 1s
          receivers:
            - name: sink
              type: webhook
              url: \(sink)
              # The sink runs in the test process, whose threads CPU-heavy tests can hold for tens of
              # seconds: a shorter timeout makes the daemon retry (correctly) and the sink count twice.
              timeout: 60s
          delivery:
            initial_backoff: 200ms
            max_backoff: 500ms
        """
    }

    private static let rules = """
        rules:
          - name: RejectedEvents
            signal: ingest.rejected_rate
            condition: {above: 0.5}
            severity: ticket
            annotations:
              summary: "{{value}} of the events were refused"
        """

    @Test("kill -9 with a queued notification: delivered once after the restart, no second page, resolved later")
    func killNineWithPendingOutbox() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("alert-restart", partitions: 2, brokers: 1)
        defer { _ = kafka.stop() }
        let storePath = dir.appendingPathComponent("state.sqlite").path
        // The receiving side refuses (503) until the daemon has been killed.
        let sink = WebhookSink(responses: Array(repeating: 503, count: 10_000))
        let sinkGroup = ServiceGroup(configuration: .init(services: [sink.application(logger: Self.logger)], logger: Self.logger))
        let sinkTask = Task { try await sinkGroup.run() }
        defer { sinkTask.cancel() }
        let rulesPath = dir.appendingPathComponent("rules.yaml")
        try Self.rules.write(to: rulesPath, atomically: true, encoding: .utf8)
        let configPath = dir.appendingPathComponent("twinwatch.yaml")
        try config(brokers: brokers, store: storePath, rules: rulesPath.path, sink: await sink.url()).write(to: configPath, atomically: true, encoding: .utf8)

        let producer = try KafkaProducer(brokers: [brokers])
        func produce(bad: Bool, count: Int) async throws {
            for i in 0..<count {
                let value = bad ? Array("{\"model\": \"m\", \"embedding\": \"not a vector\"}".utf8)
                    : Array("{\"event_id\": \"e\(i)\", \"model\": \"m\", \"cohort\": \"c\", \"embedding\": [0.1, 0.2, 0.3]}".utf8)
                try producer.produce(topic: "twinwatch.events", key: Array("m".utf8), value: value)
            }
            try await producer.flush()
        }
        func outbox() async throws -> [OutboxMessage] {
            guard FileManager.default.fileExists(atPath: storePath) else { return [] }
            return try await TwinwatchStore(path: storePath).outboxMessages()
        }

        let first = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run-1")
        let feeding = Task {
            while !Task.isCancelled {
                try await produce(bad: true, count: 20)
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        // Fired, queued, and refused at least twice by the receiver.
        #expect(try await waitUntil(.seconds(60)) { try await outbox().contains { $0.attempts >= 2 && $0.status == .pending } },
                "no notification retried:\n\(first.log)")
        first.kill9()
        let queued = try await outbox()
        #expect(queued.count == 1 && queued[0].status == .pending)

        await sink.script(responses: [])
        let second = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run-2")
        defer { _ = second.stop() }
        #expect(try await waitUntil(.seconds(60)) { await !sink.received.isEmpty }, "not delivered after the restart:\n\(second.log)")
        // Still refusing events: the alert stays firing, and the restart does not page again.
        try await Task.sleep(for: .seconds(3))
        let received = await sink.received
        #expect(received.map(\.status) == [.firing], "\(received)")
        let firing = try #require(await sink.received.first?.alerts.first)
        #expect(firing.labels["alertname"] == "RejectedEvents" && firing.summary == "1 of the events were refused")

        feeding.cancel()
        // Good events only from now on: once a round sees no refusal, the alert resolves.
        let healthy = Task {
            while !Task.isCancelled {
                try await produce(bad: false, count: 20)
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { healthy.cancel() }
        #expect(try await waitUntil(.seconds(60)) { await sink.received.count == 2 }, "no resolve:\n\(second.log)")
        let resolved = await sink.received.last
        #expect(resolved?.status == .resolved && resolved?.alerts.first?.fingerprint == firing.fingerprint)
        #expect(second.stop() == 0)
        #expect(try await outbox().allSatisfy { $0.status == .delivered })
        await sinkGroup.triggerGracefulShutdown()
    }
}
