import StateStore
import TwinwatchCore

extension DriftEvaluation {
    /// The evaluation as the history keeps it: baseline, rows, each estimator's score, p-value
    /// and z, the combined p-value, health and the similarity-score shift (`HistoryValues`).
    var historyRecord: HistoryRecord {
        var v = HistoryValues([.baseline: Double(baselineID), .rows: Double(windowRows), .combinedP: combinedP,
                               .totalVariance: health.totalVariance, .effectiveRank: health.effectiveRank,
                               .meanPairwiseCosine: health.meanPairwiseCosine])
        for kind in scores.estimatorsPresent { v[.score(kind)] = scores.primaryScore(kind) }
        for (kind, p) in calibrated.pValues { v[.pValue(kind)] = p }
        for (kind, z) in calibrated.z { v[.z(kind)] = z }
        v[.scoreShift] = scoreShift?.relativeChange
        return HistoryRecord(model: model, cohort: cohort, kind: .drift, atMs: atMs, values: v)
    }
}

extension VerificationSnapshot {
    /// The snapshot as the history keeps it: threshold, counts, rates with their intervals, EER.
    func historyRecord(atMs: Int64) -> HistoryRecord {
        var v = HistoryValues([.tp: Double(counts.tp), .fn: Double(counts.fn), .fp: Double(counts.fp), .tn: Double(counts.tn)])
        v[.threshold] = threshold
        for (rate, value, interval) in [(HistoryValues.Field.Rate.far, counts.far, far), (.frr, counts.frr, frr), (.recall, counts.recall, recall),
                                        (.precision, counts.precision, precision)] {
            v[.rate(rate)] = value
            v[.rateLower(rate)] = interval?.lower
            v[.rateUpper(rate)] = interval?.upper
        }
        v[.eer] = eer?.rate
        v[.eerThreshold] = eer?.threshold
        return HistoryRecord(model: model, cohort: cohort, kind: .verification, atMs: atMs, values: v)
    }
}
