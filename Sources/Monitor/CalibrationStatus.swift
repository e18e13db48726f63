/// Whether a model's drift alerts can fire: its active baseline's null calibration for the model
/// window (the aggregate), as the last evaluation found it.
public enum CalibrationStatus: Sendable, Equatable {
    case noBaseline
    /// The null calibration is being computed.
    case calibrating
    case calibrated(baselineID: Int64, windowSize: Int)
    /// The baseline is too small for a calibrated null: the model is not scored.
    case uncalibrated(String)
    /// The model-wide window cannot be composed faithfully here (only some of the events topic's
    /// partitions are owned by this instance, or the events carry no event times to order the
    /// cohorts' rows by): it is not scored, so no mix the baseline never had is called drift. Its
    /// cohorts are scored.
    case aggregateNotScored(String)

    public var name: String {
        switch self {
        case .noBaseline: "no_baseline"
        case .calibrating: "calibrating"
        case .calibrated: "calibrated"
        case .uncalibrated: "uncalibrated"
        case .aggregateNotScored: "aggregate_not_scored"
        }
    }
}
