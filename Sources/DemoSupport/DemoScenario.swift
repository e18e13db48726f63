import TwinwatchCore

/// What the demo (and the end-to-end test) streams: a baseline phase, a steady phase from the
/// same distribution, then a phase with every dimension's mean shifted.
public struct DemoScenario: Sendable {
    public var model = "face-verify"
    public var cohorts = ["eu-mobile", "us-web", "apac-kiosk"]
    public var dimension = 64
    public var baselineRows = 2000
    public var steadyRows = 4000
    public var shiftedRows = 4000
    /// Shift of every dimension's mean, in units of the per-dimension noise std (0 = no drift).
    public var meanShift = 0.5
    public var eventsPerSecond = 700
    public var partitions = 6
    public var windowSize = 1000
    public var threshold = 0.06
    public var evaluationInterval: Duration = .seconds(1)
    public var seed: UInt64 = 42

    public init() {}

    public var totalRows: Int { baselineRows + steadyRows + shiftedRows }
    /// Index of the first shifted event.
    public var shiftIndex: Int { baselineRows + steadyRows }

    /// The daemon configuration for this scenario against `brokers`, alerting `webhookURL`.
    public func config(brokers: String, webhookURL: String, topic: String) -> TwinwatchConfig {
        TwinwatchConfig(
            kafka: KafkaSettings(brokers: [brokers], groupID: "twinwatch-demo", eventsTopic: topic,
                                 librdkafka: ["session.timeout.ms": "6000", "log_level": "3"]),
            models: [ModelSettings(name: model, dimension: dimension)],
            window: WindowSettings(size: windowSize),
            evaluation: EvaluationSettings(interval: evaluationInterval),
            baseline: BaselineSettings(captureRows: baselineRows),
            drift: DriftSettings(estimator: .w1, threshold: threshold),
            alerting: AlertingSettings(webhooks: [WebhookSettings(name: "demo-sink", url: webhookURL, timeout: .seconds(5), maxAttempts: 3)]))
    }
}
