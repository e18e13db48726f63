extension HTMLReport {
    /// Drift over time: per cohort, the p-values on a log axis with the level, the windows below it
    /// shaded and the alerts marked; per estimator, the scores of all cohorts; then the alerts.
    static func drift(_ model: ReportModel, into m: inout Markup) {
        m.open("section", ["id": "drift"])
        m.element("h2", "Drift over time")
        let series = model.drift.filter { $0.count > 0 }
        if series.isEmpty {
            noData(NoData.history, into: &m)
        } else {
            let domain = timeDomain(model)
            if let level = model.level {
                m.element("p", "A window is significant when its combined p-value (the estimators' p-values combined for multiple testing; "
                    + "without one, the smallest estimator p-value) is below the level p \(ReportFormat.pValue(level)).")
            }
            m.element("h3", "p-values")
            for s in series { m.raw(pValueChart(s, model: model, domain: domain).render()) }
            m.element("h3", "Scores")
            for name in estimatorNames(series) {
                let lines = series.enumerated().compactMap { i, s -> LineChart.Series? in
                    guard let e = s.estimators.first(where: { $0.name == name }) else { return nil }
                    return LineChart.Series(name: s.cohort, x: s.timesMs.map(Double.init), y: e.scores, colourIndex: i)
                }
                let chart = LineChart(title: perCohort("\(name) score", lines.map(\.name)), xLabel: "Time (UTC)", yLabel: scoreAxisLabel(name), series: lines,
                                      xDomain: domain)
                m.raw(chart.render())
            }
        }
        alertsTable(model, into: &m)
        m.close("section")
    }

    /// One cohort's p-values: each estimator's and the combined one, log10 axis.
    static func pValueChart(_ s: ReportModel.DriftSeries, model: ReportModel, domain: ClosedRange<Double>?) -> LineChart {
        let x = s.timesMs.map(Double.init)
        var lines = s.estimators.enumerated().compactMap { i, e -> LineChart.Series? in
            e.pValues.isEmpty ? nil : LineChart.Series(name: "\(e.name) p", x: x, y: e.pValues, colourIndex: i)
        }
        if !s.combinedP.isEmpty {
            lines.append(LineChart.Series(name: "combined p", x: x, y: s.combinedP, colourIndex: Palette.colours.count - 1))
        }
        var chart = LineChart(title: "p-values, cohort \(s.cohort)", xLabel: "Time (UTC)", yLabel: "p-value (unitless, log scale)",
                              yKind: .log10, series: lines, xDomain: domain)
        if let level = model.level {
            chart.rules = [LineChart.Rule(value: level, label: "level p \(ReportFormat.pValue(level))")]
            let span = domain.map { $0.upperBound - $0.lowerBound } ?? (x.last ?? 0) - (x.first ?? 0)
            // Merging runs closer than a pixel keeps the band count (and the file) bounded.
            chart.bands = Downsample.runs(x: x, count: s.count, mergeGap: span / 900) { i in
                s.decisiveP(at: i).map { $0 < level } ?? false
            }
            chart.bandsLegend = "window below the level"
        }
        chart.markers = model.alerts.filter { $0.cohort == nil || $0.cohort == s.cohort }.map { a in
            LineChart.Marker(x: Double(a.timeMs), detail: "\(a.rule) (\(a.severity)) \(a.state.rawValue) at \(ReportFormat.utc(ms: a.timeMs))",
                             firing: a.state == .firing)
        }
        return chart
    }

    /// Estimator names in first-seen order.
    static func estimatorNames(_ series: [ReportModel.DriftSeries]) -> [String] {
        var seen = Set<String>(), names: [String] = []
        for s in series { for e in s.estimators where seen.insert(e.name).inserted { names.append(e.name) } }
        return names
    }

    /// The y-axis label, with the unit, of an estimator's primary score (DESIGN §5).
    static func scoreAxisLabel(_ estimator: String) -> String {
        switch estimator {
        case "w1": "mean per-dimension W1 (embedding units)"
        case "sliced": "sliced W2 (embedding units)"
        case "frechet": "Fréchet distance W2² (squared embedding units)"
        case "gaussian_kl": "Gaussian KL (nats)"
        case "hist_kl": "histogram KL (nats)"
        case "knn_kl": "kNN KL (nats)"
        case "norm": "W1 of row norms (embedding units)"
        default: "\(estimator) score (estimator units)"
        }
    }

    static func alertsTable(_ model: ReportModel, into m: inout Markup) {
        m.element("h3", "Alerts")
        guard !model.alerts.isEmpty else { return noData(NoData.alerts, into: &m) }
        let sorted = model.alerts.sorted { $0.timeMs < $1.timeMs }
        let rows = sorted.prefix(maxTableRows).map { a in
            [ReportFormat.utc(ms: a.timeMs), a.rule, a.severity, a.state.rawValue, a.cohort ?? "all"]
        }
        table(["time", "rule", "severity", "state", "cohort"], Array(rows), into: &m)
        if sorted.count > maxTableRows {
            m.element("p", ["class": "meta"], "… and \(sorted.count - maxTableRows) more transitions, not listed.")
        }
    }
}
