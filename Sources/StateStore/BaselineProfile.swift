import DriftEstimators

/// What a model owner reads about a baseline (`baseline show`): per-dimension location and spread,
/// quantiles, health signals and the mean similarity score. Computed once when a baseline is stored.
public struct BaselineProfile: Sendable, Codable, Equatable {
    public let mean: [Double]
    /// Sample standard deviation per dimension (ddof 1).
    public let std: [Double]
    /// Per-dimension quantiles at `quantileLevels` (linear interpolation, numpy's default).
    public let quantiles: [[Double]]
    public let quantileLevels: [Double]
    public let health: HealthSignals
    /// Mean of the events' similarity scores, when the source had scores.
    public let scoreMean: Double?
    public let scoreCount: Int

    public static let defaultLevels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

    /// Profiles `rows` (finite, ≥ 2 rows) and the optional scores of the same events.
    public init(rows: Matrix, scores: [Float] = []) {
        let n = rows.rows
        var mean = [Double](), std = [Double](), quantiles = [[Double]]()
        for c in 0..<rows.cols {
            let column = rows.column(c).sorted()
            let mu = column.reduce(0, +) / Double(n)
            let ss = column.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
            mean.append(mu)
            std.append(n > 1 ? (ss / Double(n - 1)).squareRoot() : 0)
            quantiles.append(Self.defaultLevels.map { Self.quantile(sorted: column, $0) })
        }
        self.mean = mean
        self.std = std
        self.quantiles = quantiles
        quantileLevels = Self.defaultLevels
        health = HealthSignals(rows)
        let finiteScores = scores.filter(\.isFinite).map(Double.init)
        scoreCount = finiteScores.count
        scoreMean = finiteScores.isEmpty ? nil : finiteScores.reduce(0, +) / Double(finiteScores.count)
    }

    static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
