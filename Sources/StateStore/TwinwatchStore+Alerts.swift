import Foundation
import GRDB

/// One alert's persisted state (the Alerting module's JSON).
public struct StoredAlert: Sendable, Equatable {
    public var fingerprint: String
    public var rule: String
    public var state: String
    public var body: String

    public init(fingerprint: String, rule: String, state: String, body: String) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.state = state
        self.body = body
    }
}

/// One notification group's persisted state: what was last notified, when the next flush is due.
public struct StoredAlertGroup: Sendable, Equatable {
    public var receiver: String
    public var groupKey: String
    public var body: String

    public init(receiver: String, groupKey: String, body: String) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.body = body
    }
}

/// A queued notification body for one receiver.
public struct OutboxMessage: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, delivered, dead }

    /// Assigned by the store; also the message's stable id across retries (`webhook-id`).
    public var id: Int64
    public var receiver: String
    public var groupKey: String
    public var body: [UInt8]
    public var status: Status
    public var attempts: Int
    public var createdMs: Int64
    public var nextAttemptMs: Int64
    public var lastHTTPStatus: Int?
    public var lastError: String?

    public init(receiver: String, groupKey: String, body: [UInt8], createdMs: Int64) {
        id = 0
        self.receiver = receiver
        self.groupKey = groupKey
        self.body = body
        status = .pending
        attempts = 0
        self.createdMs = createdMs
        nextAttemptMs = createdMs
    }
}

/// What the alert engine changed in one round, written in one transaction: the notifications it
/// decided are queued together with the state that decided them, or neither is.
public struct AlertRound: Sendable {
    public var upsertAlerts: [StoredAlert] = []
    public var deleteAlerts: [String] = []
    public var upsertGroups: [StoredAlertGroup] = []
    public var deleteGroups: [StoredAlertGroup] = []
    public var enqueue: [OutboxMessage] = []
    /// The round's transitions for the evaluation history (reports' alert markers).
    public var history: [HistoryRecord] = []

    public init() {}

    public var isEmpty: Bool {
        upsertAlerts.isEmpty && deleteAlerts.isEmpty && upsertGroups.isEmpty && deleteGroups.isEmpty && enqueue.isEmpty && history.isEmpty
    }
}

/// The outcome of one delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(httpStatus: Int)
    /// Failed, tried again at `nextAttemptMs`.
    case retry(nextAttemptMs: Int64, httpStatus: Int?, error: String)
    /// Given up (refused, or older than the maximum age).
    case dead(httpStatus: Int?, error: String)

    public var name: String {
        switch self {
        case .delivered: "delivered"
        case .retry: "retry"
        case .dead: "dead"
        }
    }
}

