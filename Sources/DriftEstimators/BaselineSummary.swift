/// Everything the estimators need from a baseline, precomputed once (DESIGN §4): sorted columns,
/// sorted projections, histograms, moments, √Σ, the ridged inverse covariance and, for kNN KL, the
/// baseline rows with their within-baseline neighbour distances. Codable so the store can persist it.
public struct BaselineSummary: Sendable, Codable {
    public let configuration: DriftConfiguration
    public let rows: Int
    public let dimensions: Int
    public let sortedColumns: SortedColumns?
    public let dimensionHistograms: HistogramReference?
    /// Θ (L×d, row-major), kept so evaluation does not regenerate it.
    public let projectionMatrix: [Double]?
    public let projected: ProjectedReference?
    public let projectionHistograms: HistogramReference?
    public let moments: Moments?
    public let frechet: FrechetReference?
    public let gaussian: GaussianReference?
    public let knn: KNNReference?
    /// The baseline rows' L2 norms, sorted (norm estimator).
    public let sortedNorms: [Double]?
    public let health: HealthSignals?

    /// Summarises `baseline` (≥ 2 finite rows) for the estimators selected in `configuration`.
    public init(baseline: Matrix, configuration: DriftConfiguration = DriftConfiguration()) throws(EstimatorError) {
        try configuration.validate()
        try baseline.requireUsable("baseline")
        let est = configuration.estimators
        let n = baseline.rows, d = baseline.cols
        let x = baseline.widened()
        self.configuration = configuration
        rows = n
        dimensions = d
        if est.contains(.w1) || est.contains(.histKL) {
            // Sorted columns serve both: histogram counts do not depend on the order.
            let columns = Numerics.sortedColumns(baseline)
            dimensionHistograms = est.contains(.histKL)
                ? HistogramReference(columnMajor: columns, rows: n, columns: d, bins: configuration.bins) : nil
            sortedColumns = est.contains(.w1) ? SortedColumns(sortedColumnMajor: columns, rows: n, cols: d) : nil
        } else {
            sortedColumns = nil
            dimensionHistograms = nil
        }
        if est.contains(.sliced) || est.contains(.histKL) {
            let l = configuration.projections
            let theta = PortableProjections.matrix(dimensions: d, count: l, seed: configuration.projectionSeed)
            let p = SlicedWasserstein.project(x, rows: n, theta: theta, projections: l, dimensions: d)
            projectionMatrix = theta
            projectionHistograms = est.contains(.histKL)
                ? HistogramReference(columnMajor: p, rows: n, columns: l, bins: configuration.bins) : nil
            projected = est.contains(.sliced) ? SlicedWasserstein.reference(projected: p, rows: n, projections: l) : nil
        } else {
            projectionMatrix = nil
            projected = nil
            projectionHistograms = nil
        }
        if est.contains(.frechet) || est.contains(.gaussianKL) {
            let m = Moments(widened: x, rows: n, cols: d)
            moments = m
            frechet = est.contains(.frechet) ? try FrechetReference(moments: m) : nil
            gaussian = est.contains(.gaussianKL) ? try GaussianReference(moments: m, ridge: configuration.ridge) : nil
        } else {
            moments = nil
            frechet = nil
            gaussian = nil
        }
        if est.contains(.knnKL) {
            var points = x, count = n
            if let cap = configuration.knnMaxRows, n > cap {
                var rng = SplitMix64(seed: configuration.knnSeed)
                let sub = baseline.selectingRows(Sampling.indices(choose: cap, from: n, rng: &rng).sorted())
                points = sub.widened()
                count = cap
            }
            knn = try KNNReference(points: points, rows: count, dimensions: d, ks: configuration.knnKs)
        } else {
            knn = nil
        }
        sortedNorms = est.contains(.norm) ? NormDrift.sortedNorms(baseline) : nil
        health = est.contains(.health) ? HealthSignals(baseline) : nil
    }

    /// Memberwise, for summaries derived from another (`ResplitSummaries`); kNN and health absent.
    init(configuration: DriftConfiguration, rows: Int, dimensions: Int, sortedColumns: SortedColumns?, dimensionHistograms: HistogramReference?,
         projectionMatrix: [Double]?, projected: ProjectedReference?, projectionHistograms: HistogramReference?, moments: Moments?,
         frechet: FrechetReference?, gaussian: GaussianReference?, sortedNorms: [Double]?) throws(EstimatorError) {
        self.configuration = configuration
        self.rows = rows
        self.dimensions = dimensions
        self.sortedColumns = sortedColumns
        self.dimensionHistograms = dimensionHistograms
        self.projectionMatrix = projectionMatrix
        self.projected = projected
        self.projectionHistograms = projectionHistograms
        self.moments = moments
        self.frechet = frechet
        self.gaussian = gaussian
        knn = nil
        self.sortedNorms = sortedNorms
        health = nil
    }
}
