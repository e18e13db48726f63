/// One sentence of the report's plain-language summary, with the numbers it states as fields, so
/// that JSON readers (and tests) get the same figures the sentence shows. Which fields are set
/// depends on `kind` (see `Summary`).
public struct SummaryItem: Sendable, Codable, Equatable {
    /// What the sentence is about; programs switch on it.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// No drift evaluations in the period.
        case noHistory = "no_history"
        /// Evaluations, but no level to judge them by. `value`: lowest p, `cohort`: where.
        case noLevel = "no_level"
        /// Evaluations, but none with a p-value (estimators not calibrated): nothing to judge.
        case uncalibrated

        /// No evaluation below the level. `value`: lowest p (in `cohort`), `target`: level, `count`: 0 of `total` cohorts judged.
        case noDrift = "no_drift"
        /// A cohort with evaluations below the level. `count` of `total` windows, `sinceMs`: the first
        /// below, `value`: lowest p, `target`: level.
        case drift
        /// Alerts firing at the end of the period. `count`.
        case alertsFiring = "alerts_firing"
        /// Alert transitions in the period, none firing at its end. `count`: transitions.
        case alertsResolved = "alerts_resolved"
        /// A candidate baseline differs from the active one. `value`: its p, `target`: level.
        case candidateDrift = "candidate_drift"
        /// A candidate baseline does not differ significantly. `value`: its p, `target`: level.
        case candidateNoDrift = "candidate_no_drift"
        /// A candidate baseline scored without p-values.
        case candidateUncalibrated = "candidate_uncalibrated"
        /// No labelled feedback in the period.
        case noVerification = "no_verification"
        /// Verification data but no FAR target to judge it by.
        case noTarget = "no_target"
        /// A cohort's FAR above the target. `value`, `lower`, `upper`: FAR and its interval; `target`.
        case farAboveTarget = "far_above_target"
        /// Cohorts whose FAR is at or below the target: `count` of `total`; `target`.
        case farWithinTarget = "far_within_target"
        /// A cohort's latest mean similarity more than 10 % from the baseline's. `value`: latest, `target`: baseline's.
        case healthChange = "health_change"
    }

    /// The sentence.
    public var text: String
    public var kind: Kind
    /// The numbers the sentence states; which are set depends on `kind`.
    public var cohort: String?
    public var value: Double?
    public var lower: Double?
    public var upper: Double?
    public var target: Double?
    public var count: Int?
    /// What `count` is out of.
    public var total: Int?
    /// The first time the sentence's condition held.
    public var sinceMs: Int64?

    /// An item.
    public init(text: String, kind: Kind, cohort: String? = nil, value: Double? = nil, lower: Double? = nil, upper: Double? = nil,
                target: Double? = nil, count: Int? = nil, total: Int? = nil, sinceMs: Int64? = nil) {
        self.text = text
        self.kind = kind
        self.cohort = cohort
        self.value = value
        self.lower = lower
        self.upper = upper
        self.target = target
        self.count = count
        self.total = total
        self.sinceMs = sinceMs
    }

    /// Whether the sentence reports something to act on (highlighted in the HTML).
    public var needsAttention: Bool {
        switch kind {
        case .drift, .alertsFiring, .candidateDrift, .farAboveTarget, .healthChange: true
        default: false
        }
    }
}

/// The plain-language summary at the top of a report: drift, alerts, candidate baselines,
/// verification against the FAR target, embedding health — in that order. Every number in a
/// sentence is formatted (`ReportFormat`) from the value stored in the item's fields.
public enum Summary {
    /// Relative change of mean similarity from the baseline's that the summary mentions (the seeds' rule).
    public static let similarityChange = 0.10

    /// The summary of `model`.
    public static func items(for model: ReportModel) -> [SummaryItem] {
        drift(model) + alerts(model) + candidates(model) + verification(model) + health(model)
    }

    static func drift(_ model: ReportModel) -> [SummaryItem] {
        let series = model.drift.filter { $0.count > 0 }
        guard !series.isEmpty else { return [SummaryItem(text: "No evaluation history in this period.", kind: .noHistory)] }
        var lowest: (p: Double, cohort: String)?
        var items: [SummaryItem] = [], judged = 0
        for s in series {
            var below = 0, first: Int64?, minP = Double.infinity
            for i in 0 ..< s.count {
                guard let p = s.decisiveP(at: i) else { continue }
                minP = min(minP, p)
                if let level = model.level, p < level {
                    below += 1
                    first = first ?? s.timesMs[i]
                }
            }
            if minP < .infinity { judged += 1 }
            if minP < (lowest?.p ?? .infinity) { lowest = (minP, s.cohort) }
            if let level = model.level, below > 0, let first {
                let text = "Drift in cohort \(s.cohort): \(below) of \(s.count) windows below p \(ReportFormat.pValue(level)) since "
                    + "\(ReportFormat.utc(ms: first)) (lowest p \(ReportFormat.pValue(minP)))."
                items.append(SummaryItem(text: text, kind: .drift, cohort: s.cohort, value: minP, target: level, count: below, total: s.count,
                                         sinceMs: first))
            }
        }
        guard let lowest else {
            return [SummaryItem(text: "Drift evaluations without p-values (estimators not calibrated): significance cannot be judged.",
                                kind: .uncalibrated)]
        }
        guard let level = model.level else {
            return [SummaryItem(text: "No drift level configured; the lowest p-value was \(ReportFormat.pValue(lowest.p)) (cohort \(lowest.cohort)).",
                                kind: .noLevel, cohort: lowest.cohort, value: lowest.p)]
        }
        guard items.isEmpty else { return items }
        let span = model.period.map { "in \(ReportFormat.duration(ms: $0.upperBound - $0.lowerBound))" } ?? "in this period"
        let cohorts = judged == 1 ? "cohort \(lowest.cohort)" : "all \(judged) cohorts"
        let unjudged = series.count > judged ? " (\(series.count - judged) more without p-values)" : ""
        let text = "No significant drift \(span): \(cohorts)\(unjudged) stayed at or above p \(ReportFormat.pValue(level)); "
            + "lowest p \(ReportFormat.pValue(lowest.p)) in cohort \(lowest.cohort)."
        return [SummaryItem(text: text, kind: .noDrift, cohort: lowest.cohort, value: lowest.p, target: level, count: 0, total: judged)]
    }

