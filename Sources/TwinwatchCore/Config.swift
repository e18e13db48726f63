/// The validated configuration of the daemon. Built once at start (or reload) by `ConfigLoader`;
/// nothing else reads files or the environment.
public struct TwinwatchConfig: Sendable, Equatable {
    public var kafka: KafkaSettings
    /// Known models. Empty means "accept any model"; otherwise the list is closed.
    public var models: [ModelSettings]
    public var window: WindowSettings
    public var evaluation: EvaluationSettings
    public var baseline: BaselineSettings
    public var drift: DriftSettings
    public var alerting: AlertingSettings
    public var http: HTTPSettings = HTTPSettings()

    public init(
        kafka: KafkaSettings, models: [ModelSettings] = [], window: WindowSettings = .init(),
        evaluation: EvaluationSettings = .init(), baseline: BaselineSettings = .init(),
        drift: DriftSettings = .init(), alerting: AlertingSettings = .init()
    ) {
        self.kafka = kafka
        self.models = models
        self.window = window
        self.evaluation = evaluation
        self.baseline = baseline
        self.drift = drift
        self.alerting = alerting
    }
}

public struct KafkaSettings: Sendable, Equatable {
    public var brokers: [String]
    public var groupID: String = "twinwatch"
    public var eventsTopic: String = "twinwatch.events"
    /// Labels and retrieval feedback (DESIGN §3); nil: no feedback consumed.
    public var feedbackTopic: String?
    /// Refused messages go here unchanged, with reason and source headers.
    public var deadLetterTopic: String = "twinwatch.dlq"
    /// Larger message values are refused as `oversize`.
    public var maxEventBytes: Int = 1 << 20
    /// Passed to librdkafka unchanged (`security.protocol`, `session.timeout.ms`, …); secrets
    /// given as `<key>_file` were already read from their files.
    public var librdkafka: [String: String] = [:]

    public init(brokers: [String], groupID: String = "twinwatch", eventsTopic: String = "twinwatch.events", feedbackTopic: String? = nil,
                deadLetterTopic: String = "twinwatch.dlq", maxEventBytes: Int = 1 << 20, librdkafka: [String: String] = [:]) {
        self.brokers = brokers
        self.groupID = groupID
        self.eventsTopic = eventsTopic
        self.feedbackTopic = feedbackTopic
        self.deadLetterTopic = deadLetterTopic
        self.maxEventBytes = maxEventBytes
        self.librdkafka = librdkafka
    }

    /// librdkafka properties whose value must never be logged; each may be given as `<key>_file`.
    public static let secretProperties: Set<String> = [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
    ]
}

public struct ModelSettings: Sendable, Equatable {
    public var name: String
    /// Embedding dimension; events of another dimension are rejected.
    public var dimension: Int?

    public init(name: String, dimension: Int? = nil) {
        self.name = name
        self.dimension = dimension
    }
}

public struct WindowSettings: Sendable, Equatable {
    /// Rows kept per model (count-based sliding window).
    public var size: Int = 1000
    /// Rows a window needs before it is evaluated.
    public var minRows: Int = 1000

    public init(size: Int = 1000, minRows: Int? = nil) {
        self.size = size
        self.minRows = minRows ?? size
    }
}

public struct EvaluationSettings: Sendable, Equatable {
    public var interval: Duration = .seconds(10)

    public init(interval: Duration = .seconds(10)) { self.interval = interval }
}

public struct BaselineSettings: Sendable, Equatable {
    /// Rows captured from the start of each model's stream as its baseline.
    public var captureRows: Int = 2000

    public init(captureRows: Int = 2000) { self.captureRows = captureRows }
}

/// The drift signal and its alert threshold.
public struct DriftSettings: Sendable, Equatable {
    public enum Estimator: String, Sendable, CaseIterable {
        case w1
    }

    public var estimator: Estimator = .w1
    /// Alert when the estimator's score exceeds this value.
    public var threshold: Double = 0.1

    public init(estimator: Estimator = .w1, threshold: Double = 0.1) {
        self.estimator = estimator
        self.threshold = threshold
    }
}

public struct AlertingSettings: Sendable, Equatable {
    public var webhooks: [WebhookSettings] = []

    public init(webhooks: [WebhookSettings] = []) { self.webhooks = webhooks }
}

public struct WebhookSettings: Sendable, Equatable {
    public var name: String
    public var url: String
    public var timeout: Duration = .seconds(5)
    /// Attempts before a delivery is given up (first try included).
    public var maxAttempts: Int = 5

    public init(name: String, url: String, timeout: Duration = .seconds(5), maxAttempts: Int = 5) {
        self.name = name
        self.url = url
        self.timeout = timeout
        self.maxAttempts = maxAttempts
    }
}

/// The operations HTTP server (`/metrics`, `/healthz`, `/readyz`).
public struct HTTPSettings: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 9464
    /// `false` runs no server (e.g. several daemons in one test process).
    public var enabled: Bool = true

    public init(host: String = "127.0.0.1", port: Int = 9464, enabled: Bool = true) {
        self.host = host
        self.port = port
        self.enabled = enabled
    }
}
