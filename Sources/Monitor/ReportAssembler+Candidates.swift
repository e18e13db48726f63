import DriftEstimators
import Foundation
import Reports
import StateStore
import TwinwatchCore

extension ReportAssembler {
    /// Each candidate baseline against the active one, as the daemon would judge a window of it:
    /// the active baseline's stored null for the model aggregate at the largest window it was
    /// calibrated for (same estimators, B and split), scored on that many of the candidate's rows
    /// (evenly spaced). Without such a null: the estimators' scores on all rows, no p-values.
    /// Also each candidate's per-dimension W1 against the active baseline.
    func candidates(_ baselines: [ReportModel.Baseline], nowMs: Int64) async throws(StoreError) -> (drift: [ReportModel.CandidateDrift], dimensions: [ReportModel.DimensionW1]) {
        guard let active = baselines.first(where: { $0.status == .active }) else { return ([], []) }
        let candidates = baselines.filter { $0.status == .candidate && $0.d == active.d }
        guard !candidates.isEmpty else { return ([], []) }
        let activeRows = try await store.baseline(id: active.id).rows
        let nulls = try await store.nulls(baselineID: active.id).filter { $0.configuration.hasPrefix("cohort=\(WindowSettings.aggregateCohort);") }
        var drift: [ReportModel.CandidateDrift] = []
        var dimensions: [ReportModel.DimensionW1] = []
        for candidate in candidates {
            let rows = try await store.baseline(id: candidate.id).rows
            let null = nulls.filter { $0.windowSize <= rows.rows }.max { $0.windowSize < $1.windowSize }
            let calibrated = null.flatMap { Self.configuration(matching: $0) }
            let result: (scores: DriftScores, assessed: CalibratedDrift?)? = try? await offload {
                if let null, let configuration = calibrated {
                    let m = null.windowSize
                    let reference = try BaselineSplit(activeRows, windowSize: m, seed: BaselineRegistry.splitSeed).reference
                    let window = rows.selectingRows((0..<m).map { $0 * rows.rows / m })
                    let scores = try BaselineSummary(baseline: reference, configuration: configuration).evaluate(window)
                    return (scores, null.calibration.assess(scores))
                }
                let configuration = DriftSettings().estimatorConfiguration
                return (try BaselineSummary(baseline: activeRows, configuration: configuration).evaluate(rows), nil)
            }
            guard let result else { continue }
            let estimators = result.scores.estimatorsPresent.compactMap { kind -> ReportModel.EstimatorResult? in
                result.scores.primaryScore(kind).map { ReportModel.EstimatorResult(name: kind.rawValue, score: $0, pValue: result.assessed?.pValues[kind]) }
            }
            drift.append(ReportModel.CandidateDrift(candidateId: candidate.id, activeId: active.id, estimators: estimators,
                                                    combinedP: result.assessed?.combinedP))
            if let w1 = result.scores.w1 {
                dimensions.append(ReportModel.DimensionW1(cohort: "candidate \(candidate.id) vs active \(active.id)", timeMs: nowMs,
                                                          w1: w1.normalized.isEmpty ? w1.vector : w1.normalized, normalized: !w1.normalized.isEmpty))
            }
        }
        return (drift, dimensions)
    }

    /// The label of the model aggregate's null for `configuration` and B (as the daemon stores it).
    public static func nullLabel(configuration: DriftConfiguration, resamples: Int) -> String {
        BaselineRegistry.nullLabel(cohort: WindowSettings.aggregateCohort, configuration: configuration, resamples: resamples)
    }

    /// The estimator parameters a stored null was calibrated with, when they are the daemon's for
    /// its estimator list (checked by rebuilding its label); nil otherwise.
    static func configuration(matching null: StoredNull) -> DriftConfiguration? {
        let fields = Dictionary(null.configuration.split(separator: ";").compactMap { part -> (String, String)? in
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            return kv.count == 2 ? (kv[0], kv[1]) : nil
        }, uniquingKeysWith: { a, _ in a })
        guard let list = fields["estimators"], let b = fields["B"].flatMap(Int.init) else { return nil }
        let kinds = list.split(separator: ",").compactMap { DriftEstimatorKind(rawValue: String($0)) }
        let configuration = DriftSettings(estimators: kinds).estimatorConfiguration
        let label = BaselineRegistry.nullLabel(cohort: WindowSettings.aggregateCohort, configuration: configuration, resamples: b)
        return label == null.configuration ? configuration : nil
    }
}
