import Alerting
import DemoSupport
import Foundation
import Logging
import ServiceLifecycle
import StateStore
import Testing
import TwinwatchCore

/// The outbox senders against a local sink over real HTTP (libcurl), with a real SQLite store.
/// Waits are bounded but generous: in the full suite CPU-bound tests can hold the two cores (and
/// the cooperative pool) for tens of seconds.
@Suite("Outbox delivery: retries, Retry-After, dead letters, isolation between receivers, prompt shutdown", .serialized)
struct OutboxDeliveryTests {
    static var logger: Logger {
        var logger = Logger(label: "outbox-test")
        logger.logLevel = .critical
        return logger
    }

    static func delivery(backoffMs: Int64 = 100, maxAge: Duration = .seconds(3600)) -> DeliverySettings {
        var d = DeliverySettings()
        d.initialBackoff = .milliseconds(backoffMs)
        d.maxBackoff = .seconds(2)
        d.retryAfterCap = .seconds(5)
        d.maxAge = maxAge
        return d
    }

    /// Queues one generic-webhook message for `receiver` the way the coordinator does.
    static func enqueue(_ store: TwinwatchStore, receiver: String) async throws -> Int64 {
        let now = WallClock.nowMs()
        let labels = ["alertname": "EmbeddingDrift", "severity": "page", "model": "m", "cohort": "c"]
        let alert = AlertSnapshot(fingerprint: Fingerprint.of(rule: "EmbeddingDrift", labels: labels), status: .firing, rule: "EmbeddingDrift",
                                  severity: .page, labels: labels, annotations: ["summary": "drift"], value: 0.001, startsAt: now, endsAt: nil,
                                  generatorURL: "http://127.0.0.1:9464/api/v1/alerts")
        let notification = GroupNotification(receiver: receiver, groupKey: "{alertname=\"EmbeddingDrift\"}", groupLabels: ["alertname": "EmbeddingDrift"],
                                             alerts: [alert], createdAt: now)
        let body = WebhookReceiver(settings: ReceiverSettings(name: receiver, kind: .webhook, url: "http://unused")).bodies(for: notification)[0]
        var round = AlertRound()
        round.enqueue = [OutboxMessage(receiver: receiver, groupKey: notification.groupKey, body: body, createdMs: now)]
        return try await store.commit(round)[0]
    }

    static func message(_ store: TwinwatchStore, _ id: Int64) async throws -> OutboxMessage {
        try #require(try await store.outboxMessages().first { $0.id == id })
    }

