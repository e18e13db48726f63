import Foundation

/// Collapse / health signals of one window (DESIGN §5.8).
///
/// Rates are over all rows. Variance, cosine and rank use only rows whose values are all finite
/// (cosine additionally skips zero vectors); with fewer than 2 such rows they are defined as 0.
public struct HealthSignals: Sendable, Codable, Equatable {
    public let rows: Int
    /// Σ_j var_j (ddof 1).
    public let totalVariance: Double
    /// Mean cosine similarity over distinct pairs of non-zero rows.
    public let meanPairwiseCosine: Double
    /// exp(entropy of the normalised covariance eigenvalues), between 1 and d (0 if no variance).
    public let effectiveRank: Double
    /// Fraction of rows containing a NaN.
    public let nanRate: Double
    /// Fraction of rows containing ±Inf.
    public let infRate: Double
    /// Fraction of rows that are exactly zero.
    public let zeroVectorRate: Double

    /// Measures a raw window; never throws on NaN/Inf, which it counts instead.
    public init(_ matrix: Matrix) {
        let n = matrix.rows, d = matrix.cols
        var nanRows = 0, infRows = 0, zeroRows = 0
        var finite = [Int]()
        matrix.values.withUnsafeBufferPointer { v in
            for r in 0..<n {
                var hasNaN = false, hasInf = false, allZero = true
                for c in 0..<d {
                    let x = v[r * d + c]
                    if x.isNaN { hasNaN = true } else if x.isInfinite { hasInf = true }
                    if x != 0 { allZero = false }
                }
                if hasNaN { nanRows += 1 }
                if hasInf { infRows += 1 }
                if allZero { zeroRows += 1 }
                if !hasNaN && !hasInf { finite.append(r) }
            }
        }
        rows = n
        let denominator = Double(Swift.max(n, 1))
        nanRate = Double(nanRows) / denominator
        infRate = Double(infRows) / denominator
        zeroVectorRate = Double(zeroRows) / denominator
        guard finite.count >= 2 else {
            totalVariance = 0; meanPairwiseCosine = 0; effectiveRank = 0
            return
        }
        let clean = finite.count == n ? matrix : matrix.selectingRows(finite)
        let x = clean.widened()
        let moments = Moments(widened: x, rows: clean.rows, cols: d)
        totalVariance = moments.trace
        meanPairwiseCosine = Self.meanCosine(x, rows: clean.rows, cols: d)
        effectiveRank = Self.effectiveRank(moments)
    }

    /// (‖Σ uᵢ‖² − Σ‖uᵢ‖²) / (k(k−1)) over unit vectors uᵢ: the O(m·d) form of the pairwise mean.
    static func meanCosine(_ x: [Double], rows: Int, cols d: Int) -> Double {
        var sum = [Double](repeating: 0, count: d)
        var k = 0
        for r in 0..<rows {
            var nn = 0.0
            for c in 0..<d { nn += x[r * d + c] * x[r * d + c] }
            guard nn > 0 else { continue }
            let inv = 1 / nn.squareRoot()
            for c in 0..<d { sum[c] += x[r * d + c] * inv }
            k += 1
        }
        guard k >= 2 else { return 0 }
        let s2 = sum.reduce(0) { $0 + $1 * $1 }
        return (s2 - Double(k)) / (Double(k) * Double(k - 1))
    }

    static func effectiveRank(_ m: Moments) -> Double {
        guard let eig = try? Numerics.symmetricEigen(m.covariance, d: m.dimensions, vectors: false) else { return 0 }
        let w = eig.values.map { Swift.max($0, 0) }
        let total = w.reduce(0, +)
        guard total > 0 else { return 0 }
        var h = 0.0
        for e in w where e > 0 { let p = e / total; h -= p * log(p) }
        return exp(h)
    }
}

/// Shift of the mean similarity score against the baseline (the "> 10 % change" rule).
public struct ScoreShift: Sendable, Codable, Equatable {
    public let baselineMean: Double
    public let currentMean: Double
    /// (current − baseline) / |baseline|; |baseline| is floored at 1e-12 so a zero baseline stays finite.
    public let relativeChange: Double

    /// Compares the mean of `current` scores (non-finite scores skipped) with a baseline mean.
    public init(baselineMean: Double, current: [Double]) throws(EstimatorError) {
        let finite = current.filter(\.isFinite)
        guard !finite.isEmpty else { throw EstimatorError(.tooFewRows, "score shift: no finite current score") }
        let mean = finite.reduce(0, +) / Double(finite.count)
        self.baselineMean = baselineMean
        self.currentMean = mean
        self.relativeChange = (mean - baselineMean) / Swift.max(abs(baselineMean), 1e-12)
    }
}
