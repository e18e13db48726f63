extension ReportModel {
    /// The per-dimension W1 vector of one evaluation (DESIGN §5.1), the report shows its top 20.
    public struct DimensionW1: Sendable, Codable, Equatable {
        public var cohort: String
        /// The evaluation it comes from (normally the latest).
        public var timeMs: Int64
        /// W1_j per dimension j: in embedding units, or in the baseline's standard deviation of
        /// dimension j when `normalized`.
        public var w1: [Double]
        public var normalized: Bool

        /// One evaluation's vector.
        public init(cohort: String, timeMs: Int64, w1: [Double], normalized: Bool = false) {
            self.cohort = cohort
            self.timeMs = timeMs
            self.w1 = w1
            self.normalized = normalized
        }

        /// The `k` largest finite values as (dimension, W1), largest first, ties by dimension.
        public func top(_ k: Int) -> [(dimension: Int, w1: Double)] {
            w1.indices.filter { w1[$0].isFinite }
                .sorted { w1[$0] != w1[$1] ? w1[$0] > w1[$1] : $0 < $1 }
                .prefix(k).map { ($0, w1[$0]) }
        }
    }

    /// Baseline and current bin counts of one projection (or dimension) on shared bins.
    public struct ProjectionHistogram: Sendable, Codable, Equatable {
        public var cohort: String
        /// What was binned, e.g. `projection 17` or `dimension 5`.
        public var label: String
        /// Bin edges, ascending: one more than the counts.
        public var binEdges: [Double]
        /// Baseline rows per bin.
        public var baseline: [Int]
        /// Current-window rows per bin.
        public var current: [Int]
        /// The projection's drift score (e.g. its W1), shown in the title; nil: not given.
        public var score: Double?

        /// One projection's histograms.
        public init(cohort: String, label: String, binEdges: [Double], baseline: [Int], current: [Int], score: Double? = nil) {
            self.cohort = cohort
            self.label = label
            self.binEdges = binEdges
            self.baseline = baseline
            self.current = current
            self.score = score
        }
    }

    /// Embedding health per evaluation (DESIGN §5.8) for one cohort, with the baseline's values for
    /// reference. Columnar like `DriftSeries`; NaN marks a missing value.
    public struct HealthSeries: Sendable, Codable, Equatable {
        public var cohort: String
        /// Evaluation times, ascending.
        public var timesMs: [Int64]
        /// Sum of the window's per-dimension variances.
        public var totalVariance: [Double]
        /// exp(entropy of the normalised covariance eigenvalues).
        public var effectiveRank: [Double]
        /// Mean similarity score of the window's events.
        public var meanSimilarity: [Double]
        /// The same quantities over the baseline; nil: unknown.
        public var baseline: HealthReference?

        /// A cohort's health series.
        public init(cohort: String, timesMs: [Int64], totalVariance: [Double], effectiveRank: [Double], meanSimilarity: [Double],
                    baseline: HealthReference? = nil) {
            self.cohort = cohort
            self.timesMs = timesMs
            self.totalVariance = totalVariance
            self.effectiveRank = effectiveRank
            self.meanSimilarity = meanSimilarity
            self.baseline = baseline
        }

        private enum CodingKeys: String, CodingKey { case cohort, timesMs, totalVariance, effectiveRank, meanSimilarity, baseline }

        /// Decodes `null` entries as NaN.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cohort = try c.decode(String.self, forKey: .cohort)
            timesMs = try c.decode([Int64].self, forKey: .timesMs)
            totalVariance = try c.decodeGaps(forKey: .totalVariance)
            effectiveRank = try c.decodeGaps(forKey: .effectiveRank)
            meanSimilarity = try c.decodeGaps(forKey: .meanSimilarity)
            baseline = try c.decodeIfPresent(HealthReference.self, forKey: .baseline)
        }

        /// Encodes NaN entries as `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cohort, forKey: .cohort)
            try c.encode(timesMs, forKey: .timesMs)
            try c.encodeGaps(totalVariance, forKey: .totalVariance)
            try c.encodeGaps(effectiveRank, forKey: .effectiveRank)
            try c.encodeGaps(meanSimilarity, forKey: .meanSimilarity)
            try c.encodeIfPresent(baseline, forKey: .baseline)
        }
    }

    /// Health of the baseline itself: the reference lines of the health plots.
    public struct HealthReference: Sendable, Codable, Equatable {
        public var totalVariance: Double?
        public var effectiveRank: Double?
        public var meanSimilarity: Double?

        /// The baseline's values.
        public init(totalVariance: Double? = nil, effectiveRank: Double? = nil, meanSimilarity: Double? = nil) {
            self.totalVariance = totalVariance
            self.effectiveRank = effectiveRank
            self.meanSimilarity = meanSimilarity
        }
    }
}
