import Foundation
import DriftEstimators
import TwinwatchCore

/// What the demo (and the end-to-end test) streams: a baseline phase, a steady phase from the
/// same distribution, a phase with every dimension's mean shifted, and a recovered phase from the
/// baseline's distribution again — so the default rules' alert goes pending, fires, is notified
/// and resolves in one run.
public struct DemoScenario: Sendable {
    public var model = "face-verify"
    public var cohorts = ["eu-mobile", "us-web", "apac-kiosk"]
    public var dimension = 64
    /// Captured from the stream as the model's first baseline. Half of it becomes the null
    /// calibration pool: 16 windows, so the pool's own noise barely shifts the null.
    public var baselineRows = 8000
    public var steadyRows = 20000
    /// Long enough for the drift page's `for` (10 m in the rule file, 10 s at the demo's time scale).
    public var shiftedRows = 36000
    /// Back to the baseline's distribution: the alert resolves.
    public var recoveredRows = 10000
    /// Shift of every dimension's mean, in units of the per-dimension noise std (0 = no drift).
    public var meanShift = 0.5
    public var eventsPerSecond = 2000
    public var partitions = 6
    public var windowSize = 250
    /// Null resamples B: the default rules page at a combined p ≤ 0.001, which needs B ≥ 999.
    public var nullResamples = 1000
    /// Every event carries a label (half genuine): genuine scores ~ N(0.75, 0.07), impostor scores
    /// ~ N(0.30, 0.08); in `shiftedCohort`, during the shift, impostor scores rise by `impostorShift`
    /// (FAR at the threshold 0.52 goes from ≈ 0.3 %, below the adaptive target of 1 %, to ≈ 40 %).
    public var shiftedCohort = "apac-kiosk"
    public var impostorShift = 0.2
    public var threshold = 0.52

    /// The label and score of event `index` of `cohort`.
    public func labelledScore(index: Int, cohort: String, rng: inout SplitMix64) -> (score: Double, label: Int) {
        let genuine = rng.next() % 2 == 0
        let shifted = cohort == shiftedCohort && shift(at: index) != 0 ? impostorShift : 0
        let (mean, sd) = genuine ? (0.75, 0.07) : (0.30 + shifted, 0.08)
        // Box–Muller from two uniforms in (0, 1].
        let u1 = Double(rng.next() % 1_000_000 + 1) / 1_000_000, u2 = Double(rng.next() % 1_000_000) / 1_000_000
        let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return (min(1, max(0, mean + sd * z)), genuine ? 1 : 0)
    }

    /// Rule durations (`for`, `keep_firing_for`) are divided by this: 10 m become 10 s.
    public var timeScale = 60.0
    public var evaluationInterval: Duration = .seconds(1)
    public var seed: UInt64 = 42

    public init() {}

    public var totalRows: Int { baselineRows + steadyRows + shiftedRows + recoveredRows }
    /// After this event the demo waits for the null calibrations: the baseline plus a full window per cohort.
    public var calibratedIndex: Int { baselineRows + windowSize * cohorts.count * 2 }
    /// Index of the first shifted event.
    public var shiftIndex: Int { baselineRows + steadyRows }
    /// Index of the first event after the shift.
    public var recoveryIndex: Int { shiftIndex + shiftedRows }

    /// The mean shift of event `index`.
    public func shift(at index: Int) -> Double { index >= shiftIndex && index < recoveryIndex ? meanShift : 0 }

    /// The shipped rules with their durations divided by `timeScale`.
    public func rules(_ shipped: [AlertRule]) -> [AlertRule] {
        shipped.map { rule in
            var r = rule
            r.forDuration = rule.forDuration / timeScale
            r.keepFiringFor = rule.keepFiringFor / timeScale
            return r
        }
    }

    /// The daemon configuration for this scenario against `brokers`, alerting the generic webhook at
    /// `webhookURL` with `rules`, with its state database at `storePath`.
    public func config(brokers: String, webhookURL: String, topic: String, storePath: String, rules: [AlertRule]) -> TwinwatchConfig {
        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [brokers], groupID: "twinwatch-demo", eventsTopic: topic,
                                 librdkafka: ["session.timeout.ms": "6000", "log_level": "3"]),
            models: [ModelSettings(name: model, dimension: dimension)],
            window: WindowSettings(size: windowSize),
            evaluation: EvaluationSettings(interval: evaluationInterval),
            baseline: BaselineSettings(captureRows: baselineRows, autoCapture: true, nullResamples: nullResamples),
            alerting: alerting(webhookURL: webhookURL, rules: rules))
        // Profiles (per-dimension W1, histograms, ROC) every 15 s for the report, instead of 15 min.
        config.store = StoreSettings(path: storePath, profileInterval: .seconds(15 * 60) / timeScale)
        config.checkpoint = CheckpointSettings(interval: .seconds(2))
        // Windows of 1 000 labelled events per cohort, dry-run proposals at most every 10 s.
        config.verification.threshold = threshold
        config.verification.windowEvents = 1000
        config.verification.adaptive.coolDown = .seconds(10)
        config.verification.adaptive.publishTopic = nil
        return config
    }

    /// One signed webhook receiver; grouping waits of seconds instead of minutes.
    func alerting(webhookURL: String, rules: [AlertRule]) -> AlertingSettings {
        var alerting = AlertingSettings(rules: self.rules(rules),
                                        receivers: [ReceiverSettings(name: "demo-sink", kind: .webhook, url: webhookURL, secret: Self.webhookSecret,
                                                                     timeout: .seconds(5))])
        alerting.grouping.groupWait = .seconds(1)
        alerting.grouping.groupInterval = .seconds(2)
        alerting.delivery.initialBackoff = .milliseconds(200)
        alerting.runbookBaseURL = "docs/runbooks"
        return alerting
    }

    /// The demo sink verifies the signatures with this secret (Standard Webhooks format).
    public static let webhookSecret = "whsec_dHdpbndhdGNoLWRlbW8tc2VjcmV0LWtleQ=="
}
