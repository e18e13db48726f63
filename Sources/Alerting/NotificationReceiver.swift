import TwinwatchCore

/// One HTTP request of a delivery attempt.
public struct HTTPRequest: Sendable, Equatable {
    public var url: String
    /// "Name: value" lines.
    public var headers: [String]
    public var body: [UInt8]

    public init(url: String, headers: [String], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A receiver type (webhook, Slack, PagerDuty, Alertmanager): how a group notification becomes
/// the bodies stored in the outbox, and how a stored body becomes a request at each attempt
/// (signatures and timestamps belong to the attempt, the body to the notification).
public protocol NotificationReceiver: Sendable {
    var settings: ReceiverSettings { get }
    /// The bodies to queue for `notification`, each delivered on its own (PagerDuty: one event per
    /// alert; the others: one message per group).
    func bodies(for notification: GroupNotification) -> [[UInt8]]
    /// The request of one attempt to deliver `body`; `messageID` is stable across retries of it.
    func request(body: [UInt8], messageID: String, atMs now: Int64) -> HTTPRequest
}

/// The receiver of each configured type.
public enum Receivers {
    public static func make(_ settings: ReceiverSettings) -> any NotificationReceiver {
        switch settings.kind {
        case .webhook: WebhookReceiver(settings: settings)
        case .slack: SlackReceiver(settings: settings)
        case .pagerduty: PagerDutyReceiver(settings: settings)
        case .alertmanager: AlertmanagerReceiver(settings: settings)
        }
    }
}