    static func alerts(_ model: ReportModel) -> [SummaryItem] {
        guard !model.alerts.isEmpty else { return [] }
        // The latest transition per (rule, cohort) says whether it is still firing.
        var latest: [String: ReportModel.AlertMarker] = [:], order: [String] = []
        for a in model.alerts.sorted(by: { $0.timeMs < $1.timeMs }) {
            let key = "\(a.rule)\u{1F}\(a.cohort ?? "")"
            if latest[key] == nil { order.append(key) }
            latest[key] = a
        }
        let firing = order.compactMap { latest[$0] }.filter { $0.state == .firing }
        guard !firing.isEmpty else {
            let n = model.alerts.count
            return [SummaryItem(text: "\(n) alert transition\(n == 1 ? "" : "s") in this period, none firing at its end.", kind: .alertsResolved,
                                count: n)]
        }
        let names = firing.map { "\($0.rule) (\($0.severity)\($0.cohort.map { ", cohort \($0)" } ?? ""))" }
        let text = "\(firing.count) alert\(firing.count == 1 ? "" : "s") firing at the end of the period: \(names.joined(separator: "; "))."
        return [SummaryItem(text: text, kind: .alertsFiring, count: firing.count)]
    }

    static func candidates(_ model: ReportModel) -> [SummaryItem] {
        model.candidateDrift.map { c in
            let candidate = baselineName(c.candidateId, in: model), active = baselineName(c.activeId, in: model)
            let p = c.combinedP ?? c.estimators.compactMap(\.pValue).min()
            guard let p else {
                return SummaryItem(text: "Candidate baseline \(candidate) against the active \(active): scores only, no p-values (not calibrated).",
                                   kind: .candidateUncalibrated)
            }
            let what = c.combinedP == nil ? "lowest p" : "combined p"
            if let level = model.level, p < level {
                return SummaryItem(text: "Candidate baseline \(candidate) differs from the active \(active): \(what) \(ReportFormat.pValue(p)) "
                                       + "below \(ReportFormat.pValue(level)).", kind: .candidateDrift, value: p, target: level)
            }
            return SummaryItem(text: "Candidate baseline \(candidate) does not differ significantly from the active \(active) "
                                   + "(\(what) \(ReportFormat.pValue(p))).", kind: .candidateNoDrift, value: p, target: model.level)
        }
    }

    static func verification(_ model: ReportModel) -> [SummaryItem] {
        guard !model.verification.isEmpty else { return [SummaryItem(text: "No labelled feedback in this period.", kind: .noVerification)] }
        guard let target = model.targetFar else {
            return [SummaryItem(text: "No FAR target configured; FAR per cohort is in the verification section.", kind: .noTarget)]
        }
        var items: [SummaryItem] = [], within = 0, judged = 0
        for v in model.verification {
            guard let far = v.far else { continue }
            judged += 1
            guard far.value > target else {
                within += 1
                continue
            }
            let d = ReportFormat.percentDecimals(far.value, far.lower, far.upper)
            let note = far.lower <= target ? " (the interval includes the target)" : ""
            let text = "Cohort \(v.cohort) FAR \(ReportFormat.percent(far.value, d)) % [\(ReportFormat.percent(far.lower, d)), "
                + "\(ReportFormat.percent(far.upper, d))] above target \(ReportFormat.percentTrimmed(target)) %\(note)."
            items.append(SummaryItem(text: text, kind: .farAboveTarget, cohort: v.cohort, value: far.value, lower: far.lower, upper: far.upper,
                                     target: target))
        }
        if within > 0 {
            let text = "FAR within target \(ReportFormat.percentTrimmed(target)) % in \(within) of \(judged) cohort\(judged == 1 ? "" : "s")."
            items.append(SummaryItem(text: text, kind: .farWithinTarget, target: target, count: within, total: judged))
        }
        return items
    }

    static func health(_ model: ReportModel) -> [SummaryItem] {
        model.health.compactMap { h in
            guard let reference = h.baseline?.meanSimilarity, reference != 0, reference.isFinite,
                  let latest = h.meanSimilarity.last(where: \.isFinite) else { return nil }
            let change = (latest - reference) / abs(reference)
            guard abs(change) > similarityChange else { return nil }
            let text = "Cohort \(h.cohort) mean similarity \(ReportFormat.compact(latest)) is \(ReportFormat.fixed(abs(change) * 100, 1)) % "
                + "\(change < 0 ? "below" : "above") the baseline's \(ReportFormat.compact(reference))."
            return SummaryItem(text: text, kind: .healthChange, cohort: h.cohort, value: latest, target: reference)
        }
    }

    /// "v3 (id 12)", or "id 12" for a baseline the report does not list.
    static func baselineName(_ id: Int64, in model: ReportModel) -> String {
        model.baselines.first { $0.id == id }.map { "v\($0.version) (id \(id))" } ?? "id \(id)"
    }
}
