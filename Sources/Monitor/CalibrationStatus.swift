/// Whether a model's drift alerts can fire: its active baseline's null calibration for the model
/// window (the aggregate), as the last evaluation found it.
public enum CalibrationStatus: Sendable, Equatable {
    case noBaseline
    /// The null calibration is being computed.
    case calibrating
    case calibrated(baselineID: Int64, windowSize: Int)
    /// The baseline is too small for a calibrated null: the model is not scored.
    case uncalibrated(String)

    public var name: String {
        switch self {
        case .noBaseline: "no_baseline"
        case .calibrating: "calibrating"
        case .calibrated: "calibrated"
        case .uncalibrated: "uncalibrated"
        }
    }
}
