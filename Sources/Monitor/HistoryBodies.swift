import Foundation
import StateStore

/// The compact JSON of the evaluation history's rows (reports read them back). Non-finite values
/// are left out (JSON has no NaN); numbers keep 7 significant digits. A drift row is ~400 bytes.
enum HistoryJSON {
    static func encode(_ object: [String: Any]) -> String {
        // Only strings, integers, finite doubles, arrays and objects of them: cannot fail.
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func rounded(_ values: [String: Double]) -> [String: Double] {
        values.compactMapValues { $0.isFinite ? rounded($0) : nil }
    }

    static func rounded(_ value: Double) -> Double {
        guard value != 0, value.isFinite else { return value }
        let scale = pow(10, 6 - floor(log10(abs(value))))
        return (value * scale).rounded() / scale
    }
}

extension DriftEvaluation {
    /// `{"baseline", "rows", "score": {estimator: …}, "p": {…}, "z": {…}, "combined_p", "health": {…}, "score_shift"}`.
    var historyRecord: HistoryRecord {
        var score: [String: Double] = [:]
        for kind in scores.estimatorsPresent { score[kind.rawValue] = scores.primaryScore(kind) }
        var body: [String: Any] = [
            "baseline": baselineID, "rows": windowRows,
            "score": HistoryJSON.rounded(score),
            "p": HistoryJSON.rounded(Dictionary(uniqueKeysWithValues: calibrated.pValues.map { ($0.key.rawValue, $0.value) })),
            "z": HistoryJSON.rounded(Dictionary(uniqueKeysWithValues: calibrated.z.map { ($0.key.rawValue, $0.value) })),
            "health": HistoryJSON.rounded(["total_variance": health.totalVariance, "effective_rank": health.effectiveRank,
                                           "mean_pairwise_cosine": health.meanPairwiseCosine]),
        ]
        if combinedP.isFinite { body["combined_p"] = HistoryJSON.rounded(combinedP) }
        if let shift = scoreShift, shift.relativeChange.isFinite { body["score_shift"] = HistoryJSON.rounded(shift.relativeChange) }
        return HistoryRecord(model: model, cohort: cohort, kind: .drift, atMs: atMs, body: HistoryJSON.encode(body))
    }
}

extension VerificationSnapshot {
    /// `{"threshold", "tp", "fn", "fp", "tn", "far": [value, lower, upper], …, "eer", "eer_threshold"}`.
    func historyRecord(atMs: Int64) -> HistoryRecord {
        var body: [String: Any] = ["tp": counts.tp, "fn": counts.fn, "fp": counts.fp, "tn": counts.tn]
        if let threshold { body["threshold"] = threshold }
        for (name, value, interval) in [("far", counts.far, far), ("frr", counts.frr, frr), ("recall", counts.recall, recall),
                                         ("precision", counts.precision, precision)] {
            guard let value, value.isFinite else { continue }
            body[name] = [value, interval?.lower, interval?.upper].compactMap { $0 }.map(HistoryJSON.rounded)
        }
        if let eer, eer.rate.isFinite {
            body["eer"] = HistoryJSON.rounded(eer.rate)
            body["eer_threshold"] = eer.threshold
        }
        return HistoryRecord(model: model, cohort: cohort, kind: .verification, atMs: atMs, body: HistoryJSON.encode(body))
    }
}
