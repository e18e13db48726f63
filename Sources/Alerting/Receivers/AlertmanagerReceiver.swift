import TwinwatchCore

/// An Alertmanager (`POST {url}/api/v2/alerts`): twinwatch acts as the alert source, and
/// Alertmanager does its own grouping, silencing and routing.
///
/// Firing alerts are re-sent every `NotificationGroups.alertmanagerResend` with an `endsAt`
/// `firingValidity` after the notification (Prometheus sends 4 × its resend delay), so an
/// Alertmanager keeps them active while twinwatch runs and ends them on its own if twinwatch stops
/// sending; resolved alerts carry their resolution time.
public struct AlertmanagerReceiver: NotificationReceiver {
    public let settings: ReceiverSettings

    public init(settings: ReceiverSettings) { self.settings = settings }

    /// The API endpoint of the configured base URL.
    public var alertsURL: String {
        var base = Substring(settings.url)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/api/v2/alerts"
    }

    /// How long after a notification a firing alert stays active in Alertmanager without a resend.
    public static let firingValidity: Int64 = 4 * NotificationGroups.alertmanagerResend.milliseconds

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
            endsAt = ReceiverJSON.time(alert.status == .resolved ? alert.endsAt ?? resolvedAt : resolvedAt + AlertmanagerReceiver.firingValidity)
            generatorURL = alert.generatorURL.isEmpty ? nil : alert.generatorURL
        }
    }
}
