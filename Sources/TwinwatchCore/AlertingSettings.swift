/// The `alerting:` section: where the rules are, how alerts are grouped, where they go and how
/// hard delivery tries (DESIGN §7, Alertmanager semantics).
public struct AlertingSettings: Sendable, Equatable {
    /// The rule file, relative paths resolved against the configuration file's directory.
    /// nil: the shipped default rules (`rules/twinwatch-alerts.yaml` beside the configuration).
    public var rulesFile: String?
    /// The rules loaded from `rulesFile` (filled by `ConfigLoader`).
    public var rules: [AlertRule] = []
    public var receivers: [ReceiverSettings] = []
    public var grouping = GroupingSettings()
    public var delivery = DeliverySettings()
    /// A firing alert whose signal has no sample for this long (traffic stopped, model removed)
    /// is resolved, so nothing stays firing for ever on data that no longer comes.
    public var staleAfter: Duration = .seconds(3600)
    /// Base of links in notifications (`generatorURL`): the daemon's HTTP address as seen by the receivers.
    public var externalURL: String = "http://127.0.0.1:9464"
    /// `{{runbook_base_url}}` in rule annotations: where your team reads `docs/runbooks/`.
    public var runbookBaseURL: String = AlertingSettings.defaultRunbookBaseURL

    public init(rulesFile: String? = nil, rules: [AlertRule] = [], receivers: [ReceiverSettings] = []) {
        self.rulesFile = rulesFile
        self.rules = rules
        self.receivers = receivers
    }

    /// The default rule file's path relative to the configuration's directory.
    public static let defaultRulesFile = "rules/twinwatch-alerts.yaml"
    /// The runbooks as shipped in the repository; point `runbook_base_url` at your own copy.
    public static let defaultRunbookBaseURL = "https://github.com/twinwatch/twinwatch/blob/main/docs/runbooks"
}

/// Alertmanager's grouping: alerts sharing the `groupBy` labels go out in one notification.
public struct GroupingSettings: Sendable, Equatable {
    public var groupBy: [String] = ["alertname", "model"]
    /// A new group waits this long for more alerts before its first notification.
    public var groupWait: Duration = .seconds(30)
    /// A group with changes (new or resolved alerts) is notified at most this often.
    public var groupInterval: Duration = .seconds(300)
    /// An unchanged firing group is notified again after this long.
    public var repeatInterval: Duration = .seconds(4 * 3600)

    public init() {}
}

/// How the outbox delivers: per receiver, retried with exponential backoff and jitter.
public struct DeliverySettings: Sendable, Equatable {
    /// First retry delay; doubled per attempt up to `maxBackoff`, plus up to 50 % jitter.
    public var initialBackoff: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(300)
    /// A receiver's `Retry-After` is honoured up to this long.
    public var retryAfterCap: Duration = .seconds(600)
    /// A notification not delivered within this long of being queued is given up (state `dead`).
    public var maxAge: Duration = .seconds(24 * 3600)

    public init() {}
}

/// One place notifications go.
public struct ReceiverSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Generic JSON, signed per Standard Webhooks when a secret is set.
        case webhook
        /// Slack incoming webhook (blocks).
        case slack
        /// PagerDuty Events API v2 (`url` defaults to https://events.pagerduty.com/v2/enqueue).
        case pagerduty
        /// An Alertmanager; `url` is its base (`POST {url}/api/v2/alerts`).
        case alertmanager
    }

    public var name: String
    public var kind: Kind
    public var url: String
    /// The webhook signing secret (`whsec_<base64>` or raw) or the PagerDuty routing key, read from
    /// `secret_file` at start; never in the YAML, never logged.
    public var secret: String?
    /// Route: the receiver gets the alerts whose labels equal all of these (empty: every alert).
    public var match: [String: String] = [:]
    /// Whole request (connect + transfer) timeout; the connect timeout is the smaller of this and 5 s.
    public var timeout: Duration = .seconds(10)

    public init(name: String, kind: Kind, url: String, secret: String? = nil, match: [String: String] = [:], timeout: Duration = .seconds(10)) {
        self.name = name
        self.kind = kind
        self.url = url
        self.secret = secret
        self.match = match
        self.timeout = timeout
    }

    public static let pagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"

    /// Whether an alert with `labels` goes to this receiver.
    public func routes(_ labels: [String: String]) -> Bool { match.allSatisfy { labels[$0.key] == $0.value } }
}
