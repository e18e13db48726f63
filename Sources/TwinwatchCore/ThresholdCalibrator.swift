/// How to choose a decision threshold from labelled scores (DESIGN §6). Every calibrator returns
/// an observed score (or +∞, accept nothing) and what it achieves; one sort (`LabelledScores`),
/// then linear scans of the ROC points — O(n log n) at most.
///
/// Candidates are the ROC points: +∞ and each distinct score. Ties between candidates go to the
/// higher threshold (fewer false accepts) unless the rule says otherwise.
public enum ThresholdCalibrator: Sendable, Hashable {
    /// The smallest observed score with FAR ≤ target (most genuine accepted under the FAR budget).
    /// None → +∞ with `reachable == false`. Undefined (nil) without impostors.
    case targetFAR(Double)
    /// The smallest observed score with precision ≥ target (highest recall at that precision).
    /// None → +∞ with `reachable == false`. Undefined (nil) without scores.
    case targetPrecision(Double)
    /// The EER point's threshold: the first point minimising |FNR − FPR| (golden `eer_threshold`).
    /// Undefined (nil) unless both classes are present.
    case eer
    /// The threshold maximising F1 = 2TP / (2TP + FP + FN). Undefined (nil) without genuine pairs.
    case f1
    /// The threshold minimising falseAccept·FP + falseReject·FN (costs ≥ 0). Undefined (nil) without scores.
    case cost(falseAccept: Double, falseReject: Double)

    /// Whether the parameters are meaningful: targets in [0, 1], costs finite and ≥ 0.
    public var isValid: Bool {
        switch self {
        case .targetFAR(let t), .targetPrecision(let t): (0...1).contains(t)
        case .eer, .f1: true
        case let .cost(fa, fr): fa.isFinite && fr.isFinite && fa >= 0 && fr >= 0
        }
    }

    /// The configuration's spelling: `target_far:0.001`, `target_precision:0.99`, `eer`, `f1`,
    /// `cost:FA:FR` (false-accept and false-reject costs).
    public var name: String {
        switch self {
        case .targetFAR(let t): "target_far:\(t)"
        case .targetPrecision(let t): "target_precision:\(t)"
        case .eer: "eer"
        case .f1: "f1"
        case let .cost(fa, fr): "cost:\(fa):\(fr)"
        }
    }

    /// Parses `name`'s spelling; nil when malformed or not `isValid`.
    public init?(name: String) {
        let parts = name.split(separator: ":").map(String.init)
        let numbers = parts.dropFirst().compactMap(Double.init)
        guard numbers.count == parts.count - 1 else { return nil }
        switch (parts.first, numbers.count) {
        case ("target_far", 1): self = .targetFAR(numbers[0])
        case ("target_precision", 1): self = .targetPrecision(numbers[0])
        case ("eer", 0): self = .eer
        case ("f1", 0): self = .f1
        case ("cost", 2): self = .cost(falseAccept: numbers[0], falseReject: numbers[1])
        default: return nil
        }
        guard isValid else { return nil }
    }
}
