import TwinwatchCore

/// The generic webhook's JSON body, modelled on Alertmanager's webhook payload (version 4) so
/// that tools written for it need few changes; `version` is this format's own ("1").
public struct WebhookMessage: Codable, Sendable, Equatable {
    /// One alert of the message.
    public struct Alert: Codable, Sendable, Equatable {
        public var status: AlertSnapshot.Status
        public var fingerprint: String
        public var labels: [String: String]
        public var annotations: [String: String]
        /// The last sample's compared value.
        public var value: Double
        /// RFC 3339.
        public var startsAt: String
        /// RFC 3339; "0001-01-01T00:00:00Z" while firing, as in Alertmanager.
        public var endsAt: String
        public var generatorURL: String

        /// `alert` as sent; a resolved alert without an end time ends at `resolvedAt` (ms since 1970).
        public init(_ alert: AlertSnapshot, resolvedAt: Int64) {
            status = alert.status
            fingerprint = alert.fingerprint
            labels = alert.labels
            annotations = alert.annotations
            value = alert.value
            startsAt = ReceiverJSON.time(alert.startsAt)
            endsAt = alert.status == .firing ? ReceiverJSON.zeroTime : ReceiverJSON.time(alert.endsAt ?? resolvedAt)
            generatorURL = alert.generatorURL
        }

        /// The `summary` annotation.
        public var summary: String? { annotations["summary"] }
    }

    /// This format's version.
    public static let currentVersion = "1"

    public var version: String
    public var receiver: String
    /// `firing` while any alert of the group fires.
    public var status: AlertSnapshot.Status
    public var groupKey: String
    public var groupLabels: [String: String]
    /// Labels (annotations) with the same value in every alert.
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    /// The daemon's base URL (the origin of the first alert's `generatorURL`), when known.
    public var externalURL: String?
    public var alerts: [Alert]

    /// The message for `notification`.
    public init(_ notification: GroupNotification) {
        version = Self.currentVersion
        receiver = notification.receiver
        status = notification.status
        groupKey = notification.groupKey
        groupLabels = notification.groupLabels
        commonLabels = ReceiverJSON.common(notification.alerts.map(\.labels))
        commonAnnotations = ReceiverJSON.common(notification.alerts.map(\.annotations))
        externalURL = notification.alerts.first.flatMap { ReceiverJSON.origin(of: $0.generatorURL) }
        alerts = notification.alerts.map { Alert($0, resolvedAt: notification.createdAt) }
    }

    /// The JSON body: sorted keys, RFC 3339 times.
    public func encoded() -> [UInt8] { ReceiverJSON.encode(self) }

    /// Parses a body made by `encoded()`.
    public static func decode(_ body: [UInt8]) throws -> WebhookMessage { try ReceiverJSON.decode(Self.self, from: body) }
}
