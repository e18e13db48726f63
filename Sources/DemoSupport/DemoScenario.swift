import TwinwatchCore

/// What the demo (and the end-to-end test) streams: a baseline phase, a steady phase from the
/// same distribution, then a phase with every dimension's mean shifted.
public struct DemoScenario: Sendable {
    public var model = "face-verify"
    public var cohorts = ["eu-mobile", "us-web", "apac-kiosk"]
    public var dimension = 64
    /// Captured from the stream as the model's first baseline. Half of it becomes the null
    /// calibration pool: 16 windows, so the pool's own noise barely shifts the null.
    public var baselineRows = 8000
    public var steadyRows = 20000
    public var shiftedRows = 6000
    /// Shift of every dimension's mean, in units of the per-dimension noise std (0 = no drift).
    public var meanShift = 0.5
    public var eventsPerSecond = 2000
    public var partitions = 6
    public var windowSize = 250
    /// Null resamples B; the alert fires when the combined p-value is ≤ `level` (≥ 1/(B+1)).
    public var nullResamples = 500
    public var level = 0.002
    public var evaluationInterval: Duration = .seconds(1)
    public var seed: UInt64 = 42

    public init() {}

    public var totalRows: Int { baselineRows + steadyRows + shiftedRows }
    /// Index of the first shifted event.
    public var shiftIndex: Int { baselineRows + steadyRows }

    /// The daemon configuration for this scenario against `brokers`, alerting `webhookURL`, with
    /// its state database at `storePath`.
    public func config(brokers: String, webhookURL: String, topic: String, storePath: String) -> TwinwatchConfig {
        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [brokers], groupID: "twinwatch-demo", eventsTopic: topic,
                                 librdkafka: ["session.timeout.ms": "6000", "log_level": "3"]),
            models: [ModelSettings(name: model, dimension: dimension)],
            window: WindowSettings(size: windowSize),
            evaluation: EvaluationSettings(interval: evaluationInterval),
            baseline: BaselineSettings(captureRows: baselineRows, autoCapture: true, nullResamples: nullResamples),
            drift: DriftSettings(level: level),
            alerting: AlertingSettings(webhooks: [WebhookSettings(name: "demo-sink", url: webhookURL, timeout: .seconds(5), maxAttempts: 3)]))
        config.store = StoreSettings(path: storePath)
        config.checkpoint = CheckpointSettings(interval: .seconds(2))
        return config
    }
}
