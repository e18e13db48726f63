/// The equal error rate of a ROC curve (DESIGN §6), as golden/tools/ref.py defines it:
/// - `rate`: linear interpolation of FNR − FPR between the two consecutive ROC points where it
///   changes sign (the first point with FNR ≤ FPR and the one before); the common
///   `brentq(1 − x − interp1d(fpr, tpr)(x))` recipe gives the same number;
/// - `index`: the first point minimising |FNR − FPR|; `nearestRate` = (FPR + FNR) / 2 there, and
///   `threshold` its threshold (an observed score, or +∞ only in degenerate curves).
public struct EqualErrorRate: Sendable, Equatable {
    /// EER by linear interpolation (golden `eer_interp`).
    public let rate: Double
    /// (FPR + FNR) / 2 at the nearest point (golden `eer_index`).
    public let nearestRate: Double
    /// Threshold of the nearest point (golden `eer_threshold`).
    public let threshold: Double
    /// The nearest point's index in the curve.
    public let index: Int

    /// The EER of `curve`; nil unless it has genuine and impostor pairs.
    public init?(_ curve: ROCCurve) {
        guard curve.positives > 0, curve.negatives > 0 else { return nil }
        // FNR − FPR starts at 1 (accept nothing) and ends at −1 (accept all), non-increasing.
        var crossing = -1
        var nearest = 0, nearestGap = Double.infinity
        for i in 0..<curve.count {
            let diff = curve.fnr(i) - curve.fpr(i)
            if crossing < 0 && diff <= 0 { crossing = i }
            if abs(diff) < nearestGap {
                nearestGap = abs(diff)
                nearest = i
            }
        }
        if crossing <= 0 {
            rate = curve.fpr(0)  // cannot happen with both classes (diff[0] = 1), kept as ref.py has it
        } else {
            let d0 = curve.fnr(crossing - 1) - curve.fpr(crossing - 1), d1 = curve.fnr(crossing) - curve.fpr(crossing)
            let w = d0 / (d0 - d1)
            rate = curve.fpr(crossing - 1) + w * (curve.fpr(crossing) - curve.fpr(crossing - 1))
        }
        index = nearest
        nearestRate = (curve.fpr(nearest) + curve.fnr(nearest)) / 2
        threshold = curve.thresholds[nearest]
    }
}
