import DriftEstimators
import Foundation
import GRDB

extension TwinwatchStore {
    /// Stores a new baseline (version = the model's next) with its profile; returns its info.
    public func insert(_ baseline: NewBaseline, status: BaselineStatus = .candidate) async throws(StoreError) -> BaselineInfo {
        guard baseline.rows.rows >= 2 else {
            throw StoreError(.invalidBaseline, "baseline for \(baseline.model) has \(baseline.rows.rows) rows, needs at least 2")
        }
        if let bad = baseline.rows.values.firstIndex(where: { !$0.isFinite }) {
            throw StoreError(.invalidBaseline, "baseline for \(baseline.model): row \(bad / baseline.rows.cols), column \(bad % baseline.rows.cols) is not finite")
        }
        guard baseline.cohorts.isEmpty || baseline.cohorts.count == baseline.rows.rows else {
            throw StoreError(.invalidBaseline, "baseline for \(baseline.model): \(baseline.cohorts.count) cohort labels for \(baseline.rows.rows) rows")
        }
        let cohorts = baseline.cohorts.isEmpty ? nil : BaselineCohorts(perRow: baseline.cohorts)
        let cohortNames = try cohorts.map { c throws(StoreError) in String(decoding: try Self.encode(c.names), as: UTF8.self) }
        let profile = BaselineProfile(rows: baseline.rows, scores: baseline.scores)
        let summaries = String(decoding: try Self.encode(profile), as: UTF8.self)
        let blob = FloatBlob.data(baseline.rows.values)
        let createdAt = Self.now()
        let id: Int64 = try await write { db in
            let version = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) + 1 FROM baseline WHERE model = ?",
                                           arguments: [baseline.model]) ?? 1
            if status == .active {
                try db.execute(sql: "UPDATE baseline SET status = 'retired' WHERE model = ? AND status = 'active'", arguments: [baseline.model])
            }
            try db.execute(sql: """
                INSERT INTO baseline (model, model_version, version, status, created_at, created_by, source, time_from, time_to, n, d, rows, summaries,
                                      cohort_names, cohort_rows)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [baseline.model, baseline.modelVersion, version, status.rawValue, createdAt, baseline.createdBy,
                                 baseline.source, baseline.timeFrom, baseline.timeTo, baseline.rows.rows, baseline.rows.cols, blob, summaries,
                                 cohortNames, cohorts?.blob])
            return db.lastInsertedRowID
        }
        return try await info(id: id)
    }

    /// Baselines, newest first, optionally of one model.
    public func baselines(model: String? = nil) async throws(StoreError) -> [BaselineInfo] {
        try await read { db in
            let rows = model == nil
                ? try Row.fetchAll(db, sql: "SELECT \(Self.infoColumns) FROM baseline ORDER BY model, version DESC")
                : try Row.fetchAll(db, sql: "SELECT \(Self.infoColumns) FROM baseline WHERE model = ? ORDER BY version DESC", arguments: [model])
            return try rows.map(Self.info(from:))
        }
    }

    /// Provenance of one baseline.
    public func info(id: Int64) async throws(StoreError) -> BaselineInfo {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.infoColumns) FROM baseline WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no baseline with id \(id)")
            }
            return try Self.info(from: row)
        }
    }

    /// One baseline with its rows (bit-exact as stored) and profile.
    public func baseline(id: Int64) async throws(StoreError) -> StoredBaseline {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.infoColumns), rows, summaries, cohort_names, cohort_rows FROM baseline WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no baseline with id \(id)")
            }
            let info = try Self.info(from: row)
            let values = try FloatBlob.floats(row["rows"])
            let profile = try Self.decode(BaselineProfile.self, row["summaries"])
            let cohorts = try BaselineCohorts.decode(names: row["cohort_names"], blob: row["cohort_rows"], rows: info.n)
            return StoredBaseline(info: info, rows: try Matrix(rows: info.n, cols: info.d, values: values), profile: profile, cohorts: cohorts)
        }
    }

    /// The active baseline id of every model that has one.
    public func activeBaselines() async throws(StoreError) -> [String: Int64] {
        try await read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT model, id FROM baseline WHERE status = 'active'") { out[row["model"]] = row["id"] }
            return out
        }
    }

    /// Makes `id` its model's active baseline and retires the one it replaces, in one transaction.
    @discardableResult
    public func promote(id: Int64) async throws(StoreError) -> (promoted: BaselineInfo, replaced: BaselineInfo?) {
        let replaced: Int64? = try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT model, status FROM baseline WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no baseline with id \(id)")
            }
            let model: String = row["model"]
            let status: String = row["status"]
            guard status != BaselineStatus.retired.rawValue else {
                throw StoreError(.invalidTransition, "baseline \(id) is retired; import or capture a new one instead of reviving it")
            }
            if status == BaselineStatus.active.rawValue { return nil }
            let current = try Int64.fetchOne(db, sql: "SELECT id FROM baseline WHERE model = ? AND status = 'active'", arguments: [model])
            try db.execute(sql: "UPDATE baseline SET status = 'retired' WHERE model = ? AND status = 'active'", arguments: [model])
            try db.execute(sql: "UPDATE baseline SET status = 'active' WHERE id = ?", arguments: [id])
            return current
        }
        let promoted = try await info(id: id)
        var previous: BaselineInfo?
        if let replaced { previous = try await info(id: replaced) }
        return (promoted, previous)
    }

    /// Retires `id` (an active baseline leaves its model without one: the daemon stops evaluating it).
    @discardableResult
    public func retire(id: Int64) async throws(StoreError) -> BaselineInfo {
        try await write { db in
            try db.execute(sql: "UPDATE baseline SET status = 'retired' WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError(.notFound, "no baseline with id \(id)") }
        }
        return try await info(id: id)
    }

    /// Persists a null calibration (replacing one for the same baseline, window size and configuration).
    public func saveNull(_ calibration: NullCalibration, baselineID: Int64, configuration: String) async throws(StoreError) {
        let json = String(decoding: try Self.encode(calibration), as: UTF8.self)
        let createdAt = Self.now()
        try await write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO baseline_null (baseline_id, window_size, configuration, resamples, seed, calibration, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [baselineID, calibration.windowSize, configuration, calibration.resamples,
                                 Int64(bitPattern: calibration.seed), json, createdAt])
        }
    }

    /// The null for (baseline, window size, configuration), if computed before.
    public func null(baselineID: Int64, windowSize: Int, configuration: String) async throws(StoreError) -> NullCalibration? {
        try await read { db in
            guard let json = try String.fetchOne(db, sql: """
                SELECT calibration FROM baseline_null WHERE baseline_id = ? AND window_size = ? AND configuration = ?
                """, arguments: [baselineID, windowSize, configuration]) else { return nil }
            return try Self.decode(NullCalibration.self, json)
        }
    }

    /// Every null computed for a baseline, by window size.
    public func nulls(baselineID: Int64) async throws(StoreError) -> [StoredNull] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT window_size, configuration, calibration, created_at FROM baseline_null WHERE baseline_id = ? ORDER BY window_size
                """, arguments: [baselineID]).map { row in
                StoredNull(baselineID: baselineID, windowSize: row["window_size"], configuration: row["configuration"],
                           calibration: try Self.decode(NullCalibration.self, row["calibration"]),
                           createdAt: row["created_at"])
            }
        }
    }

    static let infoColumns = "id, model, model_version, version, status, created_at, created_by, source, time_from, time_to, n, d"

    static func info(from row: Row) throws -> BaselineInfo {
        let status: String = row["status"]
        guard let parsed = BaselineStatus(rawValue: status) else { throw StoreError(.database, "baseline \(row["id"] as Int64) has status \(status)") }
        return BaselineInfo(id: row["id"], model: row["model"], modelVersion: row["model_version"], version: row["version"], status: parsed,
                            createdAt: row["created_at"], createdBy: row["created_by"], source: row["source"],
                            timeFrom: row["time_from"], timeTo: row["time_to"], n: row["n"], d: row["d"])
    }

    /// JSON columns spell non-finite numbers as strings, so a degenerate statistic round-trips.
    static func encode(_ value: some Encodable) throws(StoreError) -> Data {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try encoder.encode(value)
        } catch {
            throw StoreError(.database, "cannot encode \(type(of: value)): \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(json.utf8))
    }
}
