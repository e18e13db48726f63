import TwinwatchCore

/// A generic JSON webhook (`WebhookMessage`, one per group notification), signed per Standard
/// Webhooks when the receiver has a secret.
public struct WebhookReceiver: NotificationReceiver {
    public let settings: ReceiverSettings
    private let signature: StandardWebhookSignature?

    public init(settings: ReceiverSettings) {
        self.settings = settings
        // A malformed `whsec_` secret should be refused by configuration validation
        // (`StandardWebhookSignature(secret:) == nil`); here it signs with its raw bytes, which
        // the endpoint will reject visibly rather than receive unsigned messages.
        signature = settings.secret.flatMap { secret in
            StandardWebhookSignature(secret: secret) ?? (secret.isEmpty ? nil : StandardWebhookSignature(key: Array(secret.utf8)))
        }
    }

    public func bodies(for notification: GroupNotification) -> [[UInt8]] {
        [WebhookMessage(notification).encoded()]
    }

    /// `messageID` is the `webhook-id` (the same on every retry, so the endpoint can deduplicate);
    /// the timestamp and signature are the attempt's.
    public func request(body: [UInt8], messageID: String, atMs now: Int64) -> HTTPRequest {
        var headers = [ReceiverJSON.contentType]
        if let signature { headers += signature.headers(id: messageID, timestamp: now / 1000, body: body) }
        return HTTPRequest(url: settings.url, headers: headers, body: body)
    }
}
