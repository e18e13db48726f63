import TwinwatchCore

/// Verification quality per group (cohort) and overall at one threshold: counts, FAR/FRR/recall/
/// precision with intervals, EER and thresholds at target FARs — what `twinwatch verify` reports
/// (DESIGN §9). One sort for all groups (`LabelledScores.grouped`), then linear scans per group.
public struct VerificationSummary: Sendable {
    /// What to compute.
    public struct Options: Sendable, Equatable {
        /// The decision threshold the counts are taken at (accept ⇔ score ≥ threshold).
        public var threshold: Double
        /// FAR targets to calibrate a threshold for, in the order reported.
        public var targetFARs: [Double]
        public var interval: RateInterval.Method
        /// Normal quantile of the intervals' level.
        public var z: Double

        /// Options; by default thresholds at FAR 1 % and 0.1 %, Wilson 95 % intervals.
        public init(threshold: Double, targetFARs: [Double] = [0.01, 0.001], interval: RateInterval.Method = .wilson,
                    z: Double = RateInterval.z95) {
            self.threshold = threshold
            self.targetFARs = targetFARs
            self.interval = interval
            self.z = z
        }
    }

    /// One group's figures.
    public struct Group: Sendable {
        /// The group's name (`VerificationSummary.overall` for everything).
        public let name: String
        /// Counts at the options' threshold.
        public let counts: ConfusionCounts
        /// Interval of FAR (FP of FP + TN); nil without impostors.
        public let farInterval: RateInterval?
        /// Interval of FRR (FN of FN + TP); nil without genuine pairs.
        public let frrInterval: RateInterval?
        /// Interval of recall (TP of TP + FN); nil without genuine pairs.
        public let recallInterval: RateInterval?
        /// Interval of precision (TP of TP + FP); nil when nothing is accepted.
        public let precisionInterval: RateInterval?
        /// EER; nil unless both classes are present.
        public let eer: EqualErrorRate?
        /// One entry per target FAR, in the options' order.
        public let targets: [Target]
        /// Non-finite scores left out of this group.
        public let excluded: Int

        /// The group's figures from its sorted scores.
        public init(name: String, scores: LabelledScores, options: Options) {
            let curve = ROCCurve(scores)
            let c = curve.counts(atThreshold: options.threshold)
            self.name = name
            counts = c
            farInterval = RateInterval(successes: c.fp, trials: c.impostors, method: options.interval, z: options.z)
            frrInterval = RateInterval(successes: c.fn, trials: c.genuine, method: options.interval, z: options.z)
            recallInterval = RateInterval(successes: c.tp, trials: c.genuine, method: options.interval, z: options.z)
            precisionInterval = RateInterval(successes: c.tp, trials: c.accepted, method: options.interval, z: options.z)
            eer = curve.equalErrorRate
            targets = options.targetFARs.map { Target(targetFAR: $0, result: ThresholdCalibrator.targetFAR($0).calibrate(curve)) }
            excluded = scores.excluded
        }
    }

    /// The threshold at one target FAR.
    public struct Target: Sendable, Equatable {
        public let targetFAR: Double
        /// nil when FAR is undefined (no impostors) or the target is outside [0, 1].
        public let result: CalibratedThreshold?
    }

    /// Name of the all-groups entry.
    public static let overall = "all"

    public let options: Options
    /// The overall figures first, then each group by name.
    public let groups: [Group]

    /// Figures for parallel arrays of scores, labels (true = genuine) and group names.
    public init(scores: [Double], genuine: [Bool], groups names: [String], options: Options) {
        precondition(scores.count == genuine.count && scores.count == names.count,
                     "VerificationSummary: \(scores.count) scores, \(genuine.count) labels, \(names.count) groups")
        var index = [String: Int](), groupOf = [Int]()
        groupOf.reserveCapacity(names.count)
        for name in names {
            if let i = index[name] {
                groupOf.append(i)
            } else {
                index[name] = index.count
                groupOf.append(index.count - 1)
            }
        }
        self.init(scores: scores, genuine: genuine, groupIndices: groupOf,
                  groupNames: index.sorted { $0.value < $1.value }.map(\.key), options: options)
    }

    /// Figures for scores grouped by index into `groupNames` (the faster form: no string per pair);
    /// `groupIndices` nil: the overall figures only.
    public init(scores: [Double], genuine: [Bool], groupIndices: [Int]?, groupNames: [String], options: Options) {
        self.options = options
        guard let groupIndices else {
            groups = [Group(name: Self.overall, scores: LabelledScores(scores: scores, genuine: genuine), options: options)]
            return
        }
        let (all, parts) = LabelledScores.grouped(scores: scores, genuine: genuine, groups: groupIndices, groupCount: groupNames.count)
        var groups = [Group(name: Self.overall, scores: all, options: options)]
        for i in groupNames.indices.sorted(by: { groupNames[$0] < groupNames[$1] }) where !parts[i].isEmpty || parts[i].excluded > 0 {
            groups.append(Group(name: groupNames[i], scores: parts[i], options: options))
        }
        self.groups = groups
    }

    /// The overall figures.
    public var overallGroup: Group { groups[0] }

    /// The group named `name`.
    public func group(_ name: String) -> Group? { groups.first { $0.name == name } }
}