    /// Runs `sender` while `body` runs, with the sink serving; stops both.
    static func withSink(_ sink: WebhookSink, _ body: (String) async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [sink.application(logger: logger)], logger: logger))
        let task = Task { try await group.run() }
        defer { task.cancel() }
        let url = await sink.url()
        do {
            try await body(url)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// `timeout` 60 s: the sink runs in the test process, whose threads CPU-heavy tests can hold for
    /// tens of seconds; a shorter one makes the sender retry (correctly) and the sink count twice.
    static func sender(_ url: String, _ store: TwinwatchStore, name: String = "hook", delivery: DeliverySettings = delivery(),
                       timeout: Duration = .seconds(60)) -> OutboxSender {
        OutboxSender(receiver: Receivers.make(ReceiverSettings(name: name, kind: .webhook, url: url, timeout: timeout)), store: store,
                     delivery: delivery, logger: logger)
    }

    @Test("500 twice, then 200: delivered exactly once, every attempt logged")
    func retriesThenDelivers() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("outbox-retry"))
        let sink = WebhookSink(responses: [500, 500])
        try await Self.withSink(sink) { url in
            let id = try await Self.enqueue(store, receiver: "hook")
            let task = Task { await Self.sender(url, store).run() }
            defer { task.cancel() }
            #expect(try await waitUntil(.seconds(120)) { try await Self.message(store, id).status == .delivered }, "not delivered")
            try await Task.sleep(for: .milliseconds(500))
            #expect(await sink.received.count == 1)
            #expect(await sink.requests(on: "/alerts").map(\.status) == [500, 500, 202])
            let message = try await Self.message(store, id)
            #expect(message.attempts == 3 && message.lastHTTPStatus == 202)
        }
    }

    @Test("429 with Retry-After: 2 → no retry before 2 s")
    func honoursRetryAfter() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("outbox-429"))
        let sink = WebhookSink(responses: [429], retryAfter: "2")
        try await Self.withSink(sink) { url in
            let id = try await Self.enqueue(store, receiver: "hook")
            let task = Task { await Self.sender(url, store).run() }
            defer { task.cancel() }
            #expect(try await waitUntil(.seconds(120)) { try await Self.message(store, id).status == .delivered }, "not delivered")
            let times = await sink.requests(on: "/alerts").map(\.receivedAt)
            try #require(times.count == 2)
            let gap = times[1].timeIntervalSince(times[0])
            #expect(gap >= 1.95, "retried after \(gap) s despite Retry-After: 2")
            #expect(gap < 20, "waited \(gap) s for a Retry-After of 2 s")
        }
    }

    @Test("a refusal (400) and a message older than max_age are given up: status dead, the error kept")
    func deadLetters() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("outbox-dead"))
        let sink = WebhookSink(responses: [400])
        try await Self.withSink(sink) { url in
            let refused = try await Self.enqueue(store, receiver: "hook")
            let task = Task { await Self.sender(url, store).run() }
            #expect(try await waitUntil(.seconds(120)) { try await Self.message(store, refused).status == .dead })
            task.cancel()
            let message = try await Self.message(store, refused)
            #expect(message.attempts == 1 && message.lastHTTPStatus == 400 && message.lastError?.contains("refused") == true)
        }
        // Nothing listens on port 9: connection refused until max_age (1 s) runs out.
        let old = try await Self.enqueue(store, receiver: "gone")
        let task = Task { await Self.sender("http://127.0.0.1:9/alerts", store, name: "gone", delivery: Self.delivery(maxAge: .seconds(1))).run() }
        defer { task.cancel() }
        #expect(try await waitUntil(.seconds(120)) { try await Self.message(store, old).status == .dead })
        let message = try await Self.message(store, old)
        #expect(message.attempts >= 2 && message.lastError?.contains("gave up after") == true, "\(message)")
    }

    @Test("a receiver that never answers delays nobody else, and shutdown stops its attempt promptly, leaving the row for the next start")
    func isolationAndShutdown() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("outbox-isolation"))
        let silent = try SilentListener()
        defer { silent.close() }
        let sink = WebhookSink()
        try await Self.withSink(sink) { url in
            var settings = AlertingSettings(receivers: [
                ReceiverSettings(name: "stuck", kind: .webhook, url: "http://127.0.0.1:\(silent.port)/alerts", timeout: .seconds(60)),
                ReceiverSettings(name: "healthy", kind: .webhook, url: url, timeout: .seconds(5)),
            ])
            settings.delivery = Self.delivery()
            let coordinator = try await AlertCoordinator(settings: settings, defaultConsecutiveWindows: 1, store: store, logger: Self.logger)
            let service = AlertingService(coordinator: coordinator, settings: settings, store: store, logger: Self.logger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: Self.logger))
            let task = Task { try await group.run() }
            let stuck = try await Self.enqueue(store, receiver: "stuck")
            let healthy = try await Self.enqueue(store, receiver: "healthy")
            let started = ContinuousClock.now
            #expect(try await waitUntil(.seconds(120)) { try await Self.message(store, healthy).status == .delivered })
            // The stuck receiver's request runs for 60 s; the bound leaves room for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(30), "the healthy receiver waited for the stuck one")
            #expect(try await Self.message(store, stuck).status == .pending)
            let stopping = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await task.value
            #expect(ContinuousClock.now - stopping < .seconds(20), "shutdown waited for a request to a silent receiver (60 s timeout)")
            let left = try await Self.message(store, stuck)
            #expect(left.status == .pending && left.attempts == 0, "a cancelled attempt is not counted: \(left)")
        }
    }

    @Test("backoff doubles from initial_backoff up to max_backoff with at most 50 % jitter; Retry-After is capped")
    func backoff() {
        let d = Self.delivery(backoffMs: 1000)
        for attempt in 1...6 {
            let base = min(2000, 1000 << Int64(attempt - 1))
            let wait = OutboxSender.backoffMs(attempt: attempt, retryAfterSeconds: nil, delivery: d)
            #expect(wait >= base && wait <= base + base / 2, "attempt \(attempt): \(wait)")
        }
        #expect(OutboxSender.backoffMs(attempt: 1, retryAfterSeconds: 3, delivery: d) == 3000)
        #expect(OutboxSender.backoffMs(attempt: 1, retryAfterSeconds: 3600, delivery: d) == 5000)
        #expect(OutboxSender.isRetryable(503) && OutboxSender.isRetryable(429) && OutboxSender.isRetryable(408))
        #expect(!OutboxSender.isRetryable(400) && !OutboxSender.isRetryable(401) && !OutboxSender.isRetryable(404))
    }
}
