import TwinwatchCore

/// The state of one rule for one label set: inactive → pending → firing → resolved (DESIGN §7).
/// Persisted as JSON after every change, so a restart neither re-pages nor forgets.
public struct AlertInstance: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case pending, firing, resolved }

    public var fingerprint: String
    public var rule: String
    public var severity: AlertSeverity
    /// The sample's labels, the rule's labels, `alertname` and `severity`.
    public var labels: [String: String]
    /// Rendered with the latest sample's values.
    public var annotations: [String: String]
    public var state: State
    /// When the condition began to hold (Prometheus' ActiveAt; Alertmanager's `startsAt`), ms since 1970.
    public var activeSince: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// The last time the condition held.
    public var lastBreachAt: Int64
    /// The last sample of the rule's signal for this label set, breaching or not.
    public var lastSampleAt: Int64
    /// The value of the last sample (the compared quantity: p-value for p-value conditions).
    public var value: Double
    public var breach: SustainedBreach

    public init(fingerprint: String, rule: String, severity: AlertSeverity, labels: [String: String], annotations: [String: String],
                state: State, activeSince: Int64, firedAt: Int64?, resolvedAt: Int64?, lastBreachAt: Int64, lastSampleAt: Int64,
                value: Double, breach: SustainedBreach) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeSince = activeSince
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.lastBreachAt = lastBreachAt
        self.lastSampleAt = lastSampleAt
        self.value = value
        self.breach = breach
    }

    public var isFiring: Bool { state == .firing }
}

/// One alert as a receiver sees it in a notification.
public struct AlertSnapshot: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case firing, resolved }

    public var fingerprint: String
    public var status: Status
    public var rule: String
    public var severity: AlertSeverity
    public var labels: [String: String]
    public var annotations: [String: String]
    public var value: Double
    /// ms since 1970.
    public var startsAt: Int64
    /// ms since 1970; set once resolved.
    public var endsAt: Int64?
    /// Where to look: the daemon's alert API for this alert.
    public var generatorURL: String

    public init(fingerprint: String, status: Status, rule: String, severity: AlertSeverity, labels: [String: String],
                annotations: [String: String], value: Double, startsAt: Int64, endsAt: Int64?, generatorURL: String) {
        self.fingerprint = fingerprint
        self.status = status
        self.rule = rule
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
        self.value = value
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }
}

/// What one receiver is told about one group at one flush (Alertmanager's notification).
public struct GroupNotification: Sendable, Equatable, Codable {
    public var receiver: String
    /// Stable identity of the group: receiver and the `group_by` label values.
    public var groupKey: String
    public var groupLabels: [String: String]
    /// Firing alerts first, then the ones resolved since the last notification.
    public var alerts: [AlertSnapshot]
    /// ms since 1970.
    public var createdAt: Int64

    public init(receiver: String, groupKey: String, groupLabels: [String: String], alerts: [AlertSnapshot], createdAt: Int64) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.createdAt = createdAt
    }

    /// `firing` while any alert of the group fires.
    public var status: AlertSnapshot.Status { alerts.contains { $0.status == .firing } ? .firing : .resolved }
    public var firing: [AlertSnapshot] { alerts.filter { $0.status == .firing } }
    public var resolved: [AlertSnapshot] { alerts.filter { $0.status == .resolved } }
}
