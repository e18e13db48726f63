import Foundation
import Logging
import StateStore
import TwinwatchCore

/// Owns the rule engine and the notification groups: takes each round's samples (and the clock's
/// ticks), and writes what changed — alert states, group states and the notifications they decided
/// — to the store in one transaction before any sender sees a notification.
public actor AlertCoordinator {
    private var engine: RuleEngine
    private var groups: NotificationGroups
    private let receivers: [String: any NotificationReceiver]
    private let store: TwinwatchStore
    private let logger: Logger
    private let observer: AlertingObserver
    /// A round the store refused (disk full, locked): written with the next one, never dropped.
    private var unwritten = AlertRound()

    /// Restores the persisted alerts and groups from `store`.
    public init(settings: AlertingSettings, defaultConsecutiveWindows: Int, store: TwinwatchStore, logger: Logger,
                observer: AlertingObserver = AlertingObserver()) async throws(StoreError) {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = Self.nonFinite.decoding
        let (storedAlerts, storedGroups) = try await store.alertState()
        var restored: [AlertInstance] = []
        for stored in storedAlerts {
            guard let alert = try? decoder.decode(AlertInstance.self, from: Data(stored.body.utf8)) else {
                logger.error("cannot read a stored alert; dropping it", metadata: ["fingerprint": "\(stored.fingerprint)"])
                continue
            }
            restored.append(alert)
        }
        let restoredGroups = storedGroups.compactMap { try? decoder.decode(AlertGroup.self, from: Data($0.body.utf8)) }
        engine = RuleEngine(rules: settings.rules, defaultConsecutiveWindows: defaultConsecutiveWindows, staleAfter: settings.staleAfter,
                            context: ["runbook_base_url": settings.runbookBaseURL], restoring: restored)
        groups = NotificationGroups(receivers: settings.receivers, grouping: settings.grouping, externalURL: settings.externalURL,
                                    restoring: restoredGroups)
        receivers = Dictionary(uniqueKeysWithValues: settings.receivers.map { ($0.name, Receivers.make($0)) })
        self.store = store
        self.logger = logger
        self.observer = observer
        if !restored.isEmpty {
            logger.info("alert state restored", metadata: ["alerts": "\(restored.count)", "firing": "\(restored.filter(\.isFiring).count)",
                                                           "groups": "\(restoredGroups.count)"])
        }
        observer.alerts(engine.alerts)
        let retired = engine.retire(rulesNotIn: Set(settings.rules.map(\.name)), atMs: WallClock.nowMs())
        if !retired.isEmpty {
            logger.info("alerts of rules no longer in the rule file end", metadata: ["alerts": "\(retired.count)"])
            await advance(retired, atMs: WallClock.nowMs())
        }
    }

    /// A configuration reload: new rules and grouping, alerts and groups kept. Firing alerts of
    /// removed rules resolve (and are notified). Receivers stay as they are (a restart changes them).
    public func reconfigure(_ settings: AlertingSettings, defaultConsecutiveWindows: Int, atMs now: Int64) async {
        engine = RuleEngine(rules: settings.rules, defaultConsecutiveWindows: defaultConsecutiveWindows, staleAfter: settings.staleAfter,
                            context: ["runbook_base_url": settings.runbookBaseURL], restoring: engine.alerts)
        groups = NotificationGroups(receivers: settings.receivers, grouping: settings.grouping, externalURL: settings.externalURL,
                                    restoring: Array(groups.groups.values))
        let retired = engine.retire(rulesNotIn: Set(settings.rules.map(\.name)), atMs: now)
        await advance(retired, atMs: now)
        logger.info("alert rules reloaded", metadata: ["rules": "\(settings.rules.count)", "resolved_by_removal": "\(retired.filter { $0.kind == .resolved }.count)"])
        observer.alerts(engine.alerts)
    }

    /// The current alerts: firing first, then pending, then recently resolved.
    public var alerts: [AlertInstance] { engine.alerts }

    /// Groups with a notification due but not yet queued in the outbox (waiting for their
    /// `group_wait` / `group_interval`): an alert resolved a moment ago is one until its group flushes.
    public var groupsAwaitingFlush: Int { groups.groups.values.filter { $0.nextFlushMs != nil }.count }

    /// Feeds one evaluation round's samples.
    @discardableResult
    public func observe(_ samples: [SignalSample], atMs now: Int64) async -> [AlertTransition] {
        let transitions = engine.observe(samples, atMs: now)
        await advance(transitions, atMs: now)
        return transitions
    }

    /// Timers only: stale alerts, `keep_firing_for`, group waits and repeats.
    @discardableResult
    public func tick(atMs now: Int64) async -> [AlertTransition] {
        let transitions = engine.sweep(atMs: now)
        await advance(transitions, atMs: now)
        return transitions
    }

    private func advance(_ transitions: [AlertTransition], atMs now: Int64) async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A value can be NaN (a sample without the baseline its condition compares with).
        encoder.nonConformingFloatEncodingStrategy = Self.nonFinite.encoding
        var round = unwritten
        for t in transitions {
            switch t.kind {
            case .cleared, .forgotten:
                round.deleteAlerts.append(t.instance.fingerprint)
                round.upsertAlerts.removeAll { $0.fingerprint == t.instance.fingerprint }
            case .pending, .firing, .resolved, .updated:
                round.upsertAlerts.removeAll { $0.fingerprint == t.instance.fingerprint }
                round.deleteAlerts.removeAll { $0 == t.instance.fingerprint }
                round.upsertAlerts.append(StoredAlert(fingerprint: t.instance.fingerprint, rule: t.instance.rule, state: t.instance.state.rawValue,
                                                      // Cannot fail: strings, integers and floats (non-finite ones as strings).
                                                      body: String(decoding: try! encoder.encode(t.instance), as: UTF8.self)))
            }
            if t.kind != .updated { log(t) }
            if [.pending, .firing, .resolved].contains(t.kind) { round.history.append(Self.historyRecord(t, atMs: now)) }
        }
        let (notifications, changed, removed) = groups.update(engine.alerts, atMs: now)
        for group in changed {
            round.upsertGroups.removeAll { $0.receiver == group.receiver && $0.groupKey == group.key }
            round.upsertGroups.append(StoredAlertGroup(receiver: group.receiver, groupKey: group.key,
                                                       body: String(decoding: try! encoder.encode(group), as: UTF8.self)))
        }
        for group in removed {
            round.upsertGroups.removeAll { $0.receiver == group.receiver && $0.groupKey == group.key }
            round.deleteGroups.append(StoredAlertGroup(receiver: group.receiver, groupKey: group.key, body: ""))
        }
        for notification in notifications {
            guard let receiver = receivers[notification.receiver] else { continue }
            for body in receiver.bodies(for: notification) {
                round.enqueue.append(OutboxMessage(receiver: notification.receiver, groupKey: notification.groupKey, body: body, createdMs: now))
            }
            logger.info("notification queued", metadata: [
                "receiver": "\(notification.receiver)", "group": "\(notification.groupKey)", "status": "\(notification.status.rawValue)",
                "firing": "\(notification.firing.count)", "resolved": "\(notification.resolved.count)",
            ])
        }
        guard !round.isEmpty else { return }
        do {
            try await store.commit(round)
            unwritten = AlertRound()
        } catch {
            unwritten = round
            logger.error("cannot write alert state; keeping it for the next round", metadata: ["error": "\(error)"])
            return
        }
        observer.alerts(engine.alerts)
        observer.transitions(transitions)
        if !notifications.isEmpty {
            observer.queued(notifications)
            observer.outboxChanged()
        }
    }

    private static let nonFinite = (encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN"),
                                    decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN"))

    /// A transition as the evaluation history keeps it (reports' alert markers): rule, severity,
    /// state, value, labels.
    static func historyRecord(_ t: AlertTransition, atMs now: Int64) -> HistoryRecord {
        let a = t.instance
        var body: [String: Any] = ["rule": a.rule, "severity": a.severity.rawValue, "state": t.kind.rawValue, "fingerprint": a.fingerprint,
                                   "labels": a.labels]
        if a.value.isFinite { body["value"] = a.value }
        // Strings and finite numbers only: cannot fail.
        let json = try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return HistoryRecord(model: a.labels["model"] ?? "", cohort: a.labels["cohort"] ?? "", kind: .alert, atMs: now, body: [UInt8](json))
    }

    private func log(_ t: AlertTransition) {
        let a = t.instance
        let metadata: Logger.Metadata = ["alert": "\(a.rule)", "labels": "\(a.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                                         "value": "\(AnnotationTemplate.number(a.value))", "fingerprint": "\(a.fingerprint)"]
        logger.info("alert \(t.kind.rawValue)", metadata: metadata)
    }
}

/// Hooks for metrics and the demo's narration (Alerting does not depend on the metrics library).
public struct AlertingObserver: Sendable {
    public var alerts: @Sendable ([AlertInstance]) -> Void
    public var queued: @Sendable ([GroupNotification]) -> Void
    public var delivery: @Sendable (String, DeliveryOutcome) -> Void
    /// Messages were queued.
    public var outboxChanged: @Sendable () -> Void
    /// Every round's transitions (pending, firing, resolved, …), for narration and evaluation.
    public var transitions: @Sendable ([AlertTransition]) -> Void

    public init(alerts: @escaping @Sendable ([AlertInstance]) -> Void = { _ in },
                queued: @escaping @Sendable ([GroupNotification]) -> Void = { _ in },
                delivery: @escaping @Sendable (String, DeliveryOutcome) -> Void = { _, _ in },
                outboxChanged: @escaping @Sendable () -> Void = {},
                transitions: @escaping @Sendable ([AlertTransition]) -> Void = { _ in }) {
        self.alerts = alerts
        self.queued = queued
        self.delivery = delivery
        self.outboxChanged = outboxChanged
        self.transitions = transitions
    }

    /// Both observers' hooks, `self`'s first.
    public func combined(with other: AlertingObserver) -> AlertingObserver {
        AlertingObserver(alerts: { self.alerts($0); other.alerts($0) }, queued: { self.queued($0); other.queued($0) },
                         delivery: { self.delivery($0, $1); other.delivery($0, $1) },
                         outboxChanged: { self.outboxChanged(); other.outboxChanged() },
                         transitions: { self.transitions($0); other.transitions($0) })
    }
}
