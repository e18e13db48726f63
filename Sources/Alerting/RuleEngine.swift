import TwinwatchCore

/// What happened to one alert in a round.
public struct AlertTransition: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The condition began to hold; waiting for `for` (and the disjoint windows).
        case pending
        case firing
        case resolved
        /// A pending alert whose condition stopped holding before it fired.
        case cleared
        /// A resolved alert past its retention, dropped from the state.
        case forgotten
        /// Still in the same state with a new value (persisted, not notified).
        case updated
    }

    public var kind: Kind
    public var instance: AlertInstance
}

/// The rules' state machines, one per (rule, label set): inactive → pending → firing → resolved
/// (DESIGN §7, Prometheus' `for` and `keep_firing_for`). Pure: mutations take the time and return
/// the transitions; the owner persists and notifies.
public struct RuleEngine: Sendable {
    public let rules: [AlertRule]
    /// `consecutive_windows` of drift rules that do not set it (`drift.consecutive_windows`).
    public let defaultConsecutiveWindows: Int
    /// A firing alert without a sample for this long resolves; a pending one clears.
    public let staleAfterMs: Int64
    /// How long a resolved alert is kept (visible in the API; a new breach starts a new alert).
    public let resolvedRetentionMs: Int64
    /// `{{runbook_base_url}}` and other placeholders that do not come from samples.
    public let context: [String: String]
    public private(set) var instances: [String: AlertInstance]

