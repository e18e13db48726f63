/// Everything one report shows (DESIGN §9 `twinwatch report`, `GET /reports/{model}`): the HTML
/// (`HTMLReport.render`) and the JSON (`ReportJSON.encode`) are both made from this one value, so
/// they cannot disagree.
///
/// Times are milliseconds since the Unix epoch (UTC). Series are columnar (one array per quantity,
/// index-aligned with `timesMs`) so a week of 10-second evaluations is a few flat arrays, not
/// hundreds of thousands of small objects; a missing value inside a series is NaN (`null` in JSON).
/// Every collection may be empty and every optional absent: the report then says in words that
/// there is no such data instead of drawing empty axes.
public struct ReportModel: Sendable, Codable, Equatable {
    /// The document's title (`<title>`, `<h1>`).
    public var title: String
    /// The model the report is about.
    public var model: String
    /// When the report was made.
    public var generatedAtMs: Int64
    /// Start of the reported period; nil: from the first data point.
    public var timeFromMs: Int64?
    /// End of the reported period; nil: up to the last data point.
    public var timeToMs: Int64?
    /// The drift rule's level: a combined p-value below it is significant drift. nil: not configured.
    public var level: Double?
    /// The FAR target verification is judged against (e.g. 0.01). nil: none configured.
    public var targetFar: Double?

    /// Baseline provenance, active first is the usual order (shown as given).
    public var baselines: [Baseline]
    /// Each candidate baseline's drift against the active one.
    public var candidateDrift: [CandidateDrift]
    /// Drift evaluations over time, one series per cohort.
    public var drift: [DriftSeries]
    /// Alert transitions in the period (drawn on the drift plots of their cohort, and listed).
    public var alerts: [AlertMarker]
    /// The latest per-dimension W1 vector per cohort.
    public var dimensionW1: [DimensionW1]
    /// Baseline-vs-current histograms of the most drifted projections, in the order to show.
    public var projections: [ProjectionHistogram]
    /// Embedding health over time per cohort.
    public var health: [HealthSeries]
    /// Verification quality per cohort from feedback labels (an overall entry is just a cohort, e.g. `all`).
    public var verification: [CohortVerification]
    /// Threshold decisions in the period, oldest first.
    public var thresholdHistory: [ThresholdChange]

    /// A report; everything but its identity defaults to "no data".
    public init(title: String? = nil, model: String, generatedAtMs: Int64, timeFromMs: Int64? = nil, timeToMs: Int64? = nil,
                level: Double? = nil, targetFar: Double? = nil, baselines: [Baseline] = [], candidateDrift: [CandidateDrift] = [],
                drift: [DriftSeries] = [], alerts: [AlertMarker] = [], dimensionW1: [DimensionW1] = [],
                projections: [ProjectionHistogram] = [], health: [HealthSeries] = [], verification: [CohortVerification] = [],
                thresholdHistory: [ThresholdChange] = []) {
        self.title = title ?? "twinwatch report: \(model)"
        self.model = model
        self.generatedAtMs = generatedAtMs
        self.timeFromMs = timeFromMs
        self.timeToMs = timeToMs
        self.level = level
        self.targetFar = targetFar
        self.baselines = baselines
        self.candidateDrift = candidateDrift
        self.drift = drift
        self.alerts = alerts
        self.dimensionW1 = dimensionW1
        self.projections = projections
        self.health = health
        self.verification = verification
        self.thresholdHistory = thresholdHistory
    }

    /// The reported period: the given bounds, else the extent of the time series and alerts; nil when
    /// there is neither.
    public var period: ClosedRange<Int64>? {
        var lo = timeFromMs, hi = timeToMs
        if lo == nil || hi == nil {
            var first = Int64.max, last = Int64.min
            func take(_ t: Int64) { first = min(first, t); last = max(last, t) }
            for s in drift { if let a = s.timesMs.first, let b = s.timesMs.last { take(a); take(b) } }
            for s in health { if let a = s.timesMs.first, let b = s.timesMs.last { take(a); take(b) } }
            for a in alerts { take(a.timeMs) }
            for c in thresholdHistory { take(c.timeMs) }
            if first <= last {
                lo = lo ?? first
                hi = hi ?? last
            }
        }
        guard let lo, let hi, lo <= hi else { return nil }
        return lo...hi
    }
}

extension ReportModel {
    /// Provenance and shape of one stored baseline.
    public struct Baseline: Sendable, Codable, Equatable {
        /// Lifecycle state, as in the store.
        public enum Status: String, Sendable, Codable, CaseIterable {
            case active, candidate, retired
        }

        /// The store's id (`baseline show ID`).
        public var id: Int64
        /// 1, 2, … per model, in order of creation.
        public var version: Int
        public var status: Status
        /// Where the rows came from (`import:<path>`, `capture:<topic>`, …).
        public var source: String
        /// The model version whose embeddings the rows are.
        public var modelVersion: String?
        /// When the baseline was stored, and by whom.
        public var createdAtMs: Int64?
        public var createdBy: String?
        /// The time range the rows were captured in, when known.
        public var timeFromMs: Int64?
        public var timeToMs: Int64?
        /// Rows.
        public var n: Int
        /// Dimension.
        public var d: Int

        /// A baseline's provenance.
        public init(id: Int64, version: Int, status: Status, source: String, modelVersion: String? = nil, createdAtMs: Int64? = nil,
                    createdBy: String? = nil, timeFromMs: Int64? = nil, timeToMs: Int64? = nil, n: Int, d: Int) {
            self.id = id
            self.version = version
            self.status = status
            self.source = source
            self.modelVersion = modelVersion
            self.createdAtMs = createdAtMs
            self.createdBy = createdBy
            self.timeFromMs = timeFromMs
            self.timeToMs = timeToMs
            self.n = n
            self.d = d
        }
    }

    /// A candidate baseline scored against the active one (the candidate as the "current" sample).
    public struct CandidateDrift: Sendable, Codable, Equatable {
        /// The candidate's and the active baseline's ids (names resolved from `ReportModel.baselines`).
        public var candidateId: Int64
        public var activeId: Int64
        /// Each estimator's primary score and calibrated p-value.
        public var estimators: [EstimatorResult]
        /// The estimators' multiple-testing combination; nil when not calibrated.
        public var combinedP: Double?

        /// One candidate's drift.
        public init(candidateId: Int64, activeId: Int64, estimators: [EstimatorResult], combinedP: Double? = nil) {
            self.candidateId = candidateId
            self.activeId = activeId
            self.estimators = estimators
            self.combinedP = combinedP
        }
    }

    /// One estimator's score and p-value at one evaluation.
    public struct EstimatorResult: Sendable, Codable, Equatable {
        /// Estimator name of DESIGN §9 (`w1`, `sliced`, `frechet`, …).
        public var name: String
        /// The primary score (DESIGN §9: sliced → SW2, w1 → mean W1, gaussian_kl → full_bc, …).
        public var score: Double
        /// Calibrated against the null at the window size; nil: not calibrated.
        public var pValue: Double?

        /// A score and its p-value.
        public init(name: String, score: Double, pValue: Double? = nil) {
            self.name = name
            self.score = score
            self.pValue = pValue
        }
    }
}
