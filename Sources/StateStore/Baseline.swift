import DriftEstimators

/// Lifecycle of a baseline: captured or imported as a candidate, promoted to active (one per model),
/// retired when replaced. Rows never change once stored.
public enum BaselineStatus: String, Sendable, Codable, CaseIterable {
    case candidate
    case active
    case retired
}

/// Provenance and shape of a stored baseline (`baseline list`), without its rows.
public struct BaselineInfo: Sendable, Codable, Equatable {
    public let id: Int64
    public let model: String
    public let modelVersion: String?
    /// 1, 2, … per model, in order of creation.
    public let version: Int
    public let status: BaselineStatus
    public let createdAt: String
    public let createdBy: String
    /// Where the rows came from: `import:<path>`, `capture:<topic>`, `auto-capture:<topic>`.
    public let source: String
    public let timeFrom: String?
    public let timeTo: String?
    public let n: Int
    public let d: Int
}

/// A baseline to store: its rows (finite, ≥ 2) and provenance.
public struct NewBaseline: Sendable {
    public let model: String
    public let modelVersion: String?
    public let createdBy: String
    public let source: String
    public let timeFrom: String?
    public let timeTo: String?
    public let rows: Matrix
    public let scores: [Float]
    /// Each row's cohort (empty: unknown, e.g. a matrix file).
    public let cohorts: [String]

    public init(model: String, modelVersion: String? = nil, createdBy: String, source: String,
                timeFrom: String? = nil, timeTo: String? = nil, rows: Matrix, scores: [Float] = [], cohorts: [String] = []) {
        self.cohorts = cohorts
        self.model = model
        self.modelVersion = modelVersion
        self.createdBy = createdBy
        self.source = source
        self.timeFrom = timeFrom
        self.timeTo = timeTo
        self.rows = rows
        self.scores = scores
    }
}

/// A baseline with its rows and profile, as loaded for evaluation or `baseline show`.
public struct StoredBaseline: Sendable {
    public let info: BaselineInfo
    public let rows: Matrix
    public let profile: BaselineProfile
    /// Each row's cohort; nil for a baseline stored without them.
    public let cohorts: BaselineCohorts?
}

/// A null calibration persisted for (baseline, window size, estimator configuration).
public struct StoredNull: Sendable {
    public let baselineID: Int64
    public let windowSize: Int
    /// Identifies the estimator settings and pool policy the null was computed with.
    public let configuration: String
    public let calibration: NullCalibration
    public let createdAt: String
}
