import Foundation
import Reports
import StateStore
import TwinwatchCore

/// Gathers what a model's report shows from the store: baselines, the evaluation history (drift,
/// health, verification, alert transitions) and the threshold history of a period. Shared by
/// `twinwatch report`, `GET /reports/{model}` and the demo.
public struct ReportAssembler: Sendable {
    public let store: TwinwatchStore
    /// The drift rules' level (p_value_below of the combined drift rule) and the FAR target.
    public let level: Double?
    public let targetFAR: Double?

    public init(store: TwinwatchStore, level: Double?, targetFAR: Double?) {
        self.store = store
        self.level = level
        self.targetFAR = targetFAR
    }

    /// Level and FAR target as a configuration sets them: the combined drift rule's p-value level,
    /// the adaptive calibrator's target FAR.
    public init(store: TwinwatchStore, config: TwinwatchConfig) {
        let level = config.alerting.rules.lazy.compactMap { rule -> Double? in
            guard rule.signal == .driftCombined, case .pValueBelow(let x) = rule.condition else { return nil }
            return x
        }.first
        var target: Double?
        if case .targetFAR(let f) = config.verification.adaptive.calibrator { target = f }
        self.init(store: store, level: level, targetFAR: target)
    }

    /// `model`'s report over `fromMs…toMs` (nil: all history kept).
    public func report(model: String, fromMs: Int64? = nil, toMs: Int64? = nil, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws(StoreError) -> ReportModel {
        let history = try await store.history(model: model, fromMs: fromMs ?? .min, toMs: toMs ?? .max)
        var drift: [String: [(Int64, HistoryValues)]] = [:]
        var verification: [String: HistoryValues] = [:]
        var alerts: [ReportModel.AlertMarker] = []
        for record in history {
            switch record.kind {
            case .drift:
                if let v = record.values { drift[record.cohort, default: []].append((record.atMs, v)) }
            case .verification:
                if let v = record.values { verification[record.cohort] = v }  // oldest first: the last is the latest
            case .alert:
                guard let json = record.json, let rule = json["rule"] as? String,
                      let state = (json["state"] as? String).flatMap(ReportModel.AlertMarker.State.init(rawValue:)) else { continue }
                alerts.append(ReportModel.AlertMarker(timeMs: record.atMs, rule: rule, severity: json["severity"] as? String ?? "",
                                                      state: state, cohort: record.cohort.isEmpty ? nil : record.cohort))
            }
        }
        let cohorts = drift.keys.sorted()
        return ReportModel(
            model: model, generatedAtMs: nowMs, timeFromMs: fromMs, timeToMs: toMs, level: level, targetFar: targetFAR,
            baselines: try await baselines(model: model),
            drift: cohorts.map { Self.driftSeries($0, drift[$0]!) }, alerts: alerts,
            health: cohorts.map { Self.healthSeries($0, drift[$0]!) },
            verification: verification.keys.sorted().map { Self.cohortVerification($0, verification[$0]!) },
            thresholdHistory: try await thresholdChanges(model: model, fromMs: fromMs, toMs: toMs))
    }

    private func baselines(model: String) async throws(StoreError) -> [ReportModel.Baseline] {
        let order: [BaselineStatus: Int] = [.active: 0, .candidate: 1, .retired: 2]
        return try await store.baselines(model: model).sorted { (order[$0.status] ?? 3, -$0.id) < (order[$1.status] ?? 3, -$1.id) }.map { b in
            ReportModel.Baseline(id: b.id, version: b.version, status: ReportModel.Baseline.Status(rawValue: b.status.rawValue) ?? .retired,
                                 source: b.source, modelVersion: b.modelVersion, createdAtMs: RFC3339.millis(b.createdAt), createdBy: b.createdBy,
                                 timeFromMs: b.timeFrom.flatMap(RFC3339.millis), timeToMs: b.timeTo.flatMap(RFC3339.millis), n: b.n, d: b.d)
        }
    }

    private func thresholdChanges(model: String, fromMs: Int64?, toMs: Int64?) async throws(StoreError) -> [ReportModel.ThresholdChange] {
        try await store.thresholdHistory(model: model, limit: 10_000).reversed().compactMap { r in
            guard let at = RFC3339.millis(r.createdAt), at >= (fromMs ?? .min), at <= (toMs ?? .max) else { return nil }
            return ReportModel.ThresholdChange(timeMs: at, cohort: r.cohort, from: r.previous, to: r.threshold, version: r.version,
                                               status: r.status == .applied ? .applied : .proposed, method: r.method, reason: r.reason)
        }
    }

    static func driftSeries(_ cohort: String, _ rows: [(Int64, HistoryValues)]) -> ReportModel.DriftSeries {
        let estimators = HistoryValues.Field.estimators.filter { kind in rows.contains { $0.1[.score(kind)] != nil } }
        return ReportModel.DriftSeries(
            cohort: cohort, timesMs: rows.map(\.0),
            estimators: estimators.map { kind in
                ReportModel.EstimatorSeries(name: kind.rawValue, scores: rows.map { $0.1[.score(kind)] ?? .nan },
                                            pValues: rows.map { $0.1[.pValue(kind)] ?? .nan })
            },
            combinedP: rows.map { $0.1[.combinedP] ?? .nan })
    }

    static func healthSeries(_ cohort: String, _ rows: [(Int64, HistoryValues)]) -> ReportModel.HealthSeries {
        ReportModel.HealthSeries(cohort: cohort, timesMs: rows.map(\.0), totalVariance: rows.map { $0.1[.totalVariance] ?? .nan },
                                 effectiveRank: rows.map { $0.1[.effectiveRank] ?? .nan },
                                 meanSimilarity: rows.map { $0.1[.meanPairwiseCosine] ?? .nan })
    }

    static func cohortVerification(_ cohort: String, _ v: HistoryValues) -> ReportModel.CohortVerification {
        func rate(_ r: HistoryValues.Field.Rate) -> ReportModel.Rate? {
            guard let value = v[.rate(r)] else { return nil }
            return ReportModel.Rate(value: value, lower: v[.rateLower(r)] ?? value, upper: v[.rateUpper(r)] ?? value)
        }
        let counts = ReportModel.Counts(tp: Int(v[.tp] ?? 0), fn: Int(v[.fn] ?? 0), fp: Int(v[.fp] ?? 0), tn: Int(v[.tn] ?? 0))
        return ReportModel.CohortVerification(cohort: cohort, threshold: v[.threshold], counts: counts, far: rate(.far), frr: rate(.frr),
                                              recall: rate(.recall), precision: rate(.precision), eer: v[.eer], eerThreshold: v[.eerThreshold])
    }
}
