/// A signal an alert rule can watch (DESIGN §7). Each evaluation publishes samples of these, with
/// the labels `model` and `cohort` for per-window signals and none for process-wide ones.
public struct AlertSignal: Hashable, Sendable, CustomStringConvertible {
    /// What a sample of the signal carries besides its value, which decides the conditions it takes.
    public struct Evidence: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// A calibrated p-value (`p_value_below`).
        public static let pValue = Evidence(rawValue: 1)
        /// A z against the null (`z_above`).
        public static let z = Evidence(rawValue: 2)
        /// The same quantity on the active baseline (`ratio_to_baseline_*`, `change_from_baseline_above`).
        public static let baseline = Evidence(rawValue: 4)
        /// A confidence interval (`ci_lower_above`, `ci_upper_below`).
        public static let interval = Evidence(rawValue: 8)
    }

    public let name: String
    public let evidence: Evidence

    public var description: String { name }

    private init(_ name: String, _ evidence: Evidence = []) {
        self.name = name
        self.evidence = evidence
    }

    /// The combined (max-z) p-value of the window's estimators; the value is the p-value.
    public static let driftCombined = AlertSignal("drift.combined", [.pValue])
    /// One estimator's score on the window, with its p-value and z.
    public static func drift(_ kind: DriftEstimatorKind) -> AlertSignal { AlertSignal("drift.\(kind.rawValue)", [.pValue, .z]) }
    public static let effectiveRank = AlertSignal("collapse.effective_rank", [.baseline])
    public static let totalVariance = AlertSignal("collapse.total_variance", [.baseline])
    public static let meanPairwiseCosine = AlertSignal("health.mean_pairwise_cosine", [.baseline])
    public static let nanRate = AlertSignal("health.nan_rate")
    public static let zeroVectorRate = AlertSignal("health.zero_vector_rate")
    /// Mean similarity score of the window's events, against the baseline's.
    public static let meanScore = AlertSignal("mean_score", [.baseline])
    /// Verification quality from feedback labels, with Wilson intervals.
    public static let far = AlertSignal("far", [.interval])
    public static let frr = AlertSignal("frr", [.interval])
    public static let recall = AlertSignal("recall", [.interval])
    public static let precision = AlertSignal("precision", [.interval])
    /// Serving SLIs from the events' optional fields.
    public static let latencyP50 = AlertSignal("sli.latency_p50_ms")
    public static let latencyP99 = AlertSignal("sli.latency_p99_ms")
    public static let errorRate = AlertSignal("sli.error_rate")
    public static let reviewRate = AlertSignal("sli.review_rate")
    public static let qps = AlertSignal("sli.qps")
    /// Share of the events consumed since the last evaluation that were refused (process-wide).
    public static let rejectedRate = AlertSignal("ingest.rejected_rate")
    /// Messages behind the partitions' high watermarks, summed (process-wide).
    public static let consumerLag = AlertSignal("ingest.lag")
    /// Days since the active baseline was created (label `model`).
    public static let baselineAgeDays = AlertSignal("baseline.age_days")

    /// Every signal a rule may name.
    public static let all: [AlertSignal] = [driftCombined] + DriftSettings.selectable.map(drift) + [
        effectiveRank, totalVariance, meanPairwiseCosine, nanRate, zeroVectorRate, meanScore,
        far, frr, recall, precision, latencyP50, latencyP99, errorRate, reviewRate, qps,
        rejectedRate, consumerLag, baselineAgeDays,
    ]

    /// The signal called `name`, if there is one.
    public static func named(_ name: String) -> AlertSignal? { all.first { $0.name == name } }

    /// Whether the signal's samples carry what `condition` compares.
    public func supports(_ condition: AlertCondition) -> Bool {
        switch condition {
        case .above, .below: true
        case .pValueBelow: evidence.contains(.pValue)
        case .zAbove: evidence.contains(.z)
        case .ratioToBaselineAbove, .ratioToBaselineBelow, .changeFromBaselineAbove: evidence.contains(.baseline)
        case .ciLowerAbove, .ciUpperBelow: evidence.contains(.interval)
        }
    }

    /// Drift signals are judged on windows, so a rule on them counts disjoint breaching windows.
    public var isDrift: Bool { name.hasPrefix("drift.") }
}
