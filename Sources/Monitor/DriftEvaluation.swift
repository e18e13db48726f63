import Alerting

/// The result of evaluating one model's window against its baseline.
public struct DriftEvaluation: Sendable {
    public let model: String
    public let cohort: String
    public let estimator: String
    public let value: Double
    public let threshold: Double
    public let windowRows: Int
    public let atMs: Int64
    /// What the alert rule did with this value.
    public let action: ThresholdAlertState.Action
}
