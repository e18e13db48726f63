import TwinwatchCore

/// One receiver's group of alerts sharing the `group_by` labels, and what it was last told.
public struct AlertGroup: Sendable, Equatable, Codable {
    public var receiver: String
    public var key: String
    public var labels: [String: String]
    /// The group's alerts as last seen: firing ones, and resolved ones not yet notified as resolved.
    public var alerts: [String: AlertSnapshot]
    /// Firing fingerprints in the last notification (Alertmanager's notification log).
    public var notifiedFiring: Set<String>
    public var lastNotifiedMs: Int64?
    /// When the next notification is due; nil when nothing changed since the last one.
    public var nextFlushMs: Int64?
}

/// Alertmanager's dispatch for twinwatch's own alerts: routes alerts to receivers by their `match`
/// labels, groups them by `group_by`, and decides when a group is notified — `group_wait` after its
/// first alert, at most every `group_interval` when alerts are added or resolved, again after
/// `repeat_interval` while unchanged and firing. A firing page inhibits the tickets of its model.
/// Pure: `update` takes the engine's alerts and the time and returns the notifications due.
public struct NotificationGroups: Sendable {
    public let receivers: [ReceiverSettings]
    public let grouping: GroupingSettings
    public let externalURL: String
    public private(set) var groups: [String: AlertGroup]

    public init(receivers: [ReceiverSettings], grouping: GroupingSettings, externalURL: String, restoring: [AlertGroup] = []) {
        self.receivers = receivers
        self.grouping = grouping
        self.externalURL = externalURL
        let names = Set(receivers.map(\.name))
        groups = Dictionary(restoring.filter { names.contains($0.receiver) }.map { (Self.id($0.receiver, $0.key), $0) },
                            uniquingKeysWith: { a, _ in a })
    }

    /// Alerts that a firing page of the same model suppresses: tickets while the page fires.
    public static func inhibited(_ alerts: [AlertInstance]) -> Set<String> {
        let pagedModels = Set(alerts.filter { $0.isFiring && $0.severity == .page }.compactMap { $0.labels["model"] })
        return Set(alerts.filter { $0.severity == .ticket && $0.labels["model"].map(pagedModels.contains) == true }.map(\.fingerprint))
    }

