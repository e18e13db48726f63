import Dispatch
import Synchronization

/// The null distribution of one estimator's score at one window size (DESIGN §5.7).
public struct NullDistribution: Sendable, Codable, Equatable {
    /// The B null scores, ascending (enough for exact rank p-values).
    public let sortedScores: [Double]
    public let mean: Double
    /// Sample standard deviation (ddof 1).
    public let std: Double

    /// Summarises B null scores (any order).
    public init(scores: [Double]) {
        sortedScores = Numerics.sorted(scores)
        let b = Double(scores.count)
        let mu = scores.reduce(0, +) / Swift.max(b, 1)
        let ss = scores.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
        mean = mu
        std = scores.count > 1 ? (ss / (b - 1)).squareRoot() : 0
    }

    /// (1 + #{null ≥ score}) / (B + 1): never 0, valid under exchangeability with the null draws.
    public func pValue(_ score: Double) -> Double {
        // First index whose value is ≥ score (binary search on the sorted scores).
        var lo = 0, hi = sortedScores.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedScores[mid] < score { lo = mid + 1 } else { hi = mid }
        }
        return Double(1 + sortedScores.count - lo) / Double(sortedScores.count + 1)
    }

    /// (score − mean) / std. A degenerate null (std 0) gives 0 for a score equal to the mean and
    /// ±`Double.greatestFiniteMagnitude` otherwise, so the value stays finite and JSON-encodable.
    public func z(_ score: Double) -> Double {
        if std > 0 { return (score - mean) / std }
        if score == mean { return 0 }
        return score > mean ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude
    }
}

/// Null distributions of every selected estimator for one baseline and one window size.
///
/// Design: the baseline rows are split once (`BaselineSplit`) into a *reference* part, summarised
/// by `BaselineSummary` and used for every live evaluation, and a disjoint *calibration pool*. Each
/// null draw is a window of m rows sampled without replacement from the pool and scored against the
/// same reference summary, so the null is the score's distribution under "no drift" conditional on the
/// very reference the daemon uses: p-values are calibrated for this baseline, not only on average.
/// Compute once per (baseline, window size); it is Codable for the store.
public struct NullCalibration: Sendable, Codable, Equatable {
    public let windowSize: Int
    public let resamples: Int
    public let seed: UInt64
    public let poolRows: Int
    public let distributions: [DriftEstimatorKind: NullDistribution]

    /// Memberwise (e.g. when loaded from a store).
    public init(windowSize: Int, resamples: Int, seed: UInt64, poolRows: Int, distributions: [DriftEstimatorKind: NullDistribution]) {
        self.windowSize = windowSize
        self.resamples = resamples
        self.seed = seed
        self.poolRows = poolRows
        self.distributions = distributions
    }

    /// Draws `resamples` (≥ 1; DESIGN asks ≥ 200) windows of `windowSize` rows from `pool` and scores them.
    /// The pool must be disjoint from the rows summarised in `summary` and have ≥ `windowSize` rows.
    /// Every draw comes from the same pool, so the pool's own sampling noise shifts the whole null by
    /// about √(m / poolRows) null standard deviations: use a pool of ≥ 20·m rows (50·m for kNN KL) for
    /// a false-alarm rate close to the nominal level (measured: 10·m gave up to 6 % at α = 1 % for kNN KL).
    ///
    /// `threads` > 1 scores the draws on that many threads; the draws themselves come from the one
    /// seeded sequence either way, so the result does not depend on `threads`.
    public static func calibrate(summary: BaselineSummary, pool: Matrix, windowSize m: Int,
                                 resamples b: Int = 200, seed: UInt64 = 42, threads: Int = 1) throws(EstimatorError) -> NullCalibration {
        try pool.requireUsable("calibration pool", dimensions: summary.dimensions)
        guard m >= 2, b >= 1 else { throw EstimatorError(.tooFewRows, "null calibration needs window ≥ 2 and B ≥ 1 (got m \(m), B \(b))") }
        guard pool.rows >= m else {
            throw EstimatorError(.tooFewRows, "calibration pool has \(pool.rows) rows, window size \(m) needs at least that many")
        }
        let kinds = summary.configuration.estimators.filter { $0 != .health }.sorted()
        var scores = [DriftEstimatorKind: [Double]]()
        var rng = SplitMix64(seed: seed)
        // Draws are taken in chunks, so at most one chunk of index sets is held at a time.
        let chunk = Swift.max(1, threads) * 16
        for start in stride(from: 0, to: b, by: chunk) {
            let draws = (start..<Swift.min(start + chunk, b)).map { _ in Sampling.indices(choose: m, from: pool.rows, rng: &rng) }
            for s in try evaluateDraws(draws, summary: summary, pool: pool, threads: threads) {
                for k in kinds { if let v = s.primaryScore(k) { scores[k, default: []].append(v) } }
            }
        }
        return NullCalibration(windowSize: m, resamples: b, seed: seed, poolRows: pool.rows,
                               distributions: scores.mapValues { NullDistribution(scores: $0) })
    }

