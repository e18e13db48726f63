import Foundation
import GRDB

/// The daemon's durable state in one SQLite database (WAL): baselines and their null calibrations,
/// window checkpoints with the consumer offsets they reflect, and (for the alerting issue) threshold
/// history, alert state and the notification outbox. Safe to share between tasks and processes:
/// SQLite serialises writers, and every multi-row change is one transaction.
public final class TwinwatchStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating it and its directory if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool)
        } catch {
            throw StoreError(.open, "\(path): cannot open the state database: \(Self.describe(error))")
        }
    }

    /// Applies pending migrations. Two processes opening a new database at once (the daemon and a
    /// `baseline` command) can both see a migration as pending; the loser's attempt fails, and on
    /// retry it finds the migration applied.
    private static func migrate(_ pool: DatabasePool) throws {
        for attempt in 1... {
            do {
                try StoreMigrations.migrator.migrate(pool)
                return
            } catch where attempt < 5 {
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// Names of the migrations applied, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try sync { db in try StoreMigrations.migrator.appliedMigrations(db) }
    }

    func sync<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw wrap(error) }
    }

    /// A write on the calling thread (the rebalance callback decides on the poll thread).
    func syncWrite<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw wrap(error) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw wrap(error) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw wrap(error) }
    }

    /// Whether the database takes writes now (readiness): rewrites the heartbeat row and commits,
    /// which fails on a full disk (the WAL must grow), a read-only file, a lost directory or a lock
    /// held past the busy timeout. A write that fits in WAL space already allocated can still pass
    /// on a full disk: readiness also checks the age of the last good checkpoint.
    public func checkWritable() async throws(StoreError) {
        let nowMs = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        try await write { db in
            try db.execute(sql: "UPDATE store_heartbeat SET at_ms = ? WHERE id = 1", arguments: [nowMs])
        }
    }

    private func wrap(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(.database, "\(path): \(Self.describe(error))")
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    static func now() -> String { RFC3339Now.string() }
}

/// UTC timestamps for `created_at` columns.
enum RFC3339Now {
    static func string() -> String { Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}
