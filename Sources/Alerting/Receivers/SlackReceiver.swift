import Foundation
import TwinwatchCore

/// A Slack incoming webhook: one message per group notification, with a plain-text fallback and
/// Block Kit blocks (a header, one section per alert, a context block for the alerts left out).
public struct SlackReceiver: NotificationReceiver {
    public let settings: ReceiverSettings
    /// Alerts shown as sections; the rest are counted in one context block. Slack refuses more than
    /// 50 blocks, and a long message is unreadable well before that.
    public static let maxAlertSections = 20

    public init(settings: ReceiverSettings) { self.settings = settings }

    public func bodies(for notification: GroupNotification) -> [[UInt8]] {
        [ReceiverJSON.encode(Self.message(for: notification))]
    }

    public func request(body: [UInt8], messageID: String, atMs now: Int64) -> HTTPRequest {
        HTTPRequest(url: settings.url, headers: [ReceiverJSON.contentType], body: body)
    }

    /// "[FIRING:2] EmbeddingDrift face-verify" / "[RESOLVED] EmbeddingDrift face-verify": the
    /// status, the firing count, and the group's label values (`alertname` first).
    public static func title(for notification: GroupNotification) -> String {
        let status = notification.status == .firing ? "FIRING:\(notification.firing.count)" : "RESOLVED"
        var labels = notification.groupLabels
        if labels.isEmpty, let name = notification.alerts.first?.labels["alertname"] { labels["alertname"] = name }
        let values = (labels["alertname"].map { [$0] } ?? [])
            + labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map(\.value)
        return "[\(status)] " + values.joined(separator: " ")
    }

    static func message(for notification: GroupNotification) -> Message {
        let title = title(for: notification)
        var blocks = [Block(type: "header", text: Text(type: "plain_text", text: truncated(title, to: 150)))]
        let shown = notification.alerts.prefix(maxAlertSections)
        blocks += shown.map { Block(type: "section", text: Text(type: "mrkdwn", text: truncated(section(for: $0), to: 3000))) }
        if notification.alerts.count > shown.count {
            let more = notification.alerts.count - shown.count
            blocks.append(Block(type: "context", elements: [Text(type: "mrkdwn", text: "… and \(more) more alert\(more == 1 ? "" : "s")")]))
        }
        return Message(text: title, blocks: blocks)
    }

    /// The mrkdwn of one alert: status and severity, summary, key values, links.
    private static func section(for alert: AlertSnapshot) -> String {
        let status = alert.status == .firing ? ":red_circle: *FIRING*" : ":large_green_circle: *RESOLVED*"
        var lines = ["\(status) · severity *\(escaped(alert.labels["severity"] ?? alert.severity.rawValue))*"]
        lines.append(escaped(alert.annotations["summary"] ?? alert.labels["alertname"] ?? alert.rule))
        var values = ["value `\(formatted(alert.value))`"]
        for name in ["model", "cohort"] {
            if let value = alert.labels[name] { values.append("\(name) `\(escaped(value))`") }
        }
        lines.append(values.joined(separator: " · "))
        var links: [String] = []
        if let runbook = alert.annotations["runbook_url"], !runbook.isEmpty { links.append("<\(escapedURL(runbook))|Runbook>") }
        if !alert.generatorURL.isEmpty { links.append("<\(escapedURL(alert.generatorURL))|Alert details>") }
        if !links.isEmpty { lines.append(links.joined(separator: " · ")) }
        return lines.joined(separator: "\n")
    }

    /// Slack reads `&`, `<` and `>` as markup in any text.
    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A URL inside `<url|label>`: `|` and `>` would end it early.
    private static func escapedURL(_ url: String) -> String {
        escaped(url.replacingOccurrences(of: "|", with: "%7C"))
    }

    private static func formatted(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : (value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf"))
    }

    private static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    struct Message: Encodable {
        var text: String
        var blocks: [Block]
    }

    struct Block: Encodable {
        var type: String
        var text: Text?
        var elements: [Text]?
    }

    struct Text: Encodable {
        var type: String
        var text: String
    }
}