    /// Scores of the windows `draws` select from `pool`, in draw order.
    private static func evaluateDraws(_ draws: [[Int]], summary: BaselineSummary, pool: Matrix, threads: Int) throws(EstimatorError) -> [DriftScores] {
        guard threads > 1, draws.count > 1 else {
            return try draws.map { (d: [Int]) throws(EstimatorError) in try summary.evaluate(pool.selectingRows(d)) }
        }
        let results = Mutex([Result<DriftScores, EstimatorError>?](repeating: nil, count: draws.count))
        DispatchQueue.concurrentPerform(iterations: Swift.min(threads, draws.count)) { worker in
            for i in stride(from: worker, to: draws.count, by: threads) {
                let result = Result { () throws(EstimatorError) in try summary.evaluate(pool.selectingRows(draws[i])) }
                results.withLock { $0[i] = result }
            }
        }
        return try results.withLock { $0 }.map { (r: Result<DriftScores, EstimatorError>?) throws(EstimatorError) in try r!.get() }
    }

    /// p-value of each estimator's primary score in `scores` (estimators without a null are skipped).
    public func pValues(for scores: DriftScores) -> [DriftEstimatorKind: Double] {
        var out = [DriftEstimatorKind: Double]()
        for (k, null) in distributions { if let s = scores.primaryScore(k) { out[k] = null.pValue(s) } }
        return out
    }

    /// p-values, z-scores and their multiple-testing combination for one evaluated window.
    public func assess(_ scores: DriftScores, method: MultipleTestingMethod = .bh) -> CalibratedDrift {
        let p = pValues(for: scores)
        return CalibratedDrift(pValues: p, z: zScores(for: scores), method: method,
                               combinedP: MultipleTesting.combined(p.sorted { $0.key < $1.key }.map(\.value), method: method))
    }

    /// z of each estimator's primary score.
    public func zScores(for scores: DriftScores) -> [DriftEstimatorKind: Double] {
        var out = [DriftEstimatorKind: Double]()
        for (k, null) in distributions { if let s = scores.primaryScore(k) { out[k] = null.z(s) } }
        return out
    }
}

/// The calibrated view of one window: what the default drift rule compares with its level.
public struct CalibratedDrift: Sendable, Codable, Equatable {
    public let pValues: [DriftEstimatorKind: Double]
    public let z: [DriftEstimatorKind: Double]
    public let method: MultipleTestingMethod
    /// Smallest adjusted p-value over the estimators (reject at level α iff ≤ α).
    public let combinedP: Double
}

/// A baseline sample split (seeded) into the reference part and the disjoint calibration pool.
public struct BaselineSplit: Sendable {
    public let reference: Matrix
    public let pool: Matrix

    /// Puts `poolRows` randomly chosen rows in the pool and the rest in the reference.
    public init(_ baseline: Matrix, poolRows: Int, seed: UInt64 = 42) throws(EstimatorError) {
        guard poolRows >= 2, baseline.rows - poolRows >= 2 else {
            throw EstimatorError(.tooFewRows, "cannot split \(baseline.rows) rows into a pool of \(poolRows) and a reference of ≥ 2")
        }
        var rng = SplitMix64(seed: seed)
        let chosen = Sampling.indices(choose: poolRows, from: baseline.rows, rng: &rng).sorted()
        var inPool = [Bool](repeating: false, count: baseline.rows)
        for i in chosen { inPool[i] = true }
        pool = baseline.selectingRows(chosen)
        reference = baseline.selectingRows((0..<baseline.rows).filter { !inPool[$0] })
    }
}
