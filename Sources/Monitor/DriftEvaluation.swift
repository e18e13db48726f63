import Alerting
import BaselineStore
import DriftEstimators

/// The result of evaluating one window against its model's active baseline.
public struct DriftEvaluation: Sendable {
    public let model: String
    public let cohort: String
    public let baselineID: Int64
    /// `combined_p` when the null is calibrated, else the raw estimator the threshold applies to.
    public let estimator: String
    /// The value the rule compared: the combined p-value, or the raw score.
    public let value: Double
    /// The level (p-value mode) or raw threshold the value was compared with.
    public let threshold: Double
    public let windowRows: Int
    public let atMs: Int64
    public let scores: DriftScores
    /// p-values, z and their combination; nil without a null.
    public let calibrated: CalibratedDrift?
    public let health: HealthSignals
    public let scoreShift: ScoreShift?
    /// Whether the rule's condition holds for this window.
    public let breached: Bool
    /// What the alert rule did with this evaluation.
    public let action: ThresholdAlertState.Action
}
