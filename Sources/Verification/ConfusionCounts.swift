/// The confusion matrix of a verification decision at one threshold (accept ⇔ score ≥ t; label 1 =
/// genuine): true/false accepts and rejects. Counts of disjoint sets of pairs add up (`+`).
///
/// A rate whose denominator is 0 is `nil` — FAR without impostors, FRR and recall without genuine
/// pairs, precision when nothing is accepted — never NaN, so that JSON and Prometheus writers
/// must say "undefined" explicitly (JSON `null`).
public struct ConfusionCounts: Sendable, Hashable, Codable {
    /// Genuine pairs accepted.
    public var tp: Int
    /// Genuine pairs rejected (false rejects).
    public var fn: Int
    /// Impostor pairs accepted (false accepts).
    public var fp: Int
    /// Impostor pairs rejected.
    public var tn: Int

    /// Counts as given.
    public init(tp: Int = 0, fn: Int = 0, fp: Int = 0, tn: Int = 0) {
        self.tp = tp
        self.fn = fn
        self.fp = fp
        self.tn = tn
    }

    /// All pairs counted.
    public var total: Int { tp + fn + fp + tn }
    /// Genuine pairs (label 1): TP + FN.
    public var genuine: Int { tp + fn }
    /// Impostor pairs (label 0): FP + TN.
    public var impostors: Int { fp + tn }
    /// Pairs accepted: TP + FP.
    public var accepted: Int { tp + fp }

    /// False accept rate FP / (FP + TN); nil without impostors.
    public var far: Double? { Self.ratio(fp, fp + tn) }
    /// False reject rate FN / (FN + TP); nil without genuine pairs.
    public var frr: Double? { Self.ratio(fn, fn + tp) }
    /// Recall (true accept rate) TP / (TP + FN) = 1 − FRR, as one division; nil without genuine pairs.
    public var recall: Double? { Self.ratio(tp, tp + fn) }
    /// Precision TP / (TP + FP); nil when nothing is accepted.
    public var precision: Double? { Self.ratio(tp, tp + fp) }
    /// F1 = 2TP / (2TP + FP + FN); nil when there are no genuine pairs and nothing is accepted.
    public var f1: Double? { Self.ratio(2 * tp, 2 * tp + fp + fn) }

    /// Business cost c_FA·FP + c_FR·FN.
    public func cost(falseAccept: Double, falseReject: Double) -> Double {
        falseAccept * Double(fp) + falseReject * Double(fn)
    }

    /// Counts one labelled score at `threshold`; a non-finite score is not counted (returns false),
    /// as `LabelledScores` leaves it out.
    @discardableResult
    public mutating func record(score: Double, genuine: Bool, threshold: Double) -> Bool {
        guard score.isFinite else { return false }
        let accept = score >= threshold
        switch (genuine, accept) {
        case (true, true): tp += 1
        case (true, false): fn += 1
        case (false, true): fp += 1
        case (false, false): tn += 1
        }
        return true
    }

    /// Counts of the union of two disjoint sets of pairs.
    public static func + (lhs: ConfusionCounts, rhs: ConfusionCounts) -> ConfusionCounts {
        ConfusionCounts(tp: lhs.tp + rhs.tp, fn: lhs.fn + rhs.fn, fp: lhs.fp + rhs.fp, tn: lhs.tn + rhs.tn)
    }

    /// Adds the counts of a disjoint set of pairs.
    public static func += (lhs: inout ConfusionCounts, rhs: ConfusionCounts) { lhs = lhs + rhs }

    /// Removes counts previously added (a sliding window's departing pairs).
    public static func - (lhs: ConfusionCounts, rhs: ConfusionCounts) -> ConfusionCounts {
        ConfusionCounts(tp: lhs.tp - rhs.tp, fn: lhs.fn - rhs.fn, fp: lhs.fp - rhs.fp, tn: lhs.tn - rhs.tn)
    }

    @inline(__always) static func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }
}