extension TwinwatchStore {
    /// Applies one engine round atomically; returns the ids given to the queued messages.
    @discardableResult
    public func commit(_ round: AlertRound) async throws(StoreError) -> [Int64] {
        guard !round.isEmpty else { return [] }
        let updatedAt = Self.now()
        return try await write { db in
            for alert in round.upsertAlerts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO alert_instance (fingerprint, rule, state, body, updated_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [alert.fingerprint, alert.rule, alert.state, alert.body, updatedAt])
            }
            for fingerprint in round.deleteAlerts {
                try db.execute(sql: "DELETE FROM alert_instance WHERE fingerprint = ?", arguments: [fingerprint])
            }
            for group in round.upsertGroups {
                try db.execute(sql: "INSERT OR REPLACE INTO alert_group (receiver, group_key, body, updated_at) VALUES (?, ?, ?, ?)",
                               arguments: [group.receiver, group.groupKey, group.body, updatedAt])
            }
            for group in round.deleteGroups {
                try db.execute(sql: "DELETE FROM alert_group WHERE receiver = ? AND group_key = ?", arguments: [group.receiver, group.groupKey])
            }
            for r in round.history {
                try db.execute(sql: "INSERT INTO evaluation_history (model, cohort, kind, at_ms, body) VALUES (?, ?, ?, ?, ?)",
                               arguments: [r.model, r.cohort, r.kind.rawValue, r.atMs, Data(r.body)])
            }
            var ids: [Int64] = []
            for message in round.enqueue {
                try db.execute(sql: """
                    INSERT INTO notification_outbox (receiver, group_key, body, status, attempts, created_ms, next_attempt_ms)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?)
                    """, arguments: [message.receiver, message.groupKey, Data(message.body), message.createdMs, message.nextAttemptMs])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    /// Every persisted alert and group (the engine's state at start).
    public func alertState() async throws(StoreError) -> (alerts: [StoredAlert], groups: [StoredAlertGroup]) {
        try await read { db in
            let alerts = try Row.fetchAll(db, sql: "SELECT fingerprint, rule, state, body FROM alert_instance ORDER BY fingerprint").map {
                StoredAlert(fingerprint: $0["fingerprint"], rule: $0["rule"], state: $0["state"], body: $0["body"])
            }
            let groups = try Row.fetchAll(db, sql: "SELECT receiver, group_key, body FROM alert_group ORDER BY receiver, group_key").map {
                StoredAlertGroup(receiver: $0["receiver"], groupKey: $0["group_key"], body: $0["body"])
            }
            return (alerts, groups)
        }
    }

    /// Pending messages of `receiver` due at `nowMs`, oldest first.
    public func dueMessages(receiver: String, atMs nowMs: Int64, limit: Int = 20) async throws(StoreError) -> [OutboxMessage] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM notification_outbox WHERE receiver = ? AND status = 'pending' AND next_attempt_ms <= ? ORDER BY id LIMIT ?
                """, arguments: [receiver, nowMs, limit]).map(Self.message)
        }
    }

    /// The earliest next attempt of `receiver`'s pending messages.
    public func nextAttemptMs(receiver: String) async throws(StoreError) -> Int64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_attempt_ms) FROM notification_outbox WHERE receiver = ? AND status = 'pending'",
                               arguments: [receiver])
        }
    }

    /// Records one attempt's outcome on the message and in the notification log, atomically.
    public func record(_ outcome: DeliveryOutcome, messageID: Int64, receiver: String, attempt: Int, atMs nowMs: Int64) async throws(StoreError) {
        try await write { db in
            switch outcome {
            case .delivered(let status):
                try db.execute(sql: """
                    UPDATE notification_outbox SET status = 'delivered', attempts = ?, last_http_status = ?, last_error = NULL, finished_ms = ? WHERE id = ?
                    """, arguments: [attempt, status, nowMs, messageID])
            case .retry(let next, let status, let error):
                try db.execute(sql: """
                    UPDATE notification_outbox SET attempts = ?, next_attempt_ms = ?, last_http_status = ?, last_error = ? WHERE id = ?
                    """, arguments: [attempt, next, status, error, messageID])
            case .dead(let status, let error):
                try db.execute(sql: """
                    UPDATE notification_outbox SET status = 'dead', attempts = ?, last_http_status = ?, last_error = ?, finished_ms = ? WHERE id = ?
                    """, arguments: [attempt, status, error, nowMs, messageID])
            }
            let (status, error): (Int?, String?) = switch outcome {
            case .delivered(let s): (s, nil)
            case .retry(_, let s, let e), .dead(let s, let e): (s, e)
            }
            try db.execute(sql: """
                INSERT INTO notification_log (outbox_id, receiver, attempt, outcome, http_status, error, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [messageID, receiver, attempt, outcome.name, status, error, nowMs])
        }
    }

    /// Messages by receiver and status (pending, delivered, dead).
    public func outboxCounts() async throws(StoreError) -> [String: [OutboxMessage.Status: Int]] {
        try await read { db in
            var out: [String: [OutboxMessage.Status: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT receiver, status, COUNT(*) AS n FROM notification_outbox GROUP BY receiver, status") {
                guard let status = OutboxMessage.Status(rawValue: row["status"]) else { continue }
                out[row["receiver"], default: [:]][status] = row["n"]
            }
            return out
        }
    }

    /// Every message of `receiver` (newest first, at most `limit`), for the API and tests.
    public func outboxMessages(receiver: String? = nil, limit: Int = 100) async throws(StoreError) -> [OutboxMessage] {
        try await read { db in
            if let receiver {
                return try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox WHERE receiver = ? ORDER BY id DESC LIMIT ?",
                                        arguments: [receiver, limit]).map(Self.message)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.message)
        }
    }

    /// Deletes delivered and dead messages finished before `beforeMs` and their log rows (retention).
    public func pruneOutbox(finishedBeforeMs beforeMs: Int64) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: """
                DELETE FROM notification_log WHERE outbox_id IN (SELECT id FROM notification_outbox WHERE status != 'pending' AND finished_ms < ?)
                """, arguments: [beforeMs])
            try db.execute(sql: "DELETE FROM notification_outbox WHERE status != 'pending' AND finished_ms < ?", arguments: [beforeMs])
        }
    }

    private static func message(_ row: Row) -> OutboxMessage {
        let body: Data = row["body"]
        var message = OutboxMessage(receiver: row["receiver"], groupKey: row["group_key"], body: [UInt8](body), createdMs: row["created_ms"])
        message.id = row["id"]
        message.status = OutboxMessage.Status(rawValue: row["status"]) ?? .pending
        message.attempts = row["attempts"]
        message.nextAttemptMs = row["next_attempt_ms"]
        message.lastHTTPStatus = row["last_http_status"]
        message.lastError = row["last_error"]
        return message
    }
}
