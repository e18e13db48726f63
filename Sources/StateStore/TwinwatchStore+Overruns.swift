import GRDB
import TwinwatchCore

/// A null calibration or window evaluation that ran past its budget (`Monitor.EstimatorWork`).
public struct EstimatorOverrun: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case running, finished, failed
        /// The daemon stopped (or was killed) while it ran.
        case abandoned
    }

    public var id: Int64 = 0
    /// `calibration` or `evaluation`.
    public var kind: String
    public var model: String
    public var cohort: String
    public var baselineID: Int64
    public var windowSize: Int
    /// RFC 3339.
    public var startedAt: String
    public var budgetSeconds: Double
    public var outcome: Outcome
    /// How long it ran, once it ended.
    public var seconds: Double?
    public var endedAt: String?

    public init(kind: String, model: String, cohort: String, baselineID: Int64, windowSize: Int, startedAt: String, budgetSeconds: Double) {
        self.kind = kind
        self.model = model
        self.cohort = cohort
        self.baselineID = baselineID
        self.windowSize = windowSize
        self.startedAt = startedAt
        self.budgetSeconds = budgetSeconds
        outcome = .running
    }

    init(row: Row) {
        id = row["id"]
        kind = row["kind"]
        model = row["model"]
        cohort = row["cohort"]
        baselineID = row["baseline_id"]
        windowSize = row["window_size"]
        startedAt = row["started_at"]
        budgetSeconds = row["budget_seconds"]
        outcome = Outcome(rawValue: row["outcome"]) ?? .abandoned
        seconds = row["seconds"]
        endedAt = row["ended_at"]
    }
}

extension TwinwatchStore {
    /// Records an overrun still running; returns its id.
    @discardableResult
    public func recordOverrun(_ overrun: EstimatorOverrun) async throws(StoreError) -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO estimator_overruns (kind, model, cohort, baseline_id, window_size, started_at, budget_seconds, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'running')
                """, arguments: [overrun.kind, overrun.model, overrun.cohort, overrun.baselineID, overrun.windowSize,
                                 overrun.startedAt, overrun.budgetSeconds])
            return db.lastInsertedRowID
        }
    }

    /// Records how the running overrun `id` ended.
    public func endOverrun(id: Int64, outcome: EstimatorOverrun.Outcome, seconds: Double) async throws(StoreError) {
        let endedAt = Self.now()
        try await write { db in
            try db.execute(sql: "UPDATE estimator_overruns SET outcome = ?, seconds = ?, ended_at = ? WHERE id = ? AND outcome = 'running'",
                           arguments: [outcome.rawValue, seconds, endedAt, id])
        }
    }

    /// At start: overruns left running by an earlier process ended with it.
    @discardableResult
    public func abandonRunningOverruns() async throws(StoreError) -> Int {
        let endedAt = Self.now()
        return try await write { db in
            try db.execute(sql: "UPDATE estimator_overruns SET outcome = 'abandoned', ended_at = ? WHERE outcome = 'running'", arguments: [endedAt])
            return db.changesCount
        }
    }

    /// The overruns of a baseline's calibrations and evaluations, newest first (at most `limit`).
    public func overruns(baselineID: Int64, limit: Int = 50) async throws(StoreError) -> [EstimatorOverrun] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM estimator_overruns WHERE baseline_id = ? ORDER BY id DESC LIMIT ?",
                             arguments: [baselineID, limit]).map(EstimatorOverrun.init(row:))
        }
    }
}
