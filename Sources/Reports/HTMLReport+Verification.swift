extension HTMLReport {
    /// ROC per cohort with the EER points, the four rates per cohort with their intervals, the counts
    /// table, and the threshold history.
    static func verification(_ model: ReportModel, into m: inout Markup) {
        m.open("section", ["id": "verification"])
        m.element("h2", "Verification")
        let cohorts = model.verification
        if cohorts.isEmpty {
            noData(NoData.feedback, into: &m)
        } else {
            m.element("h3", "ROC per cohort")
            let curves = cohorts.compactMap { v -> ROCChart.Curve? in
                guard let roc = v.roc, !roc.fpr.isEmpty else { return nil }
                return ROCChart.Curve(name: v.cohort, fpr: roc.fpr, tpr: roc.tpr, eer: v.eer)
            }
            if curves.isEmpty { noData(NoData.roc, into: &m) } else { m.raw(ROCChart(title: "ROC per cohort", curves: curves).render()) }

            m.element("h3", "Rates per cohort with 95 % intervals")
            let rates: [(String, KeyPath<ReportModel.CohortVerification, ReportModel.Rate?>)] = [
                ("FAR", \.far), ("FRR", \.frr), ("Recall", \.recall), ("Precision", \.precision),
            ]
            for (name, path) in rates {
                var chart = IntervalChart(title: "\(name) per cohort", yLabel: "\(name) (%)", categories: cohorts.map(\.cohort),
                                          values: cohorts.map { $0[keyPath: path].map { ($0.value * 100, $0.lower * 100, $0.upper * 100) } })
                if name == "FAR", let target = model.targetFar {
                    chart.target = (target * 100, "target FAR \(ReportFormat.percentTrimmed(target)) %")
                }
                chart.includeZero = name == "FAR" || name == "FRR"
                m.raw(chart.render())
            }
            countsTable(cohorts, into: &m)
        }
        thresholdHistory(model, into: &m)
        m.close("section")
    }

    static func countsTable(_ cohorts: [ReportModel.CohortVerification], into m: inout Markup) {
        func rate(_ r: ReportModel.Rate?) -> String {
            guard let r else { return "–" }
            let d = ReportFormat.percentDecimals(r.value, r.lower, r.upper)
            return "\(ReportFormat.percent(r.value, d)) % [\(ReportFormat.percent(r.lower, d)), \(ReportFormat.percent(r.upper, d))]"
        }
        let rows = cohorts.map { v -> [String] in
            [v.cohort, text(v.threshold) { ReportFormat.compact($0, significant: 4) }, String(v.counts.total), String(v.counts.tp),
             String(v.counts.fn), String(v.counts.fp), String(v.counts.tn), rate(v.far), rate(v.frr), rate(v.recall), rate(v.precision),
             text(v.eer) { "\(ReportFormat.percent($0, ReportFormat.percentDecimals($0))) %" },
             text(v.eerThreshold) { ReportFormat.compact($0, significant: 4) }]
        }
        table(["cohort", "threshold", "labelled", "TP", "FN", "FP", "TN", "FAR", "FRR", "recall", "precision", "EER", "EER threshold"], rows,
              numeric: Set(1...12), into: &m)
    }

    /// Threshold decisions: a step plot of the applied thresholds per cohort, and every decision with
    /// its method and reason.
    static func thresholdHistory(_ model: ReportModel, into m: inout Markup) {
        m.element("h3", "Threshold history")
        let changes = model.thresholdHistory.sorted { $0.timeMs < $1.timeMs }
        guard !changes.isEmpty else { return noData(NoData.thresholds, into: &m) }
        var cohorts: [String] = []
        for c in changes where c.status == .applied && !cohorts.contains(c.cohort) { cohorts.append(c.cohort) }
        if !cohorts.isEmpty {
            let end = model.period.map { Double($0.upperBound) }
            let lines = cohorts.enumerated().map { i, cohort -> LineChart.Series in
                let applied = changes.filter { $0.cohort == cohort && $0.status == .applied }
                var x = applied.map { Double($0.timeMs) }, y = applied.map(\.to)
                // The last threshold stays in force to the end of the period.
                if let end, let last = x.last, end > last, let value = y.last {
                    x.append(end)
                    y.append(value)
                }
                return LineChart.Series(name: cohort, x: x, y: y, step: true, colourIndex: i)
            }
            m.raw(LineChart(title: perCohort("Applied threshold", cohorts), xLabel: "Time (UTC)", yLabel: "threshold (score units)", series: lines,
                            xDomain: timeDomain(model)).render())
        }
        let rows = changes.prefix(maxTableRows).map { c -> [String] in
            [ReportFormat.utc(ms: c.timeMs), c.cohort, text(c.from) { ReportFormat.compact($0, significant: 4) },
             ReportFormat.compact(c.to, significant: 4), String(c.version), c.status.rawValue, c.method, c.reason ?? "–"]
        }
        table(["time", "cohort", "from", "to", "version", "status", "method", "reason"], Array(rows), numeric: [2, 3, 4], into: &m)
        if changes.count > maxTableRows {
            m.element("p", ["class": "meta"], "… and \(changes.count - maxTableRows) more decisions, not listed.")
        }
    }
}
