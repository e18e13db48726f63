import Foundation
import Logging
import StateStore
import TwinwatchCore

/// Delivers one receiver's outbox: oldest due message first, one at a time, so a dead receiver
/// delays only its own notifications. Retries transport errors, 408, 429 and 5xx with exponential
/// backoff and jitter (`Retry-After` honoured up to a cap); refusals (other 4xx) and messages
/// older than the maximum age go to `dead`. Every attempt is recorded in the store before the next
/// one, so a restart resumes where this left off; cancellation stops it between (or, through
/// libcurl's progress callback, during) requests and leaves undelivered rows pending.
public struct OutboxSender: Sendable {
    public let receiver: any NotificationReceiver
    private let store: TwinwatchStore
    private let delivery: DeliverySettings
    private let client = CurlHTTPClient()
    private let onOutcome: @Sendable (String, DeliveryOutcome) -> Void
    private let logger: Logger

    /// How often the outbox is read for new or due messages (a cheap indexed query).
    public static let pollInterval: Duration = .milliseconds(200)

    public init(receiver: any NotificationReceiver, store: TwinwatchStore, delivery: DeliverySettings, logger: Logger, onOutcome: @escaping @Sendable (String, DeliveryOutcome) -> Void = { _, _ in }) {
        self.receiver = receiver
        self.store = store
        self.delivery = delivery
        self.onOutcome = onOutcome
        self.logger = logger
    }

    /// Delivers until cancelled. A store that cannot be read or written (full disk, read-only file)
    /// is retried with backoff and logged once per episode, never in a tight loop.
    public func run() async {
        let name = receiver.settings.name
        let metadata: Logger.Metadata = ["receiver": "\(name)"]
        var reading = FaultEpisode(failing: "cannot read the notification outbox", recovered: "notification outbox readable again")
        var recording = FaultEpisode(
            failing: "cannot record delivery attempts in the state store; the sent notification is held, not sent again",
            recovered: "delivery attempts recorded again")
        while !Task.isCancelled {
            let due: [OutboxMessage]
            do {
                due = try await store.dueMessages(receiver: name, atMs: WallClock.nowMs())
                reading.succeeded(logger: logger, metadata: metadata)
            } catch {
                try? await Task.sleep(for: reading.failed(error, logger: logger, metadata: metadata))
                continue
            }
            for message in due {
                guard !Task.isCancelled, let outcome = await send(message) else { return }
                guard await record(outcome, of: message, episode: &recording) else { return }
            }
            if due.isEmpty { try? await Task.sleep(for: Self.pollInterval) }
        }
    }

    /// Sends `message` once and decides what its answer means; nil when cancelled during the
    /// request (a cancelled request is not an attempt: the message stays as it was for the next start).
    func send(_ message: OutboxMessage) async -> DeliveryOutcome? {
        let settings = receiver.settings
        let attempt = message.attempts + 1
        let request = receiver.request(body: message.body, messageID: "tw_\(message.id)", atMs: WallClock.nowMs())
        do {
            let response = try await client.send(request, timeoutMs: Int(settings.timeout.milliseconds))
            return decide(status: response.status, retryAfterSeconds: response.retryAfterSeconds, error: nil, message: message, attempt: attempt)
        } catch {
            if Task.isCancelled { return nil }
            return decide(status: nil, retryAfterSeconds: nil, error: "\(error)", message: message, attempt: attempt)
        }
    }

    /// Records `outcome` before anything else is sent, retrying with backoff while the store refuses:
    /// the row stays pending meanwhile, and going round the loop would POST it again at once (the
    /// receiver spammed in a tight loop). False when cancelled first: the row stays pending and the
    /// next start sends it again (receivers dedup by webhook-id).
    func record(_ outcome: DeliveryOutcome, of message: OutboxMessage, episode: inout FaultEpisode) async -> Bool {
        let name = receiver.settings.name
        let attempt = message.attempts + 1
        let metadata: Logger.Metadata = ["receiver": "\(name)", "message": "\(message.id)", "group": "\(message.groupKey)", "attempt": "\(attempt)"]
        while true {
            do {
                try await store.record(outcome, messageID: message.id, receiver: name, attempt: attempt, atMs: WallClock.nowMs())
                episode.succeeded(logger: logger, metadata: metadata)
                break
            } catch {
                let wait = episode.failed(error, logger: logger, metadata: metadata.merging(["outcome": "\(outcome.name)"]) { a, _ in a })
                do { try await Task.sleep(for: wait) } catch { return false }
            }
        }
        onOutcome(name, outcome)
        switch outcome {
        case .delivered(let status): logger.info("notification delivered", metadata: metadata.merging(["status": "\(status)"]) { a, _ in a })
        case .retry(let next, let status, let error):
            logger.warning("notification not delivered; will retry", metadata: metadata.merging([
                "status": "\(status.map(String.init) ?? "none")", "error": "\(error)", "retry_in_ms": "\(next - WallClock.nowMs())",
            ]) { a, _ in a })
        case .dead(let status, let error):
            logger.error("notification given up", metadata: metadata.merging([
                "status": "\(status.map(String.init) ?? "none")", "error": "\(error)",
            ]) { a, _ in a })
        }
        return true
    }

    /// Delivered, retried (when, honouring Retry-After up to the cap) or dead.
    func decide(status: Int?, retryAfterSeconds: Int?, error: String?, message: OutboxMessage, attempt: Int) -> DeliveryOutcome {
        if let status, (200..<300).contains(status) { return .delivered(httpStatus: status) }
        let reason = error ?? "HTTP \(status ?? 0)"
        if let status, !Self.isRetryable(status) { return .dead(httpStatus: status, error: "refused: \(reason)") }
        let now = WallClock.nowMs()
        let waitMs = Self.backoffMs(attempt: attempt, retryAfterSeconds: retryAfterSeconds, delivery: delivery)
        if now + waitMs - message.createdMs > delivery.maxAge.milliseconds {
            return .dead(httpStatus: status, error: "gave up after \(attempt) attempts (max age \(AnnotationTemplate.duration(delivery.maxAge))): \(reason)")
        }
        return .retry(nextAttemptMs: now + waitMs, httpStatus: status, error: reason)
    }

    /// 408, 425, 429 and 5xx are worth another try; other statuses are refusals.
    public static func isRetryable(_ status: Int) -> Bool { status == 408 || status == 425 || status == 429 || status >= 500 }

    /// Exponential backoff from `initialBackoff`, doubled per attempt up to `maxBackoff`, plus up to
    /// 50 % jitter; a `Retry-After` replaces it, capped at `retryAfterCap`.
    public static func backoffMs(attempt: Int, retryAfterSeconds: Int?, delivery: DeliverySettings) -> Int64 {
        if let retryAfter = retryAfterSeconds {
            return min(Int64(max(0, retryAfter)) * 1000, delivery.retryAfterCap.milliseconds)
        }
        let base = delivery.initialBackoff.milliseconds
        let exponential = min(delivery.maxBackoff.milliseconds, base << Int64(min(attempt - 1, 30)))
        return exponential + Int64.random(in: 0...max(0, exponential / 2))
    }
}

/// Wall-clock milliseconds since 1970 (alert times are persisted and compared across restarts).
public enum WallClock {
    public static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
