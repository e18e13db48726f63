import TwinwatchCore
/// Every estimator's result for one (baseline, window) pair; absent estimators are nil.
public struct DriftScores: Sendable, Codable, Equatable {
    /// Baseline rows, window rows, dimensions.
    public let n: Int
    public let m: Int
    public let d: Int
    public var w1: PerDimensionW1?
    public var sliced: SlicedWasserstein?
    public var frechet: Double?
    public var gaussianKL: GaussianKL?
    public var histKLDims: HistogramKL?
    public var histKLProj: HistogramKL?
    public var knnKL: KNNKL?
    /// W1 between the baseline's and the window's row-norm distributions.
    public var norm: Double?
    public var health: HealthSignals?

    /// The score a null calibration and alert rules use for `kind` (DESIGN §9): w1 → mean W1,
    /// sliced → SW2, frechet, gaussian_kl → full b‖c, hist_kl → mean dims b‖c, knn_kl → largest-k b‖c.
    /// Health has no drift score (nil).
    public func primaryScore(_ kind: DriftEstimatorKind) -> Double? {
        switch kind {
        case .w1: w1?.mean
        case .sliced: sliced?.sw2
        case .frechet: frechet
        case .gaussianKL: gaussianKL?.fullBaseCur
        case .histKL: histKLDims?.meanBaseCur
        case .knnKL: knnKL?.baseCur.last
        case .norm: norm
        case .health: nil
        }
    }
}

extension BaselineSummary {
    /// Evaluates a window (≥ 2 finite rows of the baseline's dimension) against this baseline.
    public func evaluate(_ window: Matrix) throws(EstimatorError) -> DriftScores {
        try window.requireUsable("current window", dimensions: dimensions)
        let est = configuration.estimators
        let m = window.rows, d = dimensions
        // Widened rows are only needed by the BLAS-based estimators; computed at most once.
        var widenedRows: [Double]?
        func y() -> [Double] {
            if let w = widenedRows { return w }
            let w = window.widened()
            widenedRows = w
            return w
        }
        var out = DriftScores(n: rows, m: m, d: d)
        if let sorted = sortedColumns {
            // Sorted columns serve both W1 and the histogram counts (which ignore order).
            let columns = Numerics.sortedColumns(window)
            if let h = dimensionHistograms {
                out.histKLDims = HistogramKL(reference: h, currentCounts: h.counts(ofSortedColumnMajor: columns, rows: m), rows: m)
            }
            out.w1 = Wasserstein.perDimensionW1(baseline: sorted, currentSortedColumnMajor: columns, rows: m)
        } else if let h = dimensionHistograms {
            out.histKLDims = HistogramKL(reference: h, currentCounts: h.counts(ofRowMajor: window), rows: m)
        }
        if let theta = projectionMatrix {
            let l = configuration.projections
            if let r = projected {
                var p = SlicedWasserstein.project(window, theta: theta, projections: l)
                Numerics.sortSegments(&p, count: l, length: m)
                if let h = projectionHistograms {
                    out.histKLProj = HistogramKL(reference: h, currentCounts: h.counts(ofSortedColumnMajor: p, rows: m), rows: m)
                }
                out.sliced = SlicedWasserstein(reference: r, currentSorted: p, rows: m)
            } else if let h = projectionHistograms {
                // Bins alone do not need Double projections (see `counts(ofProjectionsOf:theta:)`).
                out.histKLProj = HistogramKL(reference: h, currentCounts: h.counts(ofProjectionsOf: window, theta: theta), rows: m)
            }
        }
        if frechet != nil || gaussian != nil {
            let moments = Moments(unchecked: window)
            if let f = frechet { out.frechet = try Frechet.distance(reference: f, current: moments) }
            if let g = gaussian { out.gaussianKL = try GaussianKL(reference: g, current: moments) }
        }
        if let k = knn {
            if let cap = configuration.knnMaxRows, m > cap {
                // Seeded subsample of the window (the baseline side was subsampled at summary time).
                var rng = SplitMix64(seed: configuration.knnSeed &+ 1)
                let points = window.selectingRows(Sampling.indices(choose: cap, from: m, rng: &rng).sorted()).widened()
                out.knnKL = try KNNKL(reference: k, current: points, rows: cap)
            } else {
                out.knnKL = try KNNKL(reference: k, current: y(), rows: m)
            }
        }
        if let norms = sortedNorms { out.norm = NormDrift.w1(referenceSortedNorms: norms, window: window) }
        if est.contains(.health) { out.health = HealthSignals(window) }
        return out
    }
}

extension BaselineSummary {
    /// Histogram KL of the window's dimensions alone, without the projections (nil when the summary
    /// has no dimension histograms): the work of a per-dimension reference such as scipy's.
    public func dimensionHistogramKL(_ window: Matrix) throws(EstimatorError) -> HistogramKL? {
        try window.requireUsable("current window", dimensions: dimensions)
        guard let h = dimensionHistograms else { return nil }
        return HistogramKL(reference: h, currentCounts: h.counts(ofRowMajor: window), rows: window.rows)
    }
}

/// One-shot comparison of two samples (builds the baseline summary, then evaluates).
public enum Drift {
    /// All configured estimators of `current` against `baseline` (validates both).
    public static func compare(baseline: Matrix, current: Matrix,
                               configuration: DriftConfiguration = DriftConfiguration()) throws(EstimatorError) -> DriftScores {
        try current.requireUsable("current", dimensions: baseline.cols)
        return try BaselineSummary(baseline: baseline, configuration: configuration).evaluate(current)
    }
}
