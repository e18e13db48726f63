extension HTMLReport {
    /// Provenance of every baseline, then each candidate's drift against the active one.
    static func baselines(_ model: ReportModel, into m: inout Markup) {
        m.open("section", ["id": "baselines"])
        m.element("h2", "Baselines")
        if model.baselines.isEmpty {
            noData(NoData.baselines, into: &m)
        } else {
            let rows = model.baselines.map { b -> [String] in
                let captured: String
                switch (b.timeFromMs, b.timeToMs) {
                case (nil, nil): captured = "–"
                case let (from, to): captured = "\(text(from) { ReportFormat.utc(ms: $0) }) to \(text(to) { ReportFormat.utc(ms: $0) })"
                }
                return [String(b.id), "v\(b.version)", b.status.rawValue, b.source, b.modelVersion ?? "–",
                        text(b.createdAtMs) { ReportFormat.utc(ms: $0) }, b.createdBy ?? "–", captured, String(b.n), String(b.d)]
            }
            table(["id", "version", "status", "source", "model version", "created", "created by", "captured", "rows", "dim"], rows,
                  numeric: [0, 8, 9], into: &m)
        }
        for c in model.candidateDrift {
            m.element("h3", "Candidate \(Summary.baselineName(c.candidateId, in: model)) against the active "
                + "\(Summary.baselineName(c.activeId, in: model))")
            var rows = c.estimators.map { e -> [String] in
                [e.name, ReportFormat.compact(e.score, significant: 4), text(e.pValue, ReportFormat.pValue), significance(e.pValue, model.level)]
            }
            if let p = c.combinedP { rows.append(["combined", "–", ReportFormat.pValue(p), significance(p, model.level)]) }
            table(["estimator", "score", "p-value", "below the level"], rows, numeric: [1, 2], into: &m)
        }
        m.close("section")
    }

    /// "yes" / "no" against the level; "–" without a p-value or a level.
    static func significance(_ p: Double?, _ level: Double?) -> String {
        guard let p, let level else { return "–" }
        return p < level ? "yes" : "no"
    }
}
