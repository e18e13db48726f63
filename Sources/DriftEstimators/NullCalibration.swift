import Dispatch
import Synchronization
import TwinwatchCore

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
/// Design (DESIGN §5.7, *re-split per replicate*): a live window of m rows is scored against a
/// *reference* of n − m baseline rows (`BaselineSplit`, seeded). Each of the B null replicates
/// partitions the n baseline rows at random into a window of m rows and a reference of the other
/// n − m, summarises that reference and scores that window against it. Under "no drift" the n
/// baseline rows and a live window are draws of one distribution, so every replicate pair
/// (reference, window) has exactly the distribution of the live pair (reference, live window):
/// the null carries the reference's own sampling noise instead of conditioning on it, and no
/// calibration pool exists whose deviation could offset every null window alike (the fault of a
/// fixed pool only a few windows large). The cost is one reference summary per replicate.
/// Compute once per (baseline, window size); it is Codable for the store.
public struct NullCalibration: Sendable, Codable, Equatable {
    public let windowSize: Int
    public let resamples: Int
    public let seed: UInt64
    /// Rows of every replicate's reference and of the live reference: the baseline's rows − m.
    public let referenceRows: Int
    public let distributions: [DriftEstimatorKind: NullDistribution]
    /// Per replicate, the largest z over the estimators (each against its own null): the null of
    /// the max-z combination. Nil for nulls stored before 0.4.0.
    public let maxZ: NullDistribution?

    /// The documented minimum: a baseline (or a cohort's part of it) needs at least this many
    /// times the window's rows for a calibrated null. Below it `calibrate` refuses. Measured
    /// (no drift, d = 32 and 256, BH over w1/sliced/frechet/hist_kl): README "How good are the alerts?".
    public static let minimumBaselineRatio = 4
    /// The smallest window a null is calibrated for.
    public static let minimumWindow = 20

    private enum CodingKeys: String, CodingKey { case windowSize, resamples, seed, referenceRows, distributions, maxZ }

