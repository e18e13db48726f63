import GRDB

/// The schema, as named append-only migrations: never edit a shipped migration, add a new one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-baselines") { db in
            try db.execute(sql: """
                CREATE TABLE baseline (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    model TEXT NOT NULL,
                    model_version TEXT,
                    version INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    source TEXT NOT NULL,
                    time_from TEXT,
                    time_to TEXT,
                    n INTEGER NOT NULL CHECK (n >= 2),
                    d INTEGER NOT NULL CHECK (d >= 1),
                    rows BLOB NOT NULL,
                    summaries TEXT NOT NULL,
                    UNIQUE (model, version)
                );
                -- At most one active baseline per model: promotion is retire-then-activate in one transaction.
                CREATE UNIQUE INDEX baseline_one_active ON baseline (model) WHERE status = 'active';
                CREATE TABLE baseline_null (
                    baseline_id INTEGER NOT NULL REFERENCES baseline (id) ON DELETE CASCADE,
                    window_size INTEGER NOT NULL,
                    configuration TEXT NOT NULL,
                    resamples INTEGER NOT NULL,
                    seed INTEGER NOT NULL,
                    calibration TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (baseline_id, window_size, configuration)
                );
                """)
        }
        migrator.registerMigration("v1-windows") { db in
            try db.execute(sql: """
                CREATE TABLE window_key (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    model TEXT NOT NULL,
                    cohort TEXT NOT NULL,
                    dimension INTEGER NOT NULL,
                    appended INTEGER NOT NULL,
                    topic TEXT,
                    partition INTEGER,
                    updated_at TEXT NOT NULL,
                    UNIQUE (model, cohort)
                );
                -- Rows appended between two checkpoints, in sequence order; evicted chunks are deleted.
                CREATE TABLE window_chunk (
                    key_id INTEGER NOT NULL REFERENCES window_key (id) ON DELETE CASCADE,
                    first_seq INTEGER NOT NULL,
                    row_count INTEGER NOT NULL,
                    rows BLOB NOT NULL,
                    timestamps BLOB NOT NULL,
                    scores BLOB NOT NULL,
                    PRIMARY KEY (key_id, first_seq)
                );
                CREATE TABLE consumer_offset (
                    group_id TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    next_offset INTEGER NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (group_id, topic, partition)
                );
                """)
        }
        migrator.registerMigration("v1-alerting") { db in
            // Filled by the alerting and threshold issues; created now so the schema has one history.
            try db.execute(sql: """
                CREATE TABLE threshold_history (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    model TEXT NOT NULL,
                    cohort TEXT NOT NULL,
                    threshold REAL NOT NULL,
                    method TEXT NOT NULL,
                    reason TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE alert_state (
                    fingerprint TEXT PRIMARY KEY,
                    rule TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
                    active_since TEXT,
                    last_value REAL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE notification_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    fingerprint TEXT NOT NULL,
                    webhook TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE notification_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    outbox_id INTEGER,
                    fingerprint TEXT NOT NULL,
                    webhook TEXT NOT NULL,
                    status TEXT NOT NULL,
                    http_status INTEGER,
                    error TEXT,
                    at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-baseline-cohorts") { db in
            // Each row's cohort (names as a JSON array, one little-endian UInt16 per row); NULL for
            // baselines stored without cohorts (matrix files), whose cohort windows are not scored.
            try db.execute(sql: """
                ALTER TABLE baseline ADD COLUMN cohort_names TEXT;
                ALTER TABLE baseline ADD COLUMN cohort_rows BLOB;
                """)
        }
        migrator.registerMigration("v3-alert-engine") { db in
            // v1's placeholders were never written; the engine's state is JSON per alert and per
            // group (the Alerting module's Codable values), the outbox keeps each attempt's outcome.
            try db.execute(sql: """
                DROP TABLE alert_state;
                DROP TABLE notification_outbox;
                DROP TABLE notification_log;
                CREATE TABLE alert_instance (
                    fingerprint TEXT PRIMARY KEY,
                    rule TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
                    body TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE alert_group (
                    receiver TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    body TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (receiver, group_key)
                );
                CREATE TABLE notification_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    receiver TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    body BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_ms INTEGER NOT NULL,
                    next_attempt_ms INTEGER NOT NULL,
                    last_http_status INTEGER,
                    last_error TEXT,
                    finished_ms INTEGER
                );
                CREATE INDEX notification_outbox_due ON notification_outbox (receiver, status, next_attempt_ms);
                CREATE TABLE notification_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    outbox_id INTEGER NOT NULL,
                    receiver TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    http_status INTEGER,
                    error TEXT,
                    at_ms INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-threshold-history") { db in
            // v1's threshold_history, with the change's version per (model, cohort), whether it was
            // applied or only proposed (dry run), and its evidence (counts, rates, intervals) as JSON.
            try db.execute(sql: """
                ALTER TABLE threshold_history ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE threshold_history ADD COLUMN status TEXT NOT NULL DEFAULT 'applied';
                ALTER TABLE threshold_history ADD COLUMN previous REAL;
                ALTER TABLE threshold_history ADD COLUMN evidence TEXT;
                CREATE INDEX threshold_history_key ON threshold_history (model, cohort, id);
                """)
        }
        migrator.registerMigration("v5-evaluation-history") { db in
            // What reports plot: one row per drift evaluation of a window, per verification
            // snapshot of a cohort and per alert transition. Body: `HistoryValues`' binary
            // encoding (drift, verification) or JSON (alerts).
            // Bounded by `store.history_retention`.
            try db.execute(sql: """
                CREATE TABLE evaluation_history (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    model TEXT NOT NULL,
                    cohort TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE INDEX evaluation_history_model_time ON evaluation_history (model, at_ms);
                CREATE INDEX evaluation_history_time ON evaluation_history (at_ms);
                """)
        }
        migrator.registerMigration("v6-history-kind-index") { db in
            // Reports read one kind at a time, cohort by cohort (a week of drift rows; each
            // cohort's newest profile, ROC and verification snapshot, found from the index alone):
            // without kind and cohort in the index every read walks all of the model's rows.
            try db.execute(sql: """
                DROP INDEX evaluation_history_model_time;
                CREATE INDEX evaluation_history_model_kind_cohort_time ON evaluation_history (model, kind, cohort, at_ms);
                """)
        }
        migrator.registerMigration("v7-estimator-overruns") { db in
            // Null calibrations and window evaluations that ran past their budget: what
            // `baseline show` lists. Outcome: running, finished, failed, or abandoned (the daemon
            // stopped or was killed while it ran). A handful of rows per incident; kept with the baseline.
            try db.execute(sql: """
                CREATE TABLE estimator_overruns (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    model TEXT NOT NULL,
                    cohort TEXT NOT NULL,
                    baseline_id INTEGER NOT NULL,
                    window_size INTEGER NOT NULL,
                    started_at TEXT NOT NULL,
                    budget_seconds REAL NOT NULL,
                    outcome TEXT NOT NULL,
                    seconds REAL,
                    ended_at TEXT
                );
                CREATE INDEX estimator_overruns_baseline ON estimator_overruns (baseline_id, id);
                """)
        }
        migrator.registerMigration("v8-store-heartbeat") { db in
            // One row that readiness rewrites on every check: a write that commits, so a full disk
            // or a read-only file fails the check (a rolled-back transaction writes nothing).
            try db.execute(sql: """
                CREATE TABLE store_heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL);
                INSERT INTO store_heartbeat (id, at_ms) VALUES (1, 0);
                """)
        }
        return migrator
    }
}
