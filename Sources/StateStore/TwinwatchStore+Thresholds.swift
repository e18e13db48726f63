import GRDB

/// One threshold decision for a (model, cohort): applied (in force from then on) or proposed (a
/// dry run), with the evidence it was made on.
public struct ThresholdRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case applied, proposed }

    public var id: Int64 = 0
    public var model: String
    public var cohort: String
    public var threshold: Double
    public var previous: Double?
    /// Per (model, cohort), counting applied changes: 1 for the first.
    public var version: Int
    public var status: Status
    /// The calibrator or rule that made it (`target_far:0.001`, `manual`, `simple`, …).
    public var method: String
    public var reason: String?
    /// Counts, rates and intervals the decision rested on (JSON).
    public var evidence: String?
    /// RFC 3339, set by the store.
    public var createdAt: String = ""

    public init(model: String, cohort: String, threshold: Double, previous: Double?, version: Int, status: Status, method: String,
                reason: String?, evidence: String?) {
        self.model = model
        self.cohort = cohort
        self.threshold = threshold
        self.previous = previous
        self.version = version
        self.status = status
        self.method = method
        self.reason = reason
        self.evidence = evidence
    }
}

extension TwinwatchStore {
    /// Appends `record` to the history; returns it with its id and time.
    @discardableResult
    public func append(_ record: ThresholdRecord) async throws(StoreError) -> ThresholdRecord {
        let createdAt = Self.now()
        return try await write { db in
            try db.execute(sql: """
                INSERT INTO threshold_history (model, cohort, threshold, method, reason, created_at, version, status, previous, evidence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.model, record.cohort, record.threshold, record.method, record.reason, createdAt, record.version,
                                 record.status.rawValue, record.previous, record.evidence])
            var stored = record
            stored.id = db.lastInsertedRowID
            stored.createdAt = createdAt
            return stored
        }
    }

    /// The threshold in force per (model, cohort): the latest applied record of each.
    public func thresholdsInForce() async throws(StoreError) -> [ThresholdRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM threshold_history WHERE id IN
                    (SELECT MAX(id) FROM threshold_history WHERE status = 'applied' GROUP BY model, cohort)
                ORDER BY model, cohort
                """).map(Self.thresholdRecord)
        }
    }

    /// The history of a (model, cohort), newest first (every model and cohort without them).
    public func thresholdHistory(model: String? = nil, cohort: String? = nil, limit: Int = 100) async throws(StoreError) -> [ThresholdRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM threshold_history WHERE (? IS NULL OR model = ?) AND (? IS NULL OR cohort = ?) ORDER BY id DESC LIMIT ?
                """, arguments: [model, model, cohort, cohort, limit]).map(Self.thresholdRecord)
        }
    }

    private static func thresholdRecord(_ row: Row) -> ThresholdRecord {
        var r = ThresholdRecord(model: row["model"], cohort: row["cohort"], threshold: row["threshold"], previous: row["previous"],
                                version: row["version"], status: ThresholdRecord.Status(rawValue: row["status"]) ?? .applied,
                                method: row["method"], reason: row["reason"], evidence: row["evidence"])
        r.id = row["id"]
        r.createdAt = row["created_at"]
        return r
    }
}
