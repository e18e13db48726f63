extension ReportModel {
    /// One cohort's drift evaluations over time, columnar: element i of every array belongs to the
    /// evaluation at `timesMs[i]`. A week at 10 s is 60 480 evaluations; the renderer downsamples.
    public struct DriftSeries: Sendable, Codable, Equatable {
        /// The cohort (or the model-wide aggregate's name).
        public var cohort: String
        /// Evaluation times, ascending.
        public var timesMs: [Int64]
        /// Each estimator's scores and p-values.
        public var estimators: [EstimatorSeries]
        /// The estimators' multiple-testing combination per evaluation (the value the default rule compares
        /// with `level`); empty when not calibrated.
        public var combinedP: [Double]

        /// A cohort's series.
        public init(cohort: String, timesMs: [Int64], estimators: [EstimatorSeries], combinedP: [Double] = []) {
            self.cohort = cohort
            self.timesMs = timesMs
            self.estimators = estimators
            self.combinedP = combinedP
        }

        /// Number of evaluations.
        public var count: Int { timesMs.count }

        /// The p-value judged against the level at evaluation i: the combined p when there is one,
        /// else the smallest estimator p-value; nil when neither is known.
        public func decisiveP(at i: Int) -> Double? {
            if i < combinedP.count {
                return combinedP[i].isNaN ? nil : combinedP[i]
            }
            var best: Double?
            for e in estimators where i < e.pValues.count && !e.pValues[i].isNaN {
                best = min(best ?? .infinity, e.pValues[i])
            }
            return best
        }

        private enum CodingKeys: String, CodingKey { case cohort, timesMs, estimators, combinedP }

        /// Decodes `null` entries of `combined_p` as NaN.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cohort = try c.decode(String.self, forKey: .cohort)
            timesMs = try c.decode([Int64].self, forKey: .timesMs)
            estimators = try c.decode([EstimatorSeries].self, forKey: .estimators)
            combinedP = try c.decodeGaps(forKey: .combinedP)
        }

        /// Encodes NaN entries of `combinedP` as `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cohort, forKey: .cohort)
            try c.encode(timesMs, forKey: .timesMs)
            try c.encode(estimators, forKey: .estimators)
            try c.encodeGaps(combinedP, forKey: .combinedP)
        }
    }

    /// One estimator's scores and p-values, index-aligned with the series' times.
    public struct EstimatorSeries: Sendable, Codable, Equatable {
        /// Estimator name of DESIGN §9 (`w1`, `sliced`, `frechet`, …).
        public var name: String
        /// The estimator's primary score per evaluation.
        public var scores: [Double]
        /// Calibrated p-value per evaluation; empty when the estimator is not calibrated.
        public var pValues: [Double]

        /// An estimator's series.
        public init(name: String, scores: [Double], pValues: [Double] = []) {
            self.name = name
            self.scores = scores
            self.pValues = pValues
        }

        private enum CodingKeys: String, CodingKey { case name, scores, pValues }

        /// Decodes `null` entries as NaN.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            scores = try c.decodeGaps(forKey: .scores)
            pValues = try c.decodeGaps(forKey: .pValues)
        }

        /// Encodes NaN entries as `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeGaps(scores, forKey: .scores)
            try c.encodeGaps(pValues, forKey: .pValues)
        }
    }

    /// One alert transition, drawn as a marker on the drift plots.
    public struct AlertMarker: Sendable, Codable, Equatable {
        /// The transition: the alert started firing, or resolved.
        public enum State: String, Sendable, Codable, CaseIterable {
            case firing, resolved
        }

        /// When the transition happened.
        public var timeMs: Int64
        /// The rule's name (`EmbeddingDrift`).
        public var rule: String
        /// The rule's severity (`page`, `ticket`).
        public var severity: String
        public var state: State
        /// The cohort the alert is about; nil: model-wide (drawn on every cohort's plots).
        public var cohort: String?

        /// An alert transition.
        public init(timeMs: Int64, rule: String, severity: String, state: State, cohort: String? = nil) {
            self.timeMs = timeMs
            self.rule = rule
            self.severity = severity
            self.state = state
            self.cohort = cohort
        }
    }
}

extension KeyedEncodingContainer {
    /// Encodes `values` with each non-finite entry as `null` (JSON has no NaN).
    mutating func encodeGaps(_ values: [Double], forKey key: Key) throws {
        try encode(values.map { $0.isFinite ? $0 : nil }, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// Decodes an array of numbers and `null`s, `null` as NaN; an absent key as empty.
    func decodeGaps(forKey key: Key) throws -> [Double] {
        try decodeIfPresent([Double?].self, forKey: key)?.map { $0 ?? .nan } ?? []
    }
}
