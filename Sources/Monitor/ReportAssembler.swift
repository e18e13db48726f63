import DriftEstimators
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
        var target: Double?
        if case .targetFAR(let f) = config.verification.adaptive.calibrator { target = f }
        self.init(store: store, level: config.combinedDriftLevel, targetFAR: target)
    }

    /// A report period's bound: RFC 3339, or a duration (`7d`, `12h`) back from `nowMs`; nil when
    /// `text` is neither.
    public static func instant(_ text: String, nowMs: Int64) -> Int64? {
        RFC3339.millis(text) ?? DurationParser.parse(text).map { nowMs - $0.milliseconds }
    }

    /// `model`'s report over `fromMs…toMs` (nil: all history kept); with `baselineID`, of that
    /// baseline (and the active one it would replace) only.
    public func report(model: String, baselineID: Int64? = nil, fromMs: Int64? = nil, toMs: Int64? = nil,
                       nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws(StoreError) -> ReportModel {
        let columns = HistoryColumns()
        try await store.scanHistory(model: model, kind: .drift, fromMs: fromMs ?? .min, toMs: toMs ?? .max) { cohort, at, body in
            columns.append(cohort: cohort, atMs: at, body: body)
        }
        let history = try await store.history(model: model, kinds: [.alert], fromMs: fromMs ?? .min, toMs: toMs ?? .max)
        var verification: [String: HistoryValues] = [:]
        for record in try await store.latestHistory(model: model, kind: .verification, fromMs: fromMs ?? .min, toMs: toMs ?? .max) {
            verification[record.cohort] = record.values
        }
        var alerts: [ReportModel.AlertMarker] = []
        for record in history where record.kind == .alert {
            guard let json = record.json, let rule = json["rule"] as? String,
                  let state = (json["state"] as? String).flatMap(ReportModel.AlertMarker.State.init(rawValue:)) else { continue }
            alerts.append(ReportModel.AlertMarker(timeMs: record.atMs, rule: rule, severity: json["severity"] as? String ?? "",
                                                  state: state, cohort: record.cohort.isEmpty ? nil : record.cohort))
        }
        let profiles = try await store.latestHistory(model: model, kind: .driftProfile, fromMs: fromMs ?? .min, toMs: toMs ?? .max)
            .compactMap { record in StoredDriftProfile(record).map { (record, $0) } }
        var rocs: [String: StoredROC] = [:]
        for record in try await store.latestHistory(model: model, kind: .roc, fromMs: fromMs ?? .min, toMs: toMs ?? .max) {
            rocs[record.cohort] = StoredROC(record)
        }
        let drift = columns.cohorts
        let cohorts = drift.keys.sorted()
        var baselines = try await baselines(model: model)
        if let baselineID {
            guard baselines.contains(where: { $0.id == baselineID }) else { throw StoreError(.notFound, "baseline \(baselineID) of model \(model) not found") }
            baselines = baselines.filter { $0.id == baselineID || $0.status == .active }
        }
        let candidates = try await candidates(baselines, nowMs: nowMs)
        let baselineHealth = Dictionary(profiles.map { ($0.0.cohort, $0.1.baselineHealth) }) { a, _ in a }
        return ReportModel(
            model: model, generatedAtMs: nowMs, timeFromMs: fromMs, timeToMs: toMs, level: level, targetFar: targetFAR,
            baselines: baselines, candidateDrift: candidates.drift,
            drift: cohorts.map { Self.driftSeries($0, drift[$0]!) }, alerts: alerts,
            dimensionW1: profiles.map { record, stored in
                ReportModel.DimensionW1(cohort: record.cohort, timeMs: record.atMs, w1: stored.profile.dimensionW1, normalized: stored.profile.normalized)
            } + candidates.dimensions,
            projections: profiles.flatMap { record, stored in Self.histograms(record.cohort, stored.profile) },
            health: cohorts.map { Self.healthSeries($0, drift[$0]!, baseline: baselineHealth[$0]) },
            verification: verification.keys.sorted().map { Self.cohortVerification($0, verification[$0]!, roc: rocs[$0]) },
            thresholdHistory: try await thresholdChanges(model: model, fromMs: fromMs, toMs: toMs))
    }

    /// How many of a profile's dimension and projection histograms a report shows per cohort.
    static let histogramsPerKind = 2

    /// A cohort's most drifted dimensions, then its most drifted projections.
    static func histograms(_ cohort: String, _ profile: DriftProfile) -> [ReportModel.ProjectionHistogram] {
        let dimensions = profile.histograms.filter { $0.label.hasPrefix("dimension") }.prefix(histogramsPerKind)
        let projections = profile.histograms.filter { $0.label.hasPrefix("projection") }.prefix(histogramsPerKind)
        return (dimensions + projections).map { h in
            ReportModel.ProjectionHistogram(cohort: cohort, label: h.label, binEdges: h.edges, baseline: h.baseline, current: h.current, score: h.w1)
        }
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

    static func driftSeries(_ cohort: String, _ c: HistoryColumns.Cohort) -> ReportModel.DriftSeries {
        let estimators = HistoryValues.Field.estimators.filter { c.column(.score($0)) != nil }
        return ReportModel.DriftSeries(
            cohort: cohort, timesMs: c.times,
            estimators: estimators.map { kind in
                ReportModel.EstimatorSeries(name: kind.rawValue, scores: c.column(.score(kind)) ?? [], pValues: c.column(.pValue(kind)) ?? [])
            },
            combinedP: c.column(.combinedP) ?? [])
    }

    static func healthSeries(_ cohort: String, _ c: HistoryColumns.Cohort, baseline: ReportModel.HealthReference?) -> ReportModel.HealthSeries {
        let nan = [Double](repeating: .nan, count: c.times.count)
        return ReportModel.HealthSeries(cohort: cohort, timesMs: c.times, totalVariance: c.column(.totalVariance) ?? nan,
                                        effectiveRank: c.column(.effectiveRank) ?? nan, meanSimilarity: c.column(.meanPairwiseCosine) ?? nan,
                                        baseline: baseline)
    }

    static func cohortVerification(_ cohort: String, _ v: HistoryValues, roc: StoredROC?) -> ReportModel.CohortVerification {
        func rate(_ r: HistoryValues.Field.Rate) -> ReportModel.Rate? {
            guard let value = v[.rate(r)] else { return nil }
            return ReportModel.Rate(value: value, lower: v[.rateLower(r)] ?? value, upper: v[.rateUpper(r)] ?? value)
        }
        let counts = ReportModel.Counts(tp: Int(v[.tp] ?? 0), fn: Int(v[.fn] ?? 0), fp: Int(v[.fp] ?? 0), tn: Int(v[.tn] ?? 0))
        return ReportModel.CohortVerification(cohort: cohort, threshold: v[.threshold], counts: counts, far: rate(.far), frr: rate(.frr),
                                              recall: rate(.recall), precision: rate(.precision), eer: v[.eer], eerThreshold: v[.eerThreshold],
                                              roc: roc.map { ReportModel.ROCPoints(fpr: $0.fpr, tpr: $0.tpr) })
    }
}

/// Drift history rows turned into columns (one array per stored field, NaN where a row lacks it)
/// as they are read, without a value per row. `@unchecked`: filled by one read, on one thread,
/// before it is looked at.
final class HistoryColumns: @unchecked Sendable {
    final class Cohort {
        var times: [Int64] = []
        /// Indexed by field id; empty: no row of the cohort has the field (yet).
        var columns = [[Double]](repeating: [], count: 128)
        /// Ids of the non-empty columns, to pad the ones a row lacks.
        var present: [Int] = []

        func column(_ field: HistoryValues.Field) -> [Double]? {
            let c = columns[Int(HistoryValues.id(of: field))]
            return c.isEmpty ? nil : c
        }
    }

    private(set) var cohorts: [String: Cohort] = [:]
    /// The cohort of the previous row: rows come cohort by cohort.
    private var last: (name: String, cohort: Cohort)?

    func append(cohort name: String, atMs: Int64, body: UnsafeRawBufferPointer) {
        let cohort: Cohort
        if let last, last.name == name {
            cohort = last.cohort
        } else {
            cohort = cohorts[name] ?? { let c = Cohort(); cohorts[name] = c; return c }()
            last = (name, cohort)
        }
        let row = cohort.times.count
        cohort.times.append(atMs)
        HistoryValues.forEachValue(in: body) { id, value in
            let i = Int(id) & 127
            if cohort.columns[i].isEmpty {
                cohort.columns[i] = [Double](repeating: .nan, count: row)
                cohort.columns[i].reserveCapacity(max(row * 2, 1024))
                cohort.present.append(i)
            }
            cohort.columns[i].append(value)
        }
        for i in cohort.present where cohort.columns[i].count == row { cohort.columns[i].append(.nan) }
    }
}

extension TwinwatchConfig {
    /// The level of the first alert rule on the combined drift p-value; nil without one.
    var combinedDriftLevel: Double? {
        alerting.rules.lazy.compactMap { rule -> Double? in
            guard rule.signal == .driftCombined, case .pValueBelow(let x) = rule.condition else { return nil }
            return x
        }.first
    }
}
