/// The validated configuration of the daemon. Built once at start (or reload) by `ConfigLoader`;
/// nothing else reads files or the environment.
public struct TwinwatchConfig: Sendable, Equatable {
    public var kafka: KafkaSettings
    /// Known models. Empty means "accept any model"; otherwise the list is closed.
    public var models: [ModelSettings]

    /// The configured embedding dimension of each model that names one.
    public var modelDimensions: [String: Int] {
        Dictionary(models.compactMap { m in m.dimension.map { (m.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }
    public var window: WindowSettings
    public var evaluation: EvaluationSettings
    public var baseline: BaselineSettings
    public var drift: DriftSettings
    public var alerting: AlertingSettings
    public var verification = VerificationSettings()
    public var http: HTTPSettings = HTTPSettings()
    public var store = StoreSettings(path: StoreSettings.defaultPath(environment: [:]))
    public var checkpoint: CheckpointSettings = CheckpointSettings()

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

/// Sliding windows, one per (model, cohort) plus the model-wide aggregate (cohort `all`).
public struct WindowSettings: Sendable, Equatable {
    /// Rows kept per key (ring buffer: size × (4·dimension + 12) bytes per key).
    public var size: Int = 1000
    /// Rows a window needs before it is evaluated.
    public var minRows: Int = 1000
    /// A key is evaluated again only after this many new rows (the window's hop).
    public var step: Int = 1
    /// Time-based windows: only rows within this duration of the key's newest row are evaluated.
    public var duration: Duration?
    /// Cohorts tracked per model; events of further cohorts count in `other`.
    public var maxCohorts: Int = 100

    public init(size: Int = 1000, minRows: Int? = nil, step: Int = 1, duration: Duration? = nil, maxCohorts: Int = 100) {
        self.size = size
        self.minRows = minRows ?? size
        self.step = step
        self.duration = duration
        self.maxCohorts = maxCohorts
    }

    /// The cohort name of a model's aggregate window; reserved.
    public static let aggregateCohort = "all"
    /// Where cohorts beyond `maxCohorts` are counted.
    public static let overflowCohort = "other"
}

public struct EvaluationSettings: Sendable, Equatable {
    public var interval: Duration = .seconds(10)
    /// Windows evaluated at the same time (each on one core).
    public var concurrency: Int = 2
    /// How long a window evaluation or a null calibration may run, from its predicted duration,
    /// before it is reported as overrunning (log, metric, `/readyz`, `baseline show`). Generous:
    /// the prediction is already slower than this machine kind, so healthy work stays far inside.
    public var budget = WorkBudget(factor: 10, minimum: .seconds(30))

    public init(interval: Duration = .seconds(10), concurrency: Int = 2, budget: WorkBudget = WorkBudget(factor: 10, minimum: .seconds(30))) {
        self.interval = interval
        self.concurrency = concurrency
        self.budget = budget
    }
}

public struct BaselineSettings: Sendable, Equatable {
    /// Rows captured from a model's stream when it has no active baseline and `autoCapture` is on.
    /// Default: 4 × the default window for 5 cohorts of equal traffic (each cohort's window is
    /// compared with its own rows and needs 4 × its size for a calibrated null).
    public var captureRows: Int = 20000
    /// Capture and activate a baseline from the stream for models without an active one.
    public var autoCapture: Bool = true
    /// B, the null resamples per (baseline, window size); the smallest p-value is 1 / (B + 1).
    public var nullResamples: Int = 1000

    public init(captureRows: Int = 20000, autoCapture: Bool = true, nullResamples: Int = 1000) {
        self.captureRows = captureRows
        self.autoCapture = autoCapture
        self.nullResamples = nullResamples
    }
}

/// The drift signal and its alert rule.
public struct DriftSettings: Sendable, Equatable {
    /// The drift estimators a configuration may select (health is always computed and is not a score).
    public static let selectable = DriftEstimatorKind.allCases.filter { $0 != .health }

    /// Estimators computed for every window; their p-values are combined (max-z, DESIGN §5.7).
    public var estimators: [DriftEstimatorKind] = [.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm]
    /// The alert fires when this many consecutive windows that share no rows breach (a clean
    /// window in between starts over): the rule's guard against correlated sliding windows.
    public var consecutiveWindows: Int = 3

    public init(estimators: [DriftEstimatorKind] = [.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm], consecutiveWindows: Int = 3) {
        self.estimators = estimators
        self.consecutiveWindows = consecutiveWindows
    }
}

/// The SQLite state database.
public struct StoreSettings: Sendable, Equatable {
    /// Default: `defaultPath(environment:)`.
    public var path: String
    /// How long the evaluation history (what reports plot) is kept; zero keeps none.
    public var historyRetention: Duration = .seconds(7 * 86_400)
    /// How often each window's drift profile (per-dimension W1, histograms of the most drifted
    /// directions) and each cohort's ROC curve join the history; a window whose combined p-value
    /// is at the drift rule's level is profiled at most every 5 minutes as well. Zero: never.
    public var profileInterval: Duration = .seconds(900)

    public init(path: String, historyRetention: Duration = .seconds(7 * 86_400), profileInterval: Duration = .seconds(900)) {
        self.path = path
        self.historyRetention = historyRetention
        self.profileInterval = profileInterval
    }

    /// `$STATE_DIRECTORY/twinwatch.sqlite` under systemd (`StateDirectory=`), else `./twinwatch.sqlite`.
    public static func defaultPath(environment: [String: String]) -> String {
        environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first }.map { "\($0)/twinwatch.sqlite" } ?? "twinwatch.sqlite"
    }
}

/// How often window state and the offsets it reflects are made durable.
public struct CheckpointSettings: Sendable, Equatable {
    /// Also the replay bound: after a crash at most this much of the stream is consumed again.
    public var interval: Duration = .seconds(30)

    public init(interval: Duration = .seconds(30)) { self.interval = interval }
}

/// The operations HTTP server (`/metrics`, `/healthz`, `/readyz`, the `/api/v1` endpoints).
public struct HTTPSettings: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 9464
    /// `false` runs no server (e.g. several daemons in one test process).
    public var enabled: Bool = true
    /// The bearer token of the mutating endpoints (read from `token_file`); without one they
    /// answer 403.
    public var token: String?
    /// Request bodies above this size are refused (413).
    public var maxBodyBytes: Int = 64 * 1024

    public static let minimumTokenLength = 16

    public init(host: String = "127.0.0.1", port: Int = 9464, enabled: Bool = true) {
        self.host = host
        self.port = port
        self.enabled = enabled
    }
}

/// The documented limits of a calibrated null (DESIGN §5.7), for configuration checks; the same
/// values as `DriftEstimators.NullCalibration`'s (a test holds them equal).
public enum CalibrationLimits {
    /// A baseline (or a cohort's part of it) needs this many times the window's rows.
    public static let minimumBaselineRatio = 4
    /// The smallest window a null is calibrated for.
    public static let minimumWindow = 20
}
