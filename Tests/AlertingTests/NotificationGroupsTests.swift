import Alerting
import Testing
import TwinwatchCore

@Suite("Notification groups: group_wait, group_interval, repeat_interval, inhibition")
struct NotificationGroupsTests {
    static let receiver = ReceiverSettings(name: "oncall", kind: .webhook, url: "http://127.0.0.1:1/x")

    static func grouping(wait: Int64 = 30, interval: Int64 = 300, repeatAfter: Int64 = 3600) -> GroupingSettings {
        var g = GroupingSettings()
        g.groupWait = .seconds(wait)
        g.groupInterval = .seconds(interval)
        g.repeatInterval = .seconds(repeatAfter)
        return g
    }

    static func alert(_ cohort: String, _ state: AlertInstance.State, rule: String = "EmbeddingDrift", severity: AlertSeverity = .page,
                      model: String = "m", at: Int64 = 0) -> AlertInstance {
        let labels = ["alertname": rule, "severity": severity.rawValue, "model": model, "cohort": cohort]
        return AlertInstance(fingerprint: Fingerprint.of(rule: rule, labels: labels), rule: rule, severity: severity, labels: labels,
                             annotations: ["summary": "s"], state: state, activeSince: at, firedAt: state == .pending ? nil : at,
                             resolvedAt: state == .resolved ? at : nil, lastBreachAt: at, lastSampleAt: at, value: 0.001,
                             breach: SustainedBreach(required: 1))
    }

    @Test("a new group waits group_wait, then sends its alerts together; a later alert waits for group_interval")
    func waitsAndIntervals() {
        var groups = NotificationGroups(receivers: [Self.receiver], grouping: Self.grouping(), externalURL: "http://tw")
        #expect(groups.update([Self.alert("a", .firing)], atMs: 0).notifications.isEmpty)
        #expect(groups.update([Self.alert("a", .firing), Self.alert("b", .firing)], atMs: 10_000).notifications.isEmpty)
        let first = groups.update([Self.alert("a", .firing), Self.alert("b", .firing)], atMs: 30_000).notifications
        #expect(first.count == 1 && first[0].firing.count == 2 && first[0].groupLabels == ["alertname": "EmbeddingDrift", "model": "m"])
        #expect(first[0].alerts[0].generatorURL.hasPrefix("http://tw/api/v1/alerts?fingerprint="))
        // Unchanged: nothing until repeat_interval.
        #expect(groups.update([Self.alert("a", .firing), Self.alert("b", .firing)], atMs: 100_000).notifications.isEmpty)
        // A third alert: held until group_interval after the last notification.
        let three = [Self.alert("a", .firing), Self.alert("b", .firing), Self.alert("c", .firing)]
        #expect(groups.update(three, atMs: 200_000).notifications.isEmpty)
        #expect(groups.update(three, atMs: 329_000).notifications.isEmpty)
        #expect(groups.update(three, atMs: 330_000).notifications.map(\.firing.count) == [3])
        #expect(groups.update(three, atMs: 3_929_000).notifications.isEmpty)
        #expect(groups.update(three, atMs: 3_930_000).notifications.map(\.firing.count) == [3], "repeat_interval")
    }

    @Test("resolved is sent once, only for alerts the receiver heard fire; flapping does not re-notify within the interval")
    func resolvedOnce() {
        var groups = NotificationGroups(receivers: [Self.receiver], grouping: Self.grouping(wait: 0, interval: 60), externalURL: "")
        #expect(groups.update([Self.alert("a", .firing)], atMs: 0).notifications.map(\.status) == [.firing])
        // Resolved and firing again within group_interval: nothing new to say at the flush.
        #expect(groups.update([Self.alert("a", .resolved, at: 10_000)], atMs: 10_000).notifications.isEmpty)
        #expect(groups.update([Self.alert("a", .firing, at: 20_000)], atMs: 20_000).notifications.isEmpty)
        let flush = groups.update([Self.alert("a", .firing, at: 20_000)], atMs: 60_000)
        #expect(flush.notifications.isEmpty, "the firing set is what was notified: \(flush.notifications)")
        let resolved = groups.update([Self.alert("a", .resolved, at: 70_000)], atMs: 120_000)
        #expect(resolved.notifications.map(\.status) == [.resolved])
        #expect(resolved.notifications.first?.alerts.first?.endsAt == 70_000)
        #expect(groups.update([Self.alert("a", .resolved, at: 70_000)], atMs: 200_000).notifications.isEmpty)
        #expect(groups.groups.isEmpty)
        // An alert that fired and resolved within group_wait was never notified: no resolve either.
        var quiet = NotificationGroups(receivers: [Self.receiver], grouping: Self.grouping(wait: 30), externalURL: "")
        _ = quiet.update([Self.alert("b", .firing)], atMs: 0)
        #expect(quiet.update([Self.alert("b", .resolved, at: 5_000)], atMs: 30_000).notifications.isEmpty)
    }

    @Test("a firing page suppresses the tickets of its model, not of others")
    func inhibition() {
        let page = Self.alert("a", .firing)
        let ticket = Self.alert("a", .firing, rule: "EmbeddingDriftWeak", severity: .ticket)
        let otherModel = Self.alert("a", .firing, rule: "EmbeddingDriftWeak", severity: .ticket, model: "n")
        #expect(NotificationGroups.inhibited([page, ticket, otherModel]) == [ticket.fingerprint])
        var groups = NotificationGroups(receivers: [Self.receiver], grouping: Self.grouping(wait: 0), externalURL: "")
        let sent = groups.update([page, ticket, otherModel], atMs: 0).notifications
        #expect(Set(sent.flatMap(\.alerts).map(\.fingerprint)) == [page.fingerprint, otherModel.fingerprint])
        // A ticket waiting for its group's first notification when a page starts is not sent either.
        var waiting = NotificationGroups(receivers: [Self.receiver], grouping: Self.grouping(wait: 30), externalURL: "")
        #expect(waiting.update([ticket], atMs: 0).notifications.isEmpty)
        #expect(waiting.update([page, ticket], atMs: 30_000).notifications.isEmpty, "the ticket's group was due, but it left it")
        let later = waiting.update([page, ticket], atMs: 60_000).notifications
        #expect(later.flatMap(\.alerts).map(\.fingerprint) == [page.fingerprint], "\(later)")
    }

    @Test("routing by match labels; each receiver groups on its own; state survives a restart")
    func routingAndRestore() {
        var pager = Self.receiver
        pager.name = "pager"
        pager.match = ["severity": "page"]
        var tickets = Self.receiver
        tickets.name = "tickets"
        tickets.match = ["severity": "ticket"]
        let alerts = [Self.alert("a", .firing), Self.alert("a", .firing, rule: "Stale", severity: .ticket, model: "n")]
        var groups = NotificationGroups(receivers: [pager, tickets], grouping: Self.grouping(wait: 0), externalURL: "")
        let sent = groups.update(alerts, atMs: 0).notifications
        #expect(sent.map { "\($0.receiver):\($0.alerts[0].rule)" } == ["pager:EmbeddingDrift", "tickets:Stale"])
        var restarted = NotificationGroups(receivers: [pager, tickets], grouping: Self.grouping(wait: 0), externalURL: "",
                                           restoring: Array(groups.groups.values))
        #expect(restarted.update(alerts, atMs: 1000).notifications.isEmpty, "a restart must not re-notify")
        #expect(restarted.update([alerts[0]], atMs: 400_000).notifications.map(\.status) == [.resolved],
                "an alert gone from the engine after it was notified is resolved")
    }
}