    /// Folds the engine's current alerts into the groups; returns the notifications due at `now`
    /// and the groups changed or removed (to persist).
    public mutating func update(_ alerts: [AlertInstance], atMs now: Int64) -> (notifications: [GroupNotification], changed: [AlertGroup], removed: [AlertGroup]) {
        let inhibited = Self.inhibited(alerts)
        var seen: Set<String> = []
        var changed: [String: AlertGroup] = [:]
        for alert in alerts where alert.state != .pending {
            for receiver in receivers where receiver.routes(alert.labels) {
                let groupLabels = Dictionary(uniqueKeysWithValues: grouping.groupBy.compactMap { k in alert.labels[k].map { (k, $0) } })
                let key = Self.groupKey(groupLabels)
                let id = Self.id(receiver.name, key)
                var group = groups[id] ?? AlertGroup(receiver: receiver.name, key: key, labels: groupLabels, alerts: [:], notifiedFiring: [],
                                                     lastNotifiedMs: nil, nextFlushMs: nil)
                let snapshot = self.snapshot(alert)
                let known = group.alerts[alert.fingerprint]
                switch alert.state {
                case .firing:
                    // An inhibited alert stays only if the receiver already heard of it (its resolve is owed);
                    // one waiting for its group's first notification leaves the group.
                    if inhibited.contains(alert.fingerprint) && !group.notifiedFiring.contains(alert.fingerprint) {
                        if group.alerts.removeValue(forKey: alert.fingerprint) != nil {
                            groups[id] = group
                            changed[id] = group
                        }
                        continue
                    }
                case .resolved:
                    // Resolved alerts matter only to groups that were told they fired.
                    guard known != nil || group.notifiedFiring.contains(alert.fingerprint) else { continue }
                case .pending:
                    continue
                }
                seen.insert(id)
                guard known != snapshot else { continue }
                group.alerts[alert.fingerprint] = snapshot
                groups[id] = group
                changed[id] = group
            }
        }
        let live = Dictionary(alerts.map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
        var removed: [AlertGroup] = []
        for (id, var group) in groups {
            let before = group
            let (waitMs, intervalMs, repeatMs) = timing(group.receiver)
            for (fingerprint, snapshot) in group.alerts where live[fingerprint] == nil || !seen.contains(id) {
                if group.notifiedFiring.contains(fingerprint) {
                    // Gone from the engine (rule removed, route changed) after the receiver heard it fire: owe a resolve.
                    if snapshot.status == .firing && live[fingerprint]?.isFiring != true {
                        group.alerts[fingerprint]?.status = .resolved
                        group.alerts[fingerprint]?.endsAt = now
                    }
                } else if live[fingerprint] == nil {
                    group.alerts[fingerprint] = nil
                }
            }
            let firing = Set(group.alerts.values.filter { $0.status == .firing }.map(\.fingerprint))
            let owesResolve = group.alerts.values.contains { $0.status == .resolved && group.notifiedFiring.contains($0.fingerprint) }
            if group.nextFlushMs == nil, firing != group.notifiedFiring || owesResolve {
                group.nextFlushMs = group.lastNotifiedMs.map { max(now, $0 + intervalMs) } ?? now + waitMs
            }
            if group.nextFlushMs == nil, !firing.isEmpty, let last = group.lastNotifiedMs, now - last >= repeatMs {
                group.nextFlushMs = now
            }
            if group.alerts.isEmpty && group.notifiedFiring.isEmpty {
                groups[id] = nil
                changed[id] = nil
                removed.append(group)
                continue
            }
            groups[id] = group
            if group != before { changed[id] = group }
        }
        var notifications: [GroupNotification] = []
        for (id, var group) in groups {
            guard let due = group.nextFlushMs, due <= now else { continue }
            let repeatMs = timing(group.receiver).repeatMs
            let firing = group.alerts.values.filter { $0.status == .firing }.sorted { $0.fingerprint < $1.fingerprint }
            let resolved = group.alerts.values.filter { $0.status == .resolved && group.notifiedFiring.contains($0.fingerprint) }
                .sorted { $0.fingerprint < $1.fingerprint }
            // Alertmanager's dedup stage: an unchanged firing set is sent again only when the repeat is due.
            let news = Set(firing.map(\.fingerprint)) != group.notifiedFiring || !resolved.isEmpty
            let repeatDue = group.lastNotifiedMs.map { now - $0 >= repeatMs } ?? true
            if news || (repeatDue && !firing.isEmpty) {
                notifications.append(GroupNotification(receiver: group.receiver, groupKey: group.key, groupLabels: group.labels,
                                                       alerts: firing + resolved, createdAt: now))
                group.lastNotifiedMs = now
            }
            group.notifiedFiring = Set(firing.map(\.fingerprint))
            group.alerts = group.alerts.filter { $0.value.status == .firing }
            group.nextFlushMs = nil
            if group.alerts.isEmpty && group.notifiedFiring.isEmpty {
                groups[id] = nil
                changed[id] = nil
                removed.append(group)
            } else {
                groups[id] = group
                changed[id] = group
            }
        }
        return (notifications.sorted { ($0.receiver, $0.groupKey) < ($1.receiver, $1.groupKey) },
                changed.values.sorted { ($0.receiver, $0.key) < ($1.receiver, $1.key) }, removed)
    }

    /// An Alertmanager ends an alert that is not sent again within its `resolve_timeout` (5 m by
    /// default): like Prometheus, twinwatch re-sends firing alerts to it every minute (with an
    /// `endsAt` a few minutes ahead), sends changes at once and leaves the grouping to it.
    public static let alertmanagerResend: Duration = .seconds(60)

    private func timing(_ receiver: String) -> (waitMs: Int64, intervalMs: Int64, repeatMs: Int64) {
        let g = grouping
        guard receivers.first(where: { $0.name == receiver })?.kind == .alertmanager else {
            return (g.groupWait.milliseconds, g.groupInterval.milliseconds, g.repeatInterval.milliseconds)
        }
        return (0, 0, min(g.repeatInterval.milliseconds, Self.alertmanagerResend.milliseconds))
    }

    private func snapshot(_ alert: AlertInstance) -> AlertSnapshot {
        AlertSnapshot(fingerprint: alert.fingerprint, status: alert.state == .resolved ? .resolved : .firing, rule: alert.rule,
                      severity: alert.severity, labels: alert.labels, annotations: alert.annotations, value: alert.value,
                      startsAt: alert.activeSince, endsAt: alert.state == .resolved ? alert.resolvedAt : nil,
                      generatorURL: "\(externalURL)/api/v1/alerts?fingerprint=\(alert.fingerprint)")
    }

    static func groupKey(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    static func id(_ receiver: String, _ key: String) -> String { "\(receiver)\u{1f}\(key)" }
}
