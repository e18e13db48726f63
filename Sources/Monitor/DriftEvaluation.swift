import Alerting
import StateStore
import DriftEstimators

/// The result of evaluating one window against its model's active baseline.
public struct DriftEvaluation: Sendable {
    public let model: String
    public let cohort: String
    public let baselineID: Int64
    /// Always `combined_p` (there is no raw-threshold mode since 0.4.0).
    public let estimator: String
    /// The value the rule compared: the combined (max-z) p-value.
    public let value: Double
    /// The level the value was compared with (`drift.level`).
    public let threshold: Double
    public let windowRows: Int
    public let atMs: Int64
    public let scores: DriftScores
    /// p-values, z and their combination.
    public let calibrated: CalibratedDrift
    public let health: HealthSignals
    public let scoreShift: ScoreShift?
    /// Whether the rule's condition holds for this window.
    public let breached: Bool
    /// What the alert rule did with this evaluation.
    public let action: ThresholdAlertState.Action
}
