extension ReportModel {
    /// The model with every time series cut to at most `maxPoints` evaluations (and every ROC curve
    /// to about `maxPoints` points), for a JSON document of bounded size: a week of 10-second
    /// evaluations is ~60 MB of JSON at full resolution.
    ///
    /// Series keep, per time bucket, each quantity's smallest and largest value (`Downsample.sharedIndices`),
    /// so spikes, and every excursion of a p-value below the level, remain; times and values stay
    /// index-aligned. Everything else is unchanged.
    public func downsampled(maxPoints: Int) -> ReportModel {
        var copy = self
        copy.drift = drift.map { s in
            let lines = s.estimators.flatMap { [$0.scores, $0.pValues] } + [s.combinedP]
            let keep = Downsample.sharedIndices(x: s.timesMs.map(Double.init), lines: lines.filter { !$0.isEmpty }, maxPoints: maxPoints)
            guard keep.count < s.count else { return s }
            return DriftSeries(cohort: s.cohort, timesMs: pick(s.timesMs, keep),
                               estimators: s.estimators.map { EstimatorSeries(name: $0.name, scores: pick($0.scores, keep), pValues: pick($0.pValues, keep)) },
                               combinedP: pick(s.combinedP, keep))
        }
        copy.health = health.map { h in
            let lines = [h.totalVariance, h.effectiveRank, h.meanSimilarity].filter { !$0.isEmpty }
            let keep = Downsample.sharedIndices(x: h.timesMs.map(Double.init), lines: lines, maxPoints: maxPoints)
            guard keep.count < h.timesMs.count else { return h }
            return HealthSeries(cohort: h.cohort, timesMs: pick(h.timesMs, keep), totalVariance: pick(h.totalVariance, keep),
                                effectiveRank: pick(h.effectiveRank, keep), meanSimilarity: pick(h.meanSimilarity, keep), baseline: h.baseline)
        }
        copy.verification = verification.map { v in
            guard let roc = v.roc, roc.fpr.count > maxPoints else { return v }
            var v = v
            // FPR and TPR each rise by at most 1: steps of 2 / maxPoints keep at most maxPoints + 1 points.
            let curve = Downsample.curve(x: roc.fpr, y: roc.tpr, resolution: 2 / Double(max(maxPoints, 2)))
            v.roc = ROCPoints(fpr: curve.x, tpr: curve.y)
            return v
        }
        return copy
    }

    /// The elements of `values` at `indices` (ascending); indices past its end are skipped, so a
    /// shorter or empty column stays short or empty.
    private func pick<T>(_ values: [T], _ indices: [Int]) -> [T] {
        indices.filter { $0 < values.count }.map { values[$0] }
    }
}
