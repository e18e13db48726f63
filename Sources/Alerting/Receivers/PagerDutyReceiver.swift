import TwinwatchCore

/// PagerDuty Events API v2: one event per alert, deduplicated by the alert's fingerprint, so
/// PagerDuty's incident follows each alert (trigger, then resolve) whatever the grouping.
public struct PagerDutyReceiver: NotificationReceiver {
    public let settings: ReceiverSettings
    /// PagerDuty truncates a longer summary.
    public static let maxSummaryLength = 1024

    public init(settings: ReceiverSettings) { self.settings = settings }

    public func bodies(for notification: GroupNotification) -> [[UInt8]] {
        notification.alerts.map { ReceiverJSON.encode(event(for: $0)) }
    }

    public func request(body: [UInt8], messageID: String, atMs now: Int64) -> HTTPRequest {
        HTTPRequest(url: settings.url, headers: [ReceiverJSON.contentType], body: body)
    }

    /// PagerDuty's severity for an alert's: a page is `critical`, a ticket a `warning`.
    public static func severity(_ severity: AlertSeverity) -> String {
        switch severity {
        case .page: "critical"
        case .ticket: "warning"
        }
    }

    func event(for alert: AlertSnapshot) -> Event {
        let routingKey = settings.secret ?? ""
        guard alert.status == .firing else {
            return Event(routingKey: routingKey, eventAction: "resolve", dedupKey: alert.fingerprint)
        }
        let model = alert.labels["model"]
        var summary = alert.annotations["summary"] ?? "\(alert.rule) \(model ?? "")".trimmingCharacters(in: [" "])
        if summary.count > Self.maxSummaryLength { summary = String(summary.prefix(Self.maxSummaryLength - 1)) + "…" }
        let payload = Payload(
            summary: summary, source: model ?? "twinwatch", severity: Self.severity(alert.severity),
            timestamp: ReceiverJSON.time(alert.startsAt), component: model, group: alert.labels["cohort"], class: alert.rule,
            customDetails: CustomDetails(labels: alert.labels, annotations: alert.annotations, value: alert.value))
        let links = alert.annotations["runbook_url"].flatMap { $0.isEmpty ? nil : [Link(href: $0, text: "Runbook")] }
        return Event(routingKey: routingKey, eventAction: "trigger", dedupKey: alert.fingerprint, payload: payload, links: links,
                     client: "twinwatch", clientURL: alert.generatorURL.isEmpty ? nil : alert.generatorURL)
    }

    struct Event: Encodable {
        var routingKey: String
        var eventAction: String
        var dedupKey: String
        var payload: Payload?
        var links: [Link]?
        var client: String?
        var clientURL: String?

        enum CodingKeys: String, CodingKey {
            case routingKey = "routing_key", eventAction = "event_action", dedupKey = "dedup_key", payload, links, client
            case clientURL = "client_url"
        }
    }

    struct Payload: Encodable {
        var summary: String
        var source: String
        var severity: String
        var timestamp: String
        var component: String?
        var group: String?
        var `class`: String
        var customDetails: CustomDetails

        enum CodingKeys: String, CodingKey {
            case summary, source, severity, timestamp, component, group, `class`, customDetails = "custom_details"
        }
    }

    struct CustomDetails: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var value: Double
    }

    struct Link: Encodable {
        var href: String
        var text: String
    }
}
