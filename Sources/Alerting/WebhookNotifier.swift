import Foundation
import Logging
import TwinwatchCore

/// Posts alert notifications as JSON to the configured webhooks, retrying transient failures
/// (transport errors, 429, 5xx) with exponential backoff and jitter, honouring `Retry-After`.
public struct WebhookNotifier: Sendable {
    public let webhooks: [WebhookSettings]
    private let client = CurlHTTPClient()
    private let logger: Logger

    public init(webhooks: [WebhookSettings], logger: Logger) {
        self.webhooks = webhooks
        self.logger = logger
    }

    /// Delivers `notification` to every webhook; returns how many accepted it.
    @discardableResult
    public func deliver(_ notification: AlertNotification) async -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let body = try? encoder.encode(notification) else { return 0 }
        var delivered = 0
        for webhook in webhooks where await deliver(Array(body), to: webhook, fingerprint: notification.fingerprint) {
            delivered += 1
        }
        return delivered
    }

    private func deliver(_ body: [UInt8], to webhook: WebhookSettings, fingerprint: String) async -> Bool {
        let timeoutMs = Int(webhook.timeout.components.seconds * 1000 + webhook.timeout.components.attoseconds / 1_000_000_000_000_000)
        var delayMs = 200
        for attempt in 1...webhook.maxAttempts {
            var retryAfter: Int?
            do {
                let response = try await client.post(url: webhook.url, body: body, headers: ["Content-Type: application/json"], timeoutMs: timeoutMs)
                if (200..<300).contains(response.status) {
                    logger.info("alert delivered", metadata: ["webhook": "\(webhook.name)", "fingerprint": "\(fingerprint)", "attempt": "\(attempt)"])
                    return true
                }
                guard response.status == 429 || response.status >= 500 else {
                    logger.error("webhook refused alert", metadata: ["webhook": "\(webhook.name)", "status": "\(response.status)"])
                    return false
                }
                retryAfter = response.retryAfterSeconds
                logger.warning("webhook failed, will retry", metadata: ["webhook": "\(webhook.name)", "status": "\(response.status)", "attempt": "\(attempt)"])
            } catch {
                logger.warning("webhook unreachable, will retry", metadata: ["webhook": "\(webhook.name)", "error": "\(error)", "attempt": "\(attempt)"])
            }
            guard attempt < webhook.maxAttempts else { break }
            let waitMs = retryAfter.map { $0 * 1000 } ?? (delayMs + Int.random(in: 0...delayMs / 2))
            try? await Task.sleep(for: .milliseconds(waitMs))
            delayMs = min(delayMs * 2, 30_000)
        }
        logger.error("alert delivery gave up", metadata: ["webhook": "\(webhook.name)", "fingerprint": "\(fingerprint)"])
        return false
    }
}
