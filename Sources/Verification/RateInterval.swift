import Foundation

/// A two-sided confidence interval for a proportion (successes out of trials), e.g. FAR = FP out
/// of FP + TN: Wilson's score interval (default) or the exact Clopper–Pearson interval.
///
/// The level is given by the normal quantile `z` (default 1.959963984540054: 95 %); Clopper–Pearson
/// uses the same level, α = 2·(1 − Φ(z)) = erfc(z/√2). Bounds lie in [0, 1]; with 0 successes the
/// lower bound is 0 and with all successes the upper bound is 1.
public struct RateInterval: Sendable, Hashable, Codable {
    /// Which interval.
    public enum Method: String, Sendable, CaseIterable, Codable {
        /// Wilson (1927) score interval: never outside [0, 1], good coverage near 0 and 1.
        case wilson
        /// Clopper–Pearson (1934): inverts the binomial tails; conservative (coverage ≥ the level).
        case clopperPearson = "clopper-pearson"
    }

    /// The normal quantile of a two-sided 95 % interval.
    public static let z95 = 1.959963984540054

    public let lower: Double
    public let upper: Double

    /// An interval as given.
    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// The `method` interval of `successes` out of `trials` at level `z`; nil without trials or with
    /// successes outside 0…trials, or a `z` that is not finite and positive.
    public init?(successes: Int, trials: Int, method: Method = .wilson, z: Double = RateInterval.z95) {
        guard let interval = method == .wilson
            ? Self.wilson(successes: successes, trials: trials, z: z)
            : Self.clopperPearson(successes: successes, trials: trials, z: z) else { return nil }
        self = interval
    }

    /// Wilson's score interval: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), p̂ = k/n.
    public static func wilson(successes k: Int, trials n: Int, z: Double = RateInterval.z95) -> RateInterval? {
        guard n > 0, (0...n).contains(k), z.isFinite, z > 0 else { return nil }
        let nd = Double(n), p = Double(k) / nd, z2 = z * z
        let denominator = 1 + z2 / nd
        let center = (p + z2 / (2 * nd)) / denominator
        let half = z * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot() / denominator
        // At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave ±1e-17.
        return RateInterval(lower: k == 0 ? 0 : Swift.max(0, center - half), upper: k == n ? 1 : Swift.min(1, center + half))
    }

    /// Clopper–Pearson: lower = B⁻¹(α/2; k, n−k+1), upper = B⁻¹(1−α/2; k+1, n−k), with the regularized
    /// incomplete beta function and its inverse computed here (`IncompleteBeta`).
    public static func clopperPearson(successes k: Int, trials n: Int, z: Double = RateInterval.z95) -> RateInterval? {
        guard n > 0, (0...n).contains(k), z.isFinite, z > 0 else { return nil }
        let halfAlpha = erfc(z / 2.0.squareRoot()) / 2
        let a = Double(k), b = Double(n - k)
        let lower = k == 0 ? 0 : IncompleteBeta.inverse(probability: halfAlpha, a: a, b: b + 1)
        // Solved on the upper tail, 1 − I_x(k+1, n−k) = α/2: a small upper bound keeps its relative accuracy.
        let upper = k == n ? 1 : IncompleteBeta.inverse(probability: halfAlpha, a: a + 1, b: b, upperTail: true)
        return RateInterval(lower: lower, upper: upper)
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}
