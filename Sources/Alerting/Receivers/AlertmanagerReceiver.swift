import TwinwatchCore

/// An Alertmanager (`POST {url}/api/v2/alerts`): twinwatch acts as the alert source, and
/// Alertmanager does its own grouping, silencing and routing.
///
/// A firing alert is sent without `endsAt`, so Alertmanager ends it after its `resolve_timeout`
/// (5 min by default) unless it is sent again before then: with a `repeat_interval` longer than
/// that, set Alertmanager's `resolve_timeout` above it.
public struct AlertmanagerReceiver: NotificationReceiver {
    public let settings: ReceiverSettings

    public init(settings: ReceiverSettings) { self.settings = settings }

    /// The API endpoint of the configured base URL.
    public var alertsURL: String {
        var base = Substring(settings.url)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/api/v2/alerts"
    }

    public func bodies(for notification: GroupNotification) -> [[UInt8]] {
        [ReceiverJSON.encode(notification.alerts.map { PostableAlert($0, resolvedAt: notification.createdAt) })]
    }

    public func request(body: [UInt8], messageID: String, atMs now: Int64) -> HTTPRequest {
        HTTPRequest(url: alertsURL, headers: [ReceiverJSON.contentType], body: body)
    }

    /// Alertmanager's `postableAlert`.
    struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String?
        var generatorURL: String?

        init(_ alert: AlertSnapshot, resolvedAt: Int64) {
            labels = alert.labels
            // Alertmanager requires `alertname`; the rule engine sets it, this keeps the body valid regardless.
            if labels["alertname"] == nil { labels["alertname"] = alert.rule }
            annotations = alert.annotations
            startsAt = ReceiverJSON.time(alert.startsAt)
            endsAt = alert.status == .resolved ? ReceiverJSON.time(alert.endsAt ?? resolvedAt) : nil
            generatorURL = alert.generatorURL.isEmpty ? nil : alert.generatorURL
        }
    }
}
