import Foundation
import GRDB

/// One row of the evaluation history (what reports plot): a drift evaluation of a window, a
/// verification snapshot of a cohort (values: `HistoryValues`), an alert transition, or — every
/// `store.profile_interval` — a window's drift profile or a cohort's ROC curve (JSON).
public struct HistoryRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case drift, verification, alert
        /// Per-dimension W1, the most drifted directions' histograms, the baseline's health.
        case driftProfile = "drift_profile"
        /// A cohort's ROC curve, downsampled.
        case roc
    }

    public var model: String
    /// The cohort (`all`: the model aggregate); alerts without a cohort label use `""`.
    public var cohort: String
    public var kind: Kind
    /// When it was decided, ms since 1970.
    public var atMs: Int64
    /// `HistoryValues.encoded` (drift, verification) or UTF-8 JSON (alert, drift profile, ROC).
    public var body: [UInt8]

    public init(model: String, cohort: String, kind: Kind, atMs: Int64, body: [UInt8]) {
        self.model = model
        self.cohort = cohort
        self.kind = kind
        self.atMs = atMs
        self.body = body
    }

    public init(model: String, cohort: String, kind: Kind, atMs: Int64, values: HistoryValues) {
        self.init(model: model, cohort: cohort, kind: kind, atMs: atMs, body: values.encoded)
    }

    /// A drift or verification row's values (nil for an alert row or an unknown encoding).
    public var values: HistoryValues? { HistoryValues(decoding: body) }

    /// An alert, profile or ROC row's JSON object.
    public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
}

extension TwinwatchStore {
    /// Appends one evaluation round's records in one transaction.
    public func appendHistory(_ records: [HistoryRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        try await write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO evaluation_history (model, cohort, kind, at_ms, body) VALUES (?, ?, ?, ?, ?)")
            for r in records {
                try statement.execute(arguments: [r.model, r.cohort, r.kind.rawValue, r.atMs, Data(r.body)])
            }
        }
    }

    /// `model`'s records of `kinds` with `fromMs ≤ at_ms ≤ toMs`, oldest first.
    public func history(model: String, kinds: Set<HistoryRecord.Kind> = Set(HistoryRecord.Kind.allCases),
                        fromMs: Int64 = .min, toMs: Int64 = .max) async throws(StoreError) -> [HistoryRecord] {
        try await read { db in
            let names = kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
            return try Row.fetchCursor(db, sql: """
                SELECT model, cohort, kind, at_ms, body FROM evaluation_history
                WHERE model = ? AND at_ms BETWEEN ? AND ? AND kind IN (\(names)) ORDER BY at_ms, id
                """, arguments: [model, fromMs, toMs]).compactMap { row -> HistoryRecord? in
                guard let kind = HistoryRecord.Kind(rawValue: row["kind"]) else { return nil }
                let body: Data = row["body"]
                return HistoryRecord(model: row["model"], cohort: row["cohort"], kind: kind, atMs: row["at_ms"], body: [UInt8](body))
            }.reduce(into: []) { $0.append($1) }
        }
    }

    /// Streams `model`'s records of `kind` in `fromMs…toMs`, cohort by cohort (in name order),
    /// each oldest first, to `body` (cohort, time, body bytes valid only during the call) inside
    /// one read: no row is copied, and the rows come in index order, so a week of a model's
    /// evaluations is read in well under a second.
    public func scanHistory(model: String, kind: HistoryRecord.Kind, fromMs: Int64 = .min, toMs: Int64 = .max,
                            _ body: @escaping @Sendable (String, Int64, UnsafeRawBufferPointer) -> Void) async throws(StoreError) {
        try await read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT cohort, at_ms, body FROM evaluation_history
                WHERE model = ? AND kind = ? AND at_ms BETWEEN ? AND ? ORDER BY cohort, at_ms, id
                """, arguments: [model, kind.rawValue, fromMs, toMs])
            while let row = try rows.next() {
                let cohort: String = row[0]
                let at: Int64 = row[1]
                try row.withUnsafeData(atIndex: 2) { data in
                    guard let data else { return }
                    data.withUnsafeBytes { body(cohort, at, $0) }
                }
            }
        }
    }

    /// Each cohort's newest record of `kind` in `fromMs…toMs` (e.g. the verification snapshot in
    /// force at the end of a report's period), without reading the others.
    public func latestHistory(model: String, kind: HistoryRecord.Kind, fromMs: Int64 = .min, toMs: Int64 = .max) async throws(StoreError) -> [HistoryRecord] {
        try await read { db in
            // The newest time per cohort from the index alone, then that row (the last written
            // when two share a millisecond).
            let newest = try Row.fetchAll(db, sql: """
                SELECT cohort, MAX(at_ms) AS at_ms FROM evaluation_history
                WHERE model = ? AND kind = ? AND at_ms BETWEEN ? AND ? GROUP BY cohort ORDER BY cohort
                """, arguments: [model, kind.rawValue, fromMs, toMs])
            return try newest.compactMap { last -> HistoryRecord? in
                let cohort: String = last["cohort"], at: Int64 = last["at_ms"]
                guard let body = try Data.fetchOne(db, sql: """
                    SELECT body FROM evaluation_history WHERE model = ? AND kind = ? AND cohort = ? AND at_ms = ? ORDER BY id DESC LIMIT 1
                    """, arguments: [model, kind.rawValue, cohort, at]) else { return nil }
                return HistoryRecord(model: model, cohort: cohort, kind: kind, atMs: at, body: [UInt8](body))
            }
        }
    }

    /// Moves the write-ahead log into the database file (for size measurements and backups).
    public func checkpointWAL() async throws(StoreError) {
        do {
            try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw StoreError(.database, "\(path): WAL checkpoint: \(error)")
        }
    }

    /// Deletes records older than `beforeMs`; returns how many.
    @discardableResult
    public func pruneHistory(beforeMs: Int64) async throws(StoreError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM evaluation_history WHERE at_ms < ?", arguments: [beforeMs])
            return db.changesCount
        }
    }
}
