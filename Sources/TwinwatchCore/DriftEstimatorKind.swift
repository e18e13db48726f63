/// Estimator names of DESIGN §9 (CLI `--estimators`, config, metric labels, alert signals).
/// One enum for the whole product: `DriftEstimators` computes them, the configuration selects them.
public enum DriftEstimatorKind: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable, Comparable {
    case w1
    case sliced
    case frechet
    case gaussianKL = "gaussian_kl"
    case histKL = "hist_kl"
    case knnKL = "knn_kl"
    /// W1 between the rows' L2-norm distributions (`NormDrift`).
    case norm
    /// Embedding health signals (DESIGN §5.6), not a drift score: never in `drift.estimators`.
    case health

    /// Declaration order (the order of DESIGN §9), for stable output.
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
