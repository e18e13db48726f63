extension ReportModel {
    /// One cohort's verification quality from labelled feedback (DESIGN §6): counts at the decision
    /// threshold, rates with their intervals, EER and the ROC curve.
    public struct CohortVerification: Sendable, Codable, Equatable {
        public var cohort: String
        /// The threshold the counts are taken at (accept ⇔ score ≥ threshold); nil: unknown.
        public var threshold: Double?
        public var counts: Counts
        /// FP / (FP + TN); nil without impostors.
        public var far: Rate?
        /// FN / (FN + TP); nil without genuine pairs.
        public var frr: Rate?
        /// TP / (TP + FN); nil without genuine pairs.
        public var recall: Rate?
        /// TP / (TP + FP); nil when nothing is accepted.
        public var precision: Rate?
        /// Equal error rate; nil unless both classes are present.
        public var eer: Double?
        /// The score threshold at the EER.
        public var eerThreshold: Double?
        /// The ROC curve; nil: not computed.
        public var roc: ROCPoints?

        /// One cohort's figures.
        public init(cohort: String, threshold: Double? = nil, counts: Counts, far: Rate? = nil, frr: Rate? = nil, recall: Rate? = nil,
                    precision: Rate? = nil, eer: Double? = nil, eerThreshold: Double? = nil, roc: ROCPoints? = nil) {
            self.cohort = cohort
            self.threshold = threshold
            self.counts = counts
            self.far = far
            self.frr = frr
            self.recall = recall
            self.precision = precision
            self.eer = eer
            self.eerThreshold = eerThreshold
            self.roc = roc
        }
    }

    /// Confusion counts at one threshold (label 1 = genuine; accept ⇔ score ≥ threshold).
    public struct Counts: Sendable, Codable, Equatable {
        public var tp: Int
        public var fn: Int
        public var fp: Int
        public var tn: Int

        /// Counts as given.
        public init(tp: Int, fn: Int, fp: Int, tn: Int) {
            self.tp = tp
            self.fn = fn
            self.fp = fp
            self.tn = tn
        }

        /// Labelled pairs in all.
        public var total: Int { tp + fn + fp + tn }
    }

    /// A rate in [0, 1] with its confidence interval (Wilson 95 % unless the caller chose otherwise).
    public struct Rate: Sendable, Codable, Equatable {
        public var value: Double
        public var lower: Double
        public var upper: Double

        /// A rate and its interval.
        public init(value: Double, lower: Double, upper: Double) {
            self.value = value
            self.lower = lower
            self.upper = upper
        }
    }

    /// A ROC curve as parallel arrays, in threshold order (FPR and TPR non-decreasing).
    public struct ROCPoints: Sendable, Codable, Equatable {
        /// False positive rate (= FAR) per point.
        public var fpr: [Double]
        /// True positive rate (= recall) per point.
        public var tpr: [Double]

        /// A curve.
        public init(fpr: [Double], tpr: [Double]) {
            self.fpr = fpr
            self.tpr = tpr
        }
    }

    /// One threshold decision for a cohort, with what made it.
    public struct ThresholdChange: Sendable, Codable, Equatable {
        /// Applied (in force from then on) or proposed (a dry run).
        public enum Status: String, Sendable, Codable, CaseIterable {
            case applied, proposed
        }

        /// When the decision was made.
        public var timeMs: Int64
        public var cohort: String
        /// The threshold before; nil for the first.
        public var from: Double?
        /// The threshold decided.
        public var to: Double
        /// Per cohort, counting applied changes.
        public var version: Int
        public var status: Status
        /// The calibrator or rule that made it (`target_far:0.001`, `manual`, …).
        public var method: String
        /// Why, in words (the evidence's summary).
        public var reason: String?

        /// One decision.
        public init(timeMs: Int64, cohort: String, from: Double?, to: Double, version: Int, status: Status, method: String,
                    reason: String? = nil) {
            self.timeMs = timeMs
            self.cohort = cohort
            self.from = from
            self.to = to
            self.version = version
            self.status = status
            self.method = method
            self.reason = reason
        }
    }
}
