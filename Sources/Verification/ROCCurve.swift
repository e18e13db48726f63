/// The ROC curve of labelled scores with scikit-learn's `roc_curve(drop_intermediate=False)`
/// semantics: point 0 is threshold +∞ (accept nothing), then one point per distinct score,
/// highest first, each counting the pairs with score ≥ that threshold. The last point accepts all.
///
/// Rates are computed exactly as sklearn does (FPR = FP / negatives, TPR = TP / positives,
/// FNR = 1 − TPR, in Double), so that EER and thresholds agree with it to the last bit.
public struct ROCCurve: Sendable, Equatable {
    /// Thresholds, descending: +∞, then every distinct score.
    public let thresholds: [Double]
    /// Genuine pairs accepted at each point (cumulative, non-decreasing).
    public let truePositives: [Int]
    /// Impostor pairs accepted at each point (cumulative, non-decreasing).
    public let falsePositives: [Int]
    /// Genuine pairs in all.
    public let positives: Int
    /// Impostor pairs in all.
    public let negatives: Int

    /// The curve of sorted scores: one linear scan.
    public init(_ scores: LabelledScores) {
        var thresholds = [Double.infinity], tps = [0], fps = [0]
        let n = scores.count
        thresholds.reserveCapacity(n + 1)
        tps.reserveCapacity(n + 1)
        fps.reserveCapacity(n + 1)
        var tp = 0, fp = 0
        scores.scores.withUnsafeBufferPointer { s in
            scores.genuine.withUnsafeBufferPointer { g in
                for i in 0..<n {
                    if g[i] { tp += 1 } else { fp += 1 }
                    if i == n - 1 || s[i + 1] != s[i] {
                        thresholds.append(s[i])
                        tps.append(tp)
                        fps.append(fp)
                    }
                }
            }
        }
        self.thresholds = thresholds
        truePositives = tps
        falsePositives = fps
        positives = scores.positives
        negatives = scores.negatives
    }

    /// Number of points (distinct scores + 1).
    public var count: Int { thresholds.count }

    /// FPR (= FAR) at point `i`; nil without impostors.
    public func falsePositiveRate(at i: Int) -> Double? { negatives == 0 ? nil : fpr(i) }
    /// TPR (= recall) at point `i`; nil without genuine pairs.
    public func truePositiveRate(at i: Int) -> Double? { positives == 0 ? nil : tpr(i) }

    /// The confusion counts at point `i`.
    public func counts(at i: Int) -> ConfusionCounts {
        ConfusionCounts(tp: truePositives[i], fn: positives - truePositives[i], fp: falsePositives[i], tn: negatives - falsePositives[i])
    }

    /// The point whose accepted set is the scores ≥ `threshold` (0 when none is, e.g. NaN or +∞).
    public func index(atThreshold threshold: Double) -> Int {
        var lo = 1, hi = thresholds.count  // thresholds[1..<lo] ≥ threshold, thresholds[hi...] are not
        while lo < hi {
            let mid = (lo + hi) / 2
            if thresholds[mid] >= threshold { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// The confusion counts at any threshold (accept ⇔ score ≥ threshold), in O(log n).
    public func counts(atThreshold threshold: Double) -> ConfusionCounts { counts(at: index(atThreshold: threshold)) }

    /// The last point with FAR ≤ `target`: the smallest observed score whose FAR meets the target
    /// (most genuine pairs accepted). 0 (threshold +∞, accept nothing) when no observed score
    /// meets it; nil without impostors (FAR undefined) or for a NaN target.
    public func index(atFAR target: Double) -> Int? {
        guard negatives > 0, !target.isNaN else { return nil }
        // FPR is non-decreasing in the index: binary search for the last fpr ≤ target.
        var lo = 1, hi = thresholds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if fpr(mid) <= target { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// At most about `maxPoints` points of the curve for a plot, evenly spread along it: a point is
    /// kept when it lies ≥ 2 / `maxPoints` (|ΔFPR| + |ΔTPR|) from the last kept one; the first and
    /// last points are always kept. nil unless both classes are present.
    public func points(maxPoints: Int = 100) -> (fpr: [Double], tpr: [Double])? {
        guard positives > 0, negatives > 0 else { return nil }
        let step = 2 / Double(max(maxPoints, 2))
        var fprs = [fpr(0)], tprs = [tpr(0)]
        for i in 1..<count {
            let (x, y) = (fpr(i), tpr(i))
            guard i == count - 1 || abs(x - fprs.last!) + abs(y - tprs.last!) >= step else { continue }
            fprs.append(x)
            tprs.append(y)
        }
        return (fprs, tprs)
    }

    /// The equal error rate; nil unless there are genuine and impostor pairs.
    public var equalErrorRate: EqualErrorRate? { EqualErrorRate(self) }

    @inline(__always) func fpr(_ i: Int) -> Double { Double(falsePositives[i]) / Double(negatives) }
    @inline(__always) func tpr(_ i: Int) -> Double { Double(truePositives[i]) / Double(positives) }
    @inline(__always) func fnr(_ i: Int) -> Double { 1 - tpr(i) }
}
