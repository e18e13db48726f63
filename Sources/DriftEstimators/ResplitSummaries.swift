import COpenBLAS

/// Summaries of "the baseline without some rows" for the re-split null's replicates, built by
/// removing those rows from the whole baseline's summaries computed once: a merge per sorted
/// column or projection instead of a sort, the projections gathered instead of a new `dgemm`, and
/// the removed rows' rank-m scatter subtracted from the whole scatter instead of a new `dsyrk` over
/// n − m rows. The result equals `BaselineSummary(baseline: remaining rows)` up to rounding in the
/// moments (the sorted values are the same doubles). kNN KL and health are not covered (nil).
struct ResplitSummaries: Sendable {
    let baseline: Matrix
    let configuration: DriftConfiguration
    /// Column-major sorted columns of the whole baseline (W1, histogram KL).
    let sortedColumns: [Double]?
    let theta: [Double]?
    /// Projection-major (L runs of n) projections of every row, unsorted, and each run sorted.
    let projections: [Double]?
    let sortedProjections: [Double]?
    let moments: Moments?
    let sortedNorms: [Double]?

    init?(baseline: Matrix, configuration: DriftConfiguration) {
        let est = configuration.estimators
        guard !est.contains(.knnKL), !est.contains(.health) else { return nil }
        self.baseline = baseline
        self.configuration = configuration
        let n = baseline.rows, d = baseline.cols
        sortedColumns = est.contains(.w1) || est.contains(.histKL) ? Numerics.sortedColumns(baseline) : nil
        if est.contains(.sliced) || est.contains(.histKL) {
            let t = PortableProjections.matrix(dimensions: d, count: configuration.projections, seed: configuration.projectionSeed)
            var p = SlicedWasserstein.project(baseline.widened(), rows: n, theta: t, projections: configuration.projections, dimensions: d)
            theta = t
            projections = p
            Numerics.sortSegments(&p, count: configuration.projections, length: n)
            sortedProjections = p
        } else {
            (theta, projections, sortedProjections) = (nil, nil, nil)
        }
        moments = est.contains(.frechet) || est.contains(.gaussianKL) ? Moments(unchecked: baseline) : nil
        sortedNorms = est.contains(.norm) ? NormDrift.sortedNorms(baseline) : nil
    }

    /// The summary of every row except `removed` (distinct row indices, fewer than n − 1), whose
    /// rows the caller already selected (`window`, in the order of `removed`).
    func summary(excluding removed: [Int], rows window: Matrix) throws(EstimatorError) -> BaselineSummary {
        let est = configuration.estimators
        let n = baseline.rows, d = baseline.cols, m = removed.count, kept = n - m
        var columns: [Double]?
        if let sorted = sortedColumns {
            columns = Self.removing(Numerics.sortedColumns(window), from: sorted, runs: d, length: n)
        }
        var projected: [Double]?
        if let all = projections, let sorted = sortedProjections {
            let l = configuration.projections
            var gathered = [Double](repeating: 0, count: l * m)
            for p in 0..<l { for (k, r) in removed.enumerated() { gathered[p * m + k] = all[p * n + r] } }
            Numerics.sortSegments(&gathered, count: l, length: m)
            projected = Self.removing(gathered, from: sorted, runs: l, length: n)
        }
        var remaining: Moments?
        if let whole = moments { remaining = Self.moments(whole, removing: window) }
        return try BaselineSummary(
            configuration: configuration, rows: kept, dimensions: d,
            sortedColumns: est.contains(.w1) ? columns.map { SortedColumns(sortedColumnMajor: $0, rows: kept, cols: d) } : nil,
            dimensionHistograms: est.contains(.histKL) ? columns.map { HistogramReference(columnMajor: $0, rows: kept, columns: d, bins: configuration.bins) } : nil,
            projectionMatrix: theta,
            projected: est.contains(.sliced) ? projected.map { ProjectedReference(projections: configuration.projections, rows: kept, sorted: $0) } : nil,
            projectionHistograms: est.contains(.histKL)
                ? projected.map { HistogramReference(columnMajor: $0, rows: kept, columns: configuration.projections, bins: configuration.bins) } : nil,
            moments: remaining,
            frechet: try remaining.flatMap { m throws(EstimatorError) in est.contains(.frechet) ? try FrechetReference(moments: m) : nil },
            gaussian: try remaining.flatMap { m throws(EstimatorError) in
                est.contains(.gaussianKL) ? try GaussianReference(moments: m, ridge: configuration.ridge) : nil
            },
            sortedNorms: sortedNorms.map { Self.removing(NormDrift.sortedNorms(window), from: $0, runs: 1, length: n) })
    }

    /// Each of `runs` sorted runs of `length` in `sorted` without the values of the matching run of
    /// `removed` (sorted, length `removed.count / runs`, a sub-multiset of the run): one merge pass.
    static func removing(_ removed: [Double], from sorted: [Double], runs: Int, length n: Int) -> [Double] {
        let m = removed.count / runs, kept = n - m
        var out = [Double](repeating: 0, count: runs * kept)
        sorted.withUnsafeBufferPointer { s in
            removed.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    for run in 0..<runs {
                        var j = run * m, k = run * kept
                        let end = j + m
                        for i in (run * n)..<((run + 1) * n) {
                            if j < end && s[i] == v[j] { j += 1 } else { o[k] = s[i]; k += 1 }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Mean and covariance (ddof 1) of the whole sample without `window`'s rows, from the whole
    /// sample's moments: the scatter about the whole mean c minus the window's scatter about c.
    static func moments(_ whole: Moments, removing window: Matrix) -> Moments {
        let n = whole.rows, m = window.rows, d = whole.dimensions, kept = n - m
        let c = whole.mean
        var centred = [Double](repeating: 0, count: m * d)
        var windowSum = [Double](repeating: 0, count: d)
        for r in 0..<m {
            for j in 0..<d {
                let v = Double(window.values[r * d + j]) - c[j]
                centred[r * d + j] = v
                windowSum[j] += v
            }
        }
        // Scatter of the kept rows about c: (n − 1)·Σ − Σ_window (x − c)(x − c)ᵀ (upper triangle by dsyrk).
        var scatter = whole.covariance.map { $0 * Double(n - 1) }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(m), -1, centred, Int32(d), 1, &scatter, Int32(d))
        // The kept rows' offsets from c sum to −windowSum (all offsets sum to 0).
        let offset = windowSum.map { -$0 / Double(kept) }
        var covariance = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in i..<d {
                let v = (scatter[i * d + j] - Double(kept) * offset[i] * offset[j]) / Double(kept - 1)
                covariance[i * d + j] = v
                covariance[j * d + i] = v
            }
        }
        return Moments(rows: kept, dimensions: d, mean: (0..<d).map { c[$0] + offset[$0] }, covariance: covariance)
    }
}
