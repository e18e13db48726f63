/// The JSON body posted to generic webhooks for one alert transition.
public struct AlertNotification: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case firing, resolved }

    public var status: Status
    public var rule: String
    public var severity: String
    public var model: String
    public var cohort: String
    public var estimator: String
    public var value: Double
    public var threshold: Double
    public var windowRows: Int
    /// RFC 3339 time the alert started firing.
    public var startsAt: String
    /// RFC 3339 time of this notification.
    public var sentAt: String
    /// Hash of rule + sorted labels; stable across restarts (dedup key).
    public var fingerprint: String
    public var summary: String

    public init(status: Status, rule: String, severity: String, model: String, cohort: String, estimator: String,
                value: Double, threshold: Double, windowRows: Int, startsAt: String, sentAt: String,
                fingerprint: String, summary: String) {
        self.status = status
        self.rule = rule
        self.severity = severity
        self.model = model
        self.cohort = cohort
        self.estimator = estimator
        self.value = value
        self.threshold = threshold
        self.windowRows = windowRows
        self.startsAt = startsAt
        self.sentAt = sentAt
        self.fingerprint = fingerprint
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case status, rule, severity, model, cohort, estimator, value, threshold
        case windowRows = "window_rows"
        case startsAt = "starts_at"
        case sentAt = "sent_at"
        case fingerprint, summary
    }
}
