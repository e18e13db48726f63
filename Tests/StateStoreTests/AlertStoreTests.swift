import Foundation
import StateStore
import Testing

@Suite("Store: alert state and the notification outbox")
struct AlertStoreTests {
    @Test("a round's alerts, groups and messages are written together; due messages come oldest first; attempts are logged")
    func roundsAndAttempts() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        var round = AlertRound()
        round.upsertAlerts = [StoredAlert(fingerprint: "f1", rule: "R", state: "firing", body: "{}")]
        round.upsertGroups = [StoredAlertGroup(receiver: "hook", groupKey: "{}", body: "{\"n\":1}")]
        round.enqueue = [OutboxMessage(receiver: "hook", groupKey: "{}", body: [1, 2, 3], createdMs: 1000),
                         OutboxMessage(receiver: "hook", groupKey: "{}", body: [4], createdMs: 1000),
                         OutboxMessage(receiver: "other", groupKey: "{}", body: [5], createdMs: 1000)]
        let ids = try await store.commit(round)
        #expect(ids.count == 3 && ids[0] < ids[1])
        let (alerts, groups) = try await store.alertState()
        #expect(alerts == round.upsertAlerts && groups == round.upsertGroups)
        #expect(try await store.dueMessages(receiver: "hook", atMs: 999).isEmpty)
        #expect(try await store.dueMessages(receiver: "hook", atMs: 1000).map(\.body) == [[1, 2, 3], [4]])

        try await store.record(.retry(nextAttemptMs: 5000, httpStatus: 503, error: "HTTP 503"), messageID: ids[0], receiver: "hook", attempt: 1, atMs: 1100)
        #expect(try await store.dueMessages(receiver: "hook", atMs: 4999).map(\.id) == [ids[1]])
        #expect(try await store.nextAttemptMs(receiver: "hook") == 1000)
        try await store.record(.delivered(httpStatus: 200), messageID: ids[1], receiver: "hook", attempt: 1, atMs: 1200)
        #expect(try await store.nextAttemptMs(receiver: "hook") == 5000)
        try await store.record(.dead(httpStatus: 400, error: "refused"), messageID: ids[2], receiver: "other", attempt: 1, atMs: 1300)
        let counts = try await store.outboxCounts()
        #expect(counts["hook"] == [.pending: 1, .delivered: 1] && counts["other"] == [.dead: 1])
        let retried = try #require(try await store.outboxMessages(receiver: "hook").first { $0.id == ids[0] })
        #expect(retried.attempts == 1 && retried.lastHTTPStatus == 503 && retried.lastError == "HTTP 503" && retried.nextAttemptMs == 5000)

        var next = AlertRound()
        next.deleteAlerts = ["f1"]
        next.deleteGroups = [StoredAlertGroup(receiver: "hook", groupKey: "{}", body: "")]
        try await store.commit(next)
        let emptied = try await store.alertState()
        #expect(emptied.alerts.isEmpty && emptied.groups.isEmpty)
        try await store.pruneOutbox(finishedBeforeMs: 2000)
        #expect(try await store.outboxMessages().map(\.id) == [ids[0]], "only the pending message survives retention")
    }
}
