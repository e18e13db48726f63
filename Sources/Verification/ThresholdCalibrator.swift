import TwinwatchCore

extension ThresholdCalibrator {
    /// The calibrated threshold on `scores`; nil when undefined for these data or `!isValid`.
    public func calibrate(_ scores: LabelledScores) -> CalibratedThreshold? { calibrate(ROCCurve(scores)) }

    /// The calibrated threshold on a curve already built; nil when undefined or `!isValid`.
    public func calibrate(_ curve: ROCCurve) -> CalibratedThreshold? {
        guard isValid, let (index, reachable) = choose(curve) else { return nil }
        return CalibratedThreshold(calibrator: self, threshold: curve.thresholds[index], reachable: reachable,
                                   counts: curve.counts(at: index))
    }

    /// The chosen ROC point and whether it meets the target.
    private func choose(_ curve: ROCCurve) -> (Int, Bool)? {
        let n = curve.positives + curve.negatives
        switch self {
        case .targetFAR(let target):
            return curve.index(atFAR: target).map { ($0, $0 > 0) }
        case .targetPrecision(let target):
            guard n > 0 else { return nil }
            // Precision is not monotone in the threshold: scan every point.
            var chosen = 0
            for i in 1..<curve.count where Double(curve.truePositives[i]) / Double(curve.truePositives[i] + curve.falsePositives[i]) >= target {
                chosen = i
            }
            return (chosen, chosen > 0)
        case .eer:
            return curve.equalErrorRate.map { ($0.index, true) }
        case .f1:
            guard curve.positives > 0 else { return nil }
            // Compared as exact fractions (cross-multiplied in 128 bits): ties are real ties.
            var best = 0
            for i in 1..<curve.count where Self.f1Greater(curve, i, than: best) { best = i }
            return (best, true)
        case let .cost(falseAccept, falseReject):
            guard n > 0 else { return nil }
            var best = 0, bestCost = Double.infinity
            for i in 0..<curve.count {
                let c = falseAccept * Double(curve.falsePositives[i]) + falseReject * Double(curve.positives - curve.truePositives[i])
                if c < bestCost {
                    bestCost = c
                    best = i
                }
            }
            return (best, true)
        }
    }

    /// F1 at point i > F1 at point j, with F1 = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P).
    private static func f1Greater(_ curve: ROCCurve, _ i: Int, than j: Int) -> Bool {
        let p = curve.positives
        let (ni, di) = (2 * curve.truePositives[i], curve.truePositives[i] + curve.falsePositives[i] + p)
        let (nj, dj) = (2 * curve.truePositives[j], curve.truePositives[j] + curve.falsePositives[j] + p)
        let lhs = ni.multipliedFullWidth(by: dj), rhs = nj.multipliedFullWidth(by: di)
        return lhs.high > rhs.high || (lhs.high == rhs.high && lhs.low > rhs.low)
    }
}
