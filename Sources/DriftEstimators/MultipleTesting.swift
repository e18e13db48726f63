/// Multiple-testing corrections for combining estimators / cohorts (DESIGN §5.7).
public enum MultipleTestingMethod: String, Sendable, Codable, CaseIterable {
    /// The daemon's default: the largest z over the estimators, ranked among the same maximum of
    /// every null replicate (Westfall–Young max-T; `NullCalibration.assess`). Its p-value has the
    /// null's full resolution 1/(B+1) even when one estimator alone sees the drift, where BH and
    /// Bonferroni need K/(B+1).
    case maxZ = "max_z"
    case bh
    case bonferroni
}

/// p-value adjustments and the family-wise combination used by the alert rules.
public enum MultipleTesting {
    /// Bonferroni-adjusted p-values: min(1, K·pᵢ).
    public static func bonferroni(_ p: [Double]) -> [Double] {
        p.map { Swift.min(1, Double(p.count) * $0) }
    }

    /// Benjamini–Hochberg adjusted p-values (step-up, monotone; same as R's `p.adjust(, "BH")`).
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let k = p.count
        guard k > 0 else { return [] }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: k)
        var running = 1.0
        for rank in stride(from: k, through: 1, by: -1) {
            let i = order[rank - 1]
            running = Swift.min(running, p[i] * Double(k) / Double(rank))
            adjusted[i] = Swift.min(1, running)
        }
        return adjusted
    }

    /// The family-wise decision value: the smallest adjusted p-value (reject at level α iff ≤ α).
    public static func combined(_ p: [Double], method: MultipleTestingMethod) -> Double {
        guard !p.isEmpty else { return 1 }
        switch method {
        case .bh: return benjaminiHochberg(p).min()!
        // Without the null's replicates the union bound is max-T's conservative value.
        case .bonferroni, .maxZ: return bonferroni(p).min()!
        }
    }
}