    /// Decodes a stored null; one stored before re-splitting (0.3.x, a fixed pool) has no
    /// `referenceRows` and reads as 0 (such nulls are listed, never used: the daemon's label differs).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        windowSize = try c.decode(Int.self, forKey: .windowSize)
        resamples = try c.decode(Int.self, forKey: .resamples)
        seed = try c.decode(UInt64.self, forKey: .seed)
        referenceRows = try c.decodeIfPresent(Int.self, forKey: .referenceRows) ?? 0
        distributions = try c.decode([DriftEstimatorKind: NullDistribution].self, forKey: .distributions)
        maxZ = try c.decodeIfPresent(NullDistribution.self, forKey: .maxZ)
    }

    /// Memberwise (e.g. when loaded from a store).
    public init(windowSize: Int, resamples: Int, seed: UInt64, referenceRows: Int, distributions: [DriftEstimatorKind: NullDistribution],
                maxZ: NullDistribution? = nil) {
        self.windowSize = windowSize
        self.resamples = resamples
        self.seed = seed
        self.referenceRows = referenceRows
        self.distributions = distributions
        self.maxZ = maxZ
    }

    /// The largest window a baseline of `rows` rows calibrates (nil below `minimumWindow`).
    public static func largestWindow(baselineRows rows: Int) -> Int? {
        let m = rows / minimumBaselineRatio
        return m >= minimumWindow ? m : nil
    }

    /// Why a baseline of `rows` rows cannot calibrate windows of `m` rows, or nil when it can.
    public static func refusal(baselineRows rows: Int, windowSize m: Int) -> String? {
        if m < minimumWindow { return "window of \(m) rows is below the minimum of \(minimumWindow) for a calibrated null" }
        if rows < minimumBaselineRatio * m {
            return "baseline of \(rows) rows is below the minimum of \(minimumBaselineRatio) × window = \(minimumBaselineRatio * m) rows "
                + "for a calibrated null at window \(m) (largest calibrated window: \(largestWindow(baselineRows: rows).map(String.init) ?? "none"))"
        }
        return nil
    }

    /// Draws `resamples` (≥ 1; DESIGN asks ≥ 200) re-splits of `baseline` into a window of
    /// `windowSize` rows and a reference of the rest, and scores each window against its reference
    /// with `configuration`. Refuses a baseline below `minimumBaselineRatio` × `windowSize` rows.
    ///
    /// `threads` > 1 scores the replicates on that many threads; the splits come from the one
    /// seeded sequence either way, so the result does not depend on `threads`.
    public static func calibrate(baseline: Matrix, windowSize m: Int, configuration: DriftConfiguration,
                                 resamples b: Int = 200, seed: UInt64 = 42, threads: Int = 1) throws(EstimatorError) -> NullCalibration {
        try baseline.requireUsable("baseline")
        guard b >= 1 else { throw EstimatorError(.tooFewRows, "null calibration needs B ≥ 1 (got \(b))") }
        if let why = refusal(baselineRows: baseline.rows, windowSize: m) { throw EstimatorError(.tooFewRows, why) }
        // Health signals are no drift score: not computed for the replicates at all.
        var configuration = configuration
        configuration.estimators.remove(.health)
        let kinds = configuration.estimators.sorted()
        var scores = [DriftEstimatorKind: [Double]]()
        var rng = SplitMix64(seed: seed)
        let resplit = ResplitSummaries(baseline: baseline, configuration: configuration)
        // Splits are taken in chunks, so at most one chunk of index sets is held at a time.
        let chunk = Swift.max(1, threads) * 16
        for start in stride(from: 0, to: b, by: chunk) {
            let splits = (start..<Swift.min(start + chunk, b)).map { _ in Sampling.indices(choose: m, from: baseline.rows, rng: &rng) }
            for s in try scoreReplicates(splits, baseline: baseline, configuration: configuration, resplit: resplit, threads: threads) {
                for k in kinds { if let v = s.primaryScore(k) { scores[k, default: []].append(v) } }
            }
        }
        let distributions = scores.mapValues { NullDistribution(scores: $0) }
        let maxZ = (0..<b).map { r in distributions.map { k, null in null.z(scores[k]![r]) }.max() ?? 0 }
        return NullCalibration(windowSize: m, resamples: b, seed: seed, referenceRows: baseline.rows - m,
                               distributions: distributions, maxZ: NullDistribution(scores: maxZ))
    }

    /// One replicate: the rows `window` selects against a reference of every other row (derived
    /// from the whole baseline's summaries where `resplit` covers the estimators).
    private static func replicate(_ window: [Int], baseline: Matrix, configuration: DriftConfiguration,
                                  resplit: ResplitSummaries?) throws(EstimatorError) -> DriftScores {
        let rows = baseline.selectingRows(window)
        let reference: BaselineSummary
        if let resplit {
            reference = try resplit.summary(excluding: window, rows: rows)
        } else {
            reference = try BaselineSummary(baseline: baseline.selectingRows(complement(of: window, in: baseline.rows)), configuration: configuration)
        }
        return try reference.evaluate(rows)
    }

    /// Scores of the replicates `splits` select, in order.
    private static func scoreReplicates(_ splits: [[Int]], baseline: Matrix, configuration: DriftConfiguration,
                                        resplit: ResplitSummaries?, threads: Int) throws(EstimatorError) -> [DriftScores] {
        guard threads > 1, splits.count > 1 else {
            return try splits.map { (w: [Int]) throws(EstimatorError) in try replicate(w, baseline: baseline, configuration: configuration, resplit: resplit) }
        }
        let results = Mutex([Result<DriftScores, EstimatorError>?](repeating: nil, count: splits.count))
        DispatchQueue.concurrentPerform(iterations: Swift.min(threads, splits.count)) { worker in
            for i in stride(from: worker, to: splits.count, by: threads) {
                let result = Result { () throws(EstimatorError) in
                    try replicate(splits[i], baseline: baseline, configuration: configuration, resplit: resplit)
                }
                results.withLock { $0[i] = result }
            }
        }
        return try results.withLock { $0 }.map { (r: Result<DriftScores, EstimatorError>?) throws(EstimatorError) in try r!.get() }
    }

    /// The indices of `0..<n` not in `chosen`, ascending.
    static func complement(of chosen: [Int], in n: Int) -> [Int] {
        var taken = [Bool](repeating: false, count: n)
        for i in chosen { taken[i] = true }
        return (0..<n).filter { !taken[$0] }
    }

    /// p-value of each estimator's primary score in `scores` (estimators without a null are skipped).
    public func pValues(for scores: DriftScores) -> [DriftEstimatorKind: Double] {
        var out = [DriftEstimatorKind: Double]()
        for (k, null) in distributions { if let s = scores.primaryScore(k) { out[k] = null.pValue(s) } }
        return out
    }

    /// p-values, z-scores and their combination for one evaluated window: max-z against the
    /// replicates' max-z (the default), or a p-value correction.
    public func assess(_ scores: DriftScores, method: MultipleTestingMethod = .maxZ) -> CalibratedDrift {
        let p = pValues(for: scores), z = zScores(for: scores)
        if method == .maxZ, let maxZ, let observed = z.values.max() {
            return CalibratedDrift(pValues: p, z: z, method: .maxZ, combinedP: maxZ.pValue(observed))
        }
        return CalibratedDrift(pValues: p, z: z, method: method,
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

/// The live reference of a window size: a seeded choice of the baseline's rows, the same number
/// every replicate of the window size's `NullCalibration` uses (n − m).
public struct BaselineSplit: Sendable {
    public let reference: Matrix

    /// Keeps all but `windowSize` randomly chosen rows of `baseline` as the reference.
    public init(_ baseline: Matrix, windowSize m: Int, seed: UInt64 = 42) throws(EstimatorError) {
        guard m >= 1, baseline.rows - m >= 2 else {
            throw EstimatorError(.tooFewRows, "cannot hold out \(m) of \(baseline.rows) rows and keep a reference of ≥ 2")
        }
        var rng = SplitMix64(seed: seed)
        let heldOut = Sampling.indices(choose: m, from: baseline.rows, rng: &rng)
        reference = baseline.selectingRows(NullCalibration.complement(of: heldOut, in: baseline.rows))
    }
}
