extension HTMLReport {
    /// How many dimensions the per-dimension W1 plot shows.
    public static let topDimensions = 20

    /// Per-dimension W1 (top 20), the most drifted projections' histograms, and embedding health.
    static func embedding(_ model: ReportModel, into m: inout Markup) {
        m.open("section", ["id": "embedding"])
        m.element("h2", "Embedding")

        m.element("h3", "Per-dimension W1, top \(topDimensions)")
        let vectors = model.dimensionW1.filter { !$0.top(1).isEmpty }
        if vectors.isEmpty { noData(NoData.dimensions, into: &m) }
        for v in vectors {
            let top = v.top(topDimensions)
            let chart = BarChart(title: "Top \(top.count) dimensions by W1, cohort \(v.cohort), \(ReportFormat.utc(ms: v.timeMs))",
                                 valueLabel: v.normalized ? "W1 (baseline standard deviations)" : "W1 (embedding units)", categoryLabel: "dimension",
                                 categories: top.map { "dim \($0.dimension)" }, values: top.map(\.w1))
            m.raw(chart.render())
        }

        m.element("h3", "Most drifted dimensions and projections: baseline vs current")
        let histograms = model.projections.filter { $0.binEdges.count >= 2 }
        if histograms.isEmpty {
            noData(NoData.projections, into: &m)
        } else {
            m.open("div", ["class": "charts"])
            for h in histograms {
                let score = h.score.map { " (W1 \(ReportFormat.compact($0)))" } ?? ""
                let chart = HistogramChart(title: "\(h.label), cohort \(h.cohort)\(score)", xLabel: h.label.hasPrefix("projection") ? "projected value (embedding units)" : "value (embedding units)",
                                           edges: h.binEdges, series: [("baseline", h.baseline), ("current", h.current)])
                m.raw(chart.render())
            }
            m.close("div")
        }

        m.element("h3", "Embedding health")
        let health = model.health.filter { !$0.timesMs.isEmpty }
        if health.isEmpty {
            noData(NoData.health, into: &m)
        } else {
            let domain = timeDomain(model)
            let metrics: [(String, String, KeyPath<ReportModel.HealthSeries, [Double]>, KeyPath<ReportModel.HealthReference, Double?>)] = [
                ("Total variance", "total variance (squared embedding units)", \.totalVariance, \.totalVariance),
                ("Effective rank", "effective rank (dimensions)", \.effectiveRank, \.effectiveRank),
                ("Mean similarity", "mean similarity score (score units)", \.meanSimilarity, \.meanSimilarity),
            ]
            for (title, unit, values, reference) in metrics {
                let lines = health.enumerated().map { i, h in
                    LineChart.Series(name: h.cohort, x: h.timesMs.map(Double.init), y: h[keyPath: values], colourIndex: i)
                }
                let rules = health.enumerated().compactMap { i, h -> LineChart.Rule? in
                    guard let v = h.baseline?[keyPath: reference], v.isFinite else { return nil }
                    return LineChart.Rule(value: v, label: "baseline \(h.cohort) \(ReportFormat.compact(v))", colour: Palette.colour(i), dash: "6 4")
                }
                let chart = LineChart(title: perCohort(title, health.map(\.cohort)) + " vs baseline", xLabel: "Time (UTC)", yLabel: unit, series: lines, rules: rules,
                                      rulesLegend: "baseline value (dashed)", xDomain: domain)
                m.raw(chart.render())
            }
            let rows = health.map { h -> [String] in
                func latest(_ values: [Double]) -> String { text(values.last(where: \.isFinite)) { ReportFormat.compact($0, significant: 4) } }
                func base(_ value: Double?) -> String { text(value) { ReportFormat.compact($0, significant: 4) } }
                return [h.cohort, latest(h.totalVariance), base(h.baseline?.totalVariance), latest(h.effectiveRank),
                        base(h.baseline?.effectiveRank), latest(h.meanSimilarity), base(h.baseline?.meanSimilarity)]
            }
            table(["cohort", "total variance, latest", "baseline", "effective rank, latest", "baseline", "mean similarity, latest", "baseline"],
                  rows, numeric: Set(1...6), into: &m)
        }
        m.close("section")
    }
}
