import Alerting
import DemoSupport
import Logging
import ServiceLifecycle
import Testing
import TwinwatchCore

/// Per-attempt timeouts are generous: a starved sink (CPU-bound tests run beside these) must not
/// turn into a client timeout that the sink never counted.
@Suite("Webhook delivery over libcurl")
struct WebhookDeliveryTests {
    private let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    private let alert = AlertNotification(
        status: .firing, rule: "EmbeddingDrift", severity: "page", model: "m", cohort: "all", estimator: "w1", value: 0.3,
        threshold: 0.1, windowRows: 100, startsAt: "2026-11-25T10:00:00.000Z", sentAt: "2026-11-25T10:00:00.000Z",
        fingerprint: "0123456789abcdef", summary: "drift")

    private func withSink<R: Sendable>(refuseFirst: Int, _ body: (WebhookSink, String) async throws -> R) async throws -> R {
        let sink = WebhookSink(refuseFirst: refuseFirst)
        let group = ServiceGroup(configuration: .init(services: [sink.application(logger: logger)], logger: logger))
        let task = Task { try await group.run() }
        let result = try await body(sink, await sink.url())
        await group.triggerGracefulShutdown()
        try await task.value
        return result
    }

    @Test("503 answers are retried until the webhook accepts; the body round-trips")
    func retriesThenDelivers() async throws {
        try await withSink(refuseFirst: 2) { sink, url in
            let notifier = WebhookNotifier(webhooks: [WebhookSettings(name: "s", url: url, timeout: .seconds(15), maxAttempts: 4)], logger: logger)
            #expect(await notifier.deliver(alert) == 1)
            #expect(await sink.requests == 3)
            #expect(await sink.received == [alert])
        }
    }

    @Test("delivery gives up after max_attempts and reports it")
    func givesUp() async throws {
        try await withSink(refuseFirst: 10) { sink, url in
            let notifier = WebhookNotifier(webhooks: [WebhookSettings(name: "s", url: url, timeout: .seconds(15), maxAttempts: 2)], logger: logger)
            #expect(await notifier.deliver(alert) == 0)
            #expect(await sink.requests == 2)
        }
    }

    @Test("an unreachable webhook is a transport error, not a hang")
    func unreachable() async throws {
        let notifier = WebhookNotifier(webhooks: [WebhookSettings(name: "s", url: "http://127.0.0.1:9/alerts", timeout: .milliseconds(500), maxAttempts: 1)], logger: logger)
        #expect(await notifier.deliver(alert) == 0)
    }
}
