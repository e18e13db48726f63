import TwinwatchCore

/// A threshold chosen by a `ThresholdCalibrator`, with what it achieves on the data it was chosen on.
///
/// `threshold` is an observed score, or +∞ for "accept nothing" — what a target that no observed
/// score reaches gets (`reachable == false`; its counts are those of accepting nothing, FAR 0 and
/// TPR 0, as sklearn's first ROC point). Writers show +∞ as JSON `null` with `"reachable": false`.
public struct CalibratedThreshold: Sendable, Equatable {
    /// The rule that chose it.
    public let calibrator: ThresholdCalibrator
    /// Accept ⇔ score ≥ threshold; +∞ accepts nothing.
    public let threshold: Double
    /// False when the calibrator's target is met by no observed score (then `threshold` is +∞).
    public let reachable: Bool
    /// The confusion counts at `threshold`.
    public let counts: ConfusionCounts

    /// A calibration result as given.
    public init(calibrator: ThresholdCalibrator, threshold: Double, reachable: Bool, counts: ConfusionCounts) {
        self.calibrator = calibrator
        self.threshold = threshold
        self.reachable = reachable
        self.counts = counts
    }

    /// Whether the threshold accepts nothing (+∞).
    public var acceptsNothing: Bool { threshold == .infinity }
    /// Achieved FAR; nil without impostors.
    public var far: Double? { counts.far }
    /// Achieved FRR; nil without genuine pairs.
    public var frr: Double? { counts.frr }
    /// Achieved TPR (recall); nil without genuine pairs.
    public var tpr: Double? { counts.recall }
    /// Achieved precision; nil when nothing is accepted.
    public var precision: Double? { counts.precision }
}