    public init(rules: [AlertRule], defaultConsecutiveWindows: Int, staleAfter: Duration, resolvedRetention: Duration = .seconds(900),
                context: [String: String] = [:], restoring: [AlertInstance] = []) {
        self.rules = rules
        self.defaultConsecutiveWindows = defaultConsecutiveWindows
        staleAfterMs = staleAfter.milliseconds
        resolvedRetentionMs = resolvedRetention.milliseconds
        self.context = context
        // Alerts of rules no longer in the file are kept: `retire(rulesNotIn:)` resolves them, so
        // their receivers hear it, and retention forgets them.
        instances = Dictionary(restoring.map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Feeds one round of samples at `now` (ms since 1970); then sweeps stale and old alerts.
    public mutating func observe(_ samples: [SignalSample], atMs now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for rule in rules {
            for sample in samples where sample.signal == rule.signal && Self.inScope(sample.labels, rule.scope) {
                if let t = observe(sample, rule: rule, now: now) { transitions.append(t) }
            }
        }
        return transitions + sweep(atMs: now)
    }

    /// Timers alone (no samples): stale alerts, `keep_firing_for` running out, retention.
    public mutating func sweep(atMs now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for (fingerprint, var alert) in instances {
            let rule = rules.first { $0.name == alert.rule }
            switch alert.state {
            case .pending where now - alert.lastSampleAt >= staleAfterMs:
                instances[fingerprint] = nil
                transitions.append(AlertTransition(kind: .cleared, instance: alert))
            case .firing where now - alert.lastSampleAt >= staleAfterMs:
                alert.annotations["resolution"] = "no data for \(AnnotationTemplate.duration(.milliseconds(staleAfterMs)))"
                transitions.append(resolve(&alert, now: now))
            case .firing where alert.lastBreachAt < alert.lastSampleAt
                && now - alert.lastBreachAt >= (rule?.keepFiringFor.milliseconds ?? 0):
                transitions.append(resolve(&alert, now: now))
            case .resolved where now - (alert.resolvedAt ?? now) >= resolvedRetentionMs:
                instances[fingerprint] = nil
                transitions.append(AlertTransition(kind: .forgotten, instance: alert))
            default:
                break
            }
        }
        return transitions.sorted { $0.instance.fingerprint < $1.instance.fingerprint }
    }

    /// Rules removed from the file (found at start or on reload): their firing alerts resolve
    /// (receivers hear it), pending ones clear; resolved ones stay until their retention.
    public mutating func retire(rulesNotIn names: Set<String>, atMs now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for (fingerprint, var alert) in instances where !names.contains(alert.rule) {
            switch alert.state {
            case .firing:
                alert.annotations["resolution"] = "rule \(alert.rule) removed from the rule file"
                transitions.append(resolve(&alert, now: now))
            case .pending:
                instances[fingerprint] = nil
                transitions.append(AlertTransition(kind: .cleared, instance: alert))
            case .resolved:
                break
            }
        }
        return transitions.sorted { $0.instance.fingerprint < $1.instance.fingerprint }
    }

    /// Firing alerts first (pages before tickets), then pending, then resolved.
    public var alerts: [AlertInstance] {
        instances.values.sorted { a, b in
            let order: [AlertInstance.State: Int] = [.firing: 0, .pending: 1, .resolved: 2]
            return (order[a.state]!, a.severity == .page ? 0 : 1, a.rule, a.fingerprint) < (order[b.state]!, b.severity == .page ? 0 : 1, b.rule, b.fingerprint)
        }
    }

    private mutating func observe(_ sample: SignalSample, rule: AlertRule, now: Int64) -> AlertTransition? {
        var labels = sample.labels.merging(rule.labels) { _, ruleValue in ruleValue }
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity.rawValue
        let fingerprint = Fingerprint.of(rule: rule.name, labels: labels)
        let value = Self.comparedValue(sample, rule.condition)
        // A sample without what the condition compares (no baseline, no interval, a NaN) is no
        // data for this rule: it neither holds nor clears the condition (staleness handles silence).
        guard value.isFinite else { return nil }
        let breached = sample.meets(rule.condition)
        var alert: AlertInstance
        if let existing = instances[fingerprint], existing.state != .resolved {
            alert = existing
        } else {
            guard breached else { return nil }
            let required = rule.signal.isDrift ? (rule.consecutiveWindows ?? defaultConsecutiveWindows) : 1
            alert = AlertInstance(fingerprint: fingerprint, rule: rule.name, severity: rule.severity, labels: labels, annotations: [:],
                                  state: .pending, activeSince: now, firedAt: nil, resolvedAt: nil, lastBreachAt: now, lastSampleAt: now,
                                  value: value, breach: SustainedBreach(required: required))
        }
        let isNew = instances[fingerprint].map { $0.state == .resolved } ?? true
        alert.lastSampleAt = now
        alert.value = value
        // Without a window the sample stands alone: every breaching sample counts.
        let window = sample.window ?? WindowSpan(end: now, rows: 0)
        let sustained = alert.breach.observe(breached: breached, windowEnd: window.end, windowRows: window.rows)
        if breached {
            alert.lastBreachAt = now
            alert.annotations = rule.annotations.mapValues {
                AnnotationTemplate.render($0, sample: sample, rule: rule, labels: labels, context: context)
            }
        }
        switch alert.state {
        case .pending where !breached:
            instances[fingerprint] = nil
            return AlertTransition(kind: .cleared, instance: alert)
        case .pending where sustained && now - alert.activeSince >= rule.forDuration.milliseconds:
            alert.state = .firing
            alert.firedAt = now
            instances[fingerprint] = alert
            return AlertTransition(kind: .firing, instance: alert)
        case .firing where !breached && now - alert.lastBreachAt >= rule.keepFiringFor.milliseconds:
            return resolve(&alert, now: now)
        default:
            instances[fingerprint] = alert
            return AlertTransition(kind: isNew ? .pending : .updated, instance: alert)
        }
    }

    private mutating func resolve(_ alert: inout AlertInstance, now: Int64) -> AlertTransition {
        alert.state = .resolved
        alert.resolvedAt = now
        instances[alert.fingerprint] = alert
        return AlertTransition(kind: .resolved, instance: alert)
    }

    /// The quantity the condition compares (the p-value for p-value conditions, the ratio for ratios, …).
    static func comparedValue(_ sample: SignalSample, _ condition: AlertCondition) -> Double {
        switch condition {
        case .above, .below: sample.value
        case .pValueBelow: sample.pValue ?? .nan
        case .zAbove: sample.z ?? .nan
        case .ratioToBaselineAbove, .ratioToBaselineBelow: sample.ratio ?? .nan
        case .changeFromBaselineAbove: sample.ratio.map { abs($0 - 1) } ?? .nan
        case .ciLowerAbove: sample.interval?.lowerBound ?? .nan
        case .ciUpperBelow: sample.interval?.upperBound ?? .nan
        }
    }

    static func inScope(_ labels: [String: String], _ scope: [String: String]) -> Bool {
        scope.allSatisfy { key, pattern in pattern == "*" || labels[key] == pattern }
    }
}
