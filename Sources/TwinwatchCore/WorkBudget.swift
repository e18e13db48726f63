/// How long an evaluation or a null calibration may run before it is reported as overrunning
/// (`evaluation.budget_factor`, `evaluation.budget_minimum`): a floor, plus a factor times the
/// duration predicted from its size (`DriftEstimators.WorkEstimate`).
public struct WorkBudget: Sendable, Equatable {
    public var factor: Double
    public var minimum: Duration

    public init(factor: Double, minimum: Duration) {
        self.factor = factor
        self.minimum = minimum
    }

    /// The budget of a computation predicted to take `seconds`.
    public func budget(predicted seconds: Double) -> Duration {
        minimum + .seconds(Swift.min(factor * seconds, 1e9))
    }
}
