import Alerting
import Foundation
import Hummingbird
import StateStore
import TwinwatchCore

/// `GET /api/v1/alerts[?fingerprint=F]`: the alerts (firing, pending, recently resolved) with
/// their labels, annotations and times, and the outbox — what is still queued or was given up per
/// receiver, with the last error. The notifications' `generatorURL` points here.
public struct AlertsController: Sendable {
    let alerts: AlertCoordinator
    let store: TwinwatchStore

    public init(alerts: AlertCoordinator, store: TwinwatchStore) {
        self.alerts = alerts
        self.store = store
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/alerts") { request, _ -> Response in
            let fingerprint = request.uri.queryParameters.get("fingerprint")
            let current = await alerts.alerts.filter { fingerprint == nil || $0.fingerprint == fingerprint }
            let counts = try await store.outboxCounts()
            let undelivered = try await store.outboxMessages(limit: 500).filter { $0.status != .delivered }
            let body = AlertsResponse(
                alerts: current.map(AlertsResponse.Alert.init),
                outbox: counts.mapValues { c in ["pending": c[.pending] ?? 0, "delivered": c[.delivered] ?? 0, "dead": c[.dead] ?? 0] },
                undelivered: undelivered.map(AlertsResponse.Message.init))
            return try APIResponse.json(encoding: body)
        }
    }
}

/// The JSON of `GET /api/v1/alerts`.
struct AlertsResponse: Encodable {
    struct Alert: Encodable {
        let fingerprint: String
        let rule: String
        let state: String
        let severity: String
        let labels: [String: String]
        let annotations: [String: String]
        let value: Double?
        let activeSince: String
        let firedAt: String?
        let resolvedAt: String?

        init(_ a: AlertInstance) {
            fingerprint = a.fingerprint
            rule = a.rule
            state = a.state.rawValue
            severity = a.severity.rawValue
            labels = a.labels
            annotations = a.annotations
            value = a.value.isFinite ? a.value : nil
            activeSince = RFC3339.string(millis: a.activeSince)
            firedAt = a.firedAt.map(RFC3339.string(millis:))
            resolvedAt = a.resolvedAt.map(RFC3339.string(millis:))
        }

        enum CodingKeys: String, CodingKey {
            case fingerprint, rule, state, severity, labels, annotations, value
            case activeSince = "active_since", firedAt = "fired_at", resolvedAt = "resolved_at"
        }
    }

    struct Message: Encodable {
        let id: Int64
        let receiver: String
        let group: String
        let status: String
        let attempts: Int
        let createdAt: String
        let nextAttemptAt: String?
        let lastHTTPStatus: Int?
        let lastError: String?

        init(_ m: OutboxMessage) {
            id = m.id
            receiver = m.receiver
            group = m.groupKey
            status = m.status.rawValue
            attempts = m.attempts
            createdAt = RFC3339.string(millis: m.createdMs)
            nextAttemptAt = m.status == .pending ? RFC3339.string(millis: m.nextAttemptMs) : nil
            lastHTTPStatus = m.lastHTTPStatus
            lastError = m.lastError
        }

        enum CodingKeys: String, CodingKey {
            case id, receiver, group, status, attempts
            case createdAt = "created_at", nextAttemptAt = "next_attempt_at", lastHTTPStatus = "last_http_status", lastError = "last_error"
        }
    }

    let alerts: [Alert]
    /// Messages per receiver and status.
    let outbox: [String: [String: Int]]
    /// Pending and given-up messages, newest first.
    let undelivered: [Message]
}
