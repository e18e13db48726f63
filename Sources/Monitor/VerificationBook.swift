import Alerting
import Foundation
import StateStore
import TwinwatchCore
import Verification

/// One cohort's verification quality at the threshold in force (DESIGN §6), for metrics, alert
/// signals and the API. `cohort` `all` sums the model's cohorts, each at its own threshold.
public struct VerificationSnapshot: Sendable {
    public let model: String
    public let cohort: String
    public let threshold: Double?
    public let counts: ConfusionCounts
    public let far: RateInterval?
    public let frr: RateInterval?
    public let recall: RateInterval?
    public let precision: RateInterval?
    /// The window's equal error rate (interpolated) and its threshold; nil for the model aggregate
    /// and without both classes.
    public let eer: EqualErrorRate?
    /// The window's ROC curve, ≤ ~100 points (`ROCCurve.points`); nil like `eer`.
    public var roc: (fpr: [Double], tpr: [Double])? = nil
}

/// What a verification round produced: the snapshots, the threshold decisions, and the labelled
/// events and unmatched feedback counted since the last round.
public struct VerificationRound: Sendable {
    public var snapshots: [VerificationSnapshot] = []
    public var decisions: [ThresholdDecision] = []
    /// New labelled events per (model, cohort, genuine).
    public var labelled: [LabelledKey: Int] = [:]
    /// New unmatched feedback per reason.
    public var unmatched: [UnmatchedReason: Int] = [:]
    /// Scores outside `verification.score_range` refused since the last round.
    public var refusedScores = 0
    /// Retrieval feedback whose event is not (or no longer) held by the join.
    public var retrievalOrphans = 0
    /// Recall@1/5/10 per cohort from retrieval feedback.
    public var retrieval: [RetrievalSnapshot] = []
}

/// Retrieval quality of one (model, cohort) over its newest queries with feedback.
public struct RetrievalSnapshot: Sendable {
    public let model: String
    public let cohort: String
    public let queries: Int
    /// Recall@k and its interval for k = 1, 5, 10.
    public let recall: [(k: Int, value: Double, interval: RateInterval?)]
}

public struct LabelledKey: Hashable, Sendable {
    public let model: String
    public let cohort: String
    public let genuine: Bool
}

/// The daemon's verification state, owned by `MonitorState`: the feedback join, a labelled window
/// and an adaptive threshold per (model, cohort) after the cohort cap. Time is processing time.
struct VerificationBook: Sendable {
    private(set) var settings: VerificationSettings
    private var join: FeedbackJoin
    private var windows: [WindowID: LabelledWindow] = [:]
    private var thresholds: [WindowID: AdaptiveThreshold] = [:]
    private var retrieval: [WindowID: RetrievalWindow] = [:]
    private var restored: [WindowID: ThresholdState] = [:]
    private var pending = VerificationRound()
    private var reportedUnmatched: [UnmatchedReason: Int] = [:]
    /// Labelled events counted since start.
    private(set) var labelledTotal = 0

    /// Whether scored events are held for late labels: only with a feedback topic to bring them.
    let holdsForLabels: Bool

    init(settings: VerificationSettings, holdsForLabels: Bool) {
        self.settings = settings
        self.holdsForLabels = holdsForLabels
        join = FeedbackJoin(settings: FeedbackJoin.Settings(capacity: settings.joinCapacity, ttlMs: settings.joinTTL.milliseconds))
    }

    /// Keys whose partitions moved to another instance: their labelled and retrieval windows go
    /// (the new owner counts the labels it reads); the thresholds in force stay known.
    mutating func drop(_ keys: Set<WindowID>) {
        guard !keys.isEmpty else { return }
        windows = windows.filter { !keys.contains($0.key) }
        retrieval = retrieval.filter { !keys.contains($0.key) }
    }

    /// Thresholds in force from the store (a restart keeps them).
    mutating func restore(_ states: [WindowID: ThresholdState]) {
        restored = states
        for (key, state) in states {
            windows[key]?.setThreshold(state.threshold)
            thresholds[key] = adaptive(key, state: state)
        }
    }

    /// An event with a score: held for its label, or counted at once when it carries one.
    mutating func record(_ event: InferenceEvent, cohortKey: (String, String) -> WindowID, atMs: Int64) {
        guard let score = event.score, event.label != nil || holdsForLabels else { return }
        guard settings.scoreRange.contains(score) else {
            pending.refusedScores += 1
            return
        }
        if case .joined(let labelled)? = join.record(event, atMs: atMs) { append(labelled, cohortKey: cohortKey, atMs: atMs) }
    }

    /// Feedback: labels joined to their events, self-contained scored labels counted at once.
    mutating func record(_ feedback: Feedback, cohortKey: (String, String) -> WindowID, atMs: Int64) {
        if case .retrieval(let eventID, let rank, _) = feedback {
            // Joined through the event the join holds for its label (retrieval events with a score).
            guard let source = join.source(of: eventID) else {
                pending.retrievalOrphans += 1
                return
            }
            let key = cohortKey(source.model, source.cohort)
            _ = retrieval[key, default: RetrievalWindow(capacity: settings.windowEvents)].append(relevantRank: rank)
            return
        }
        if case .scored(_, _, let score, _, _) = feedback, !settings.scoreRange.contains(score) {
            pending.refusedScores += 1
            return
        }
        if case .joined(let labelled)? = join.record(feedback, atMs: atMs) { append(labelled, cohortKey: cohortKey, atMs: atMs) }
    }

    private mutating func append(_ event: LabelledEvent, cohortKey: (String, String) -> WindowID, atMs: Int64) {
        let key = cohortKey(event.model, event.cohort)
        if windows[key] == nil {
            let state = restored[key] ?? ThresholdState(threshold: settings.threshold)
            windows[key] = LabelledWindow(settings: .init(maxCount: settings.windowEvents, maxAgeMs: settings.windowMaxAge.milliseconds),
                                          threshold: state.threshold)
            thresholds[key] = thresholds[key] ?? adaptive(key, state: state)
        }
        _ = windows[key]!.append(event, atMs: atMs)
        labelledTotal += 1
        pending.labelled[LabelledKey(model: key.model, cohort: key.cohort, genuine: event.genuine), default: 0] += 1
    }

    private func adaptive(_ key: WindowID, state: ThresholdState) -> AdaptiveThreshold {
        AdaptiveThreshold(model: key.model, cohort: key.cohort, settings: adaptiveSettings, state: state, killSwitch: settings.adaptive.killSwitch)
    }

    private var adaptiveSettings: AdaptiveThreshold.Settings {
        let a = settings.adaptive
        let rails = ThresholdGuardRails(minGenuine: a.minGenuine, minImpostors: a.minImpostors, bounds: a.bounds, maxStep: a.maxStep,
                                        minStep: a.minStep, method: settings.clopperPearson ? .clopperPearson : .wilson,
                                        confirmations: a.confirmations, coolDownMs: a.coolDown.milliseconds)
        return AdaptiveThreshold.Settings(mode: a.mode, calibrator: a.calibrator, guardRails: rails)
    }

    /// A reload: the adaptive thresholds' mode, calibrator, guard rails and kill switch, the
    /// interval method and the configured threshold of cohorts not yet seen change at once; windows,
    /// the join and every cohort's threshold in force are kept. (Window and join sizes: restart.)
    mutating func reconfigure(_ new: VerificationSettings) {
        settings.adaptive = new.adaptive
        settings.clopperPearson = new.clopperPearson
        settings.threshold = new.threshold
        let adaptive = adaptiveSettings
        for key in Array(thresholds.keys) {
            thresholds[key]?.settings = adaptive
            thresholds[key]?.killSwitch = new.adaptive.killSwitch
        }
    }

    /// An operator's threshold for one cohort: in force at once, the next version of the cohort's
    /// threshold; its adaptive threshold starts over from it (the cool-down counts from now).
    mutating func setThreshold(_ value: Double, for key: WindowID, atMs: Int64) -> ThresholdState {
        let state = ThresholdState(threshold: value, version: thresholdState(for: key).version + 1, lastChangeMs: atMs)
        restored[key] = state
        windows[key]?.setThreshold(value)
        thresholds[key] = adaptive(key, state: state)
        return state
    }

    /// The cohort's threshold in force, with its version (the configured one before any change).
    func thresholdState(for key: WindowID) -> ThresholdState {
        thresholds[key]?.state ?? restored[key] ?? ThresholdState(threshold: settings.threshold)
    }

    /// Ages the windows and the join to `atMs`, measures every cohort and model, and lets each
    /// cohort's adaptive threshold decide; applied changes take effect at once.
    mutating func evaluate(atMs: Int64) -> VerificationRound {
        join.advance(toMs: atMs)
        var round = pending
        pending = VerificationRound()
        for (reason, total) in join.counters.unmatched {
            let new = total - (reportedUnmatched[reason] ?? 0)
            if new > 0 { round.unmatched[reason] = new }
            reportedUnmatched[reason] = total
        }
        var perModel: [String: ConfusionCounts] = [:]
        for key in windows.keys.sorted() {
            windows[key]!.evict(nowMs: atMs)
            let window = windows[key]!
            let curve = ROCCurve(window.labelledScores())
            var cohortSnapshot = snapshot(key.model, key.cohort, window.threshold, window.counts, eer: curve.equalErrorRate)
            cohortSnapshot.roc = curve.points()
            round.snapshots.append(cohortSnapshot)
            perModel[key.model, default: ConfusionCounts()] += window.counts
            guard var adaptive = thresholds[key] else { continue }
            let decision = adaptive.evaluate(window: window, atMs: atMs)
            thresholds[key] = adaptive
            switch decision {
            case .apply(let change):
                windows[key]!.setThreshold(change.newThreshold)
                round.decisions.append(decision)
            case .propose:
                round.decisions.append(decision)
            case .hold:
                break
            }
        }
        for (model, counts) in perModel.sorted(by: { $0.key < $1.key }) {
            round.snapshots.append(snapshot(model, WindowSettings.aggregateCohort, nil, counts))
        }
        let method: RateInterval.Method = settings.clopperPearson ? .clopperPearson : .wilson
        for (key, window) in retrieval.sorted(by: { $0.key < $1.key }) where window.queries > 0 {
            let recall = RetrievalWindow.ks.compactMap { k in
                window.recall(at: k).map { (k: k, value: $0, interval: RateInterval(successes: window.hits(at: k) ?? 0, trials: window.queries, method: method)) }
            }
            round.retrieval.append(RetrievalSnapshot(model: key.model, cohort: key.cohort, queries: window.queries, recall: recall))
        }
        return round
    }

    private func snapshot(_ model: String, _ cohort: String, _ threshold: Double?, _ c: ConfusionCounts,
                          eer: EqualErrorRate? = nil) -> VerificationSnapshot {
        let method: RateInterval.Method = settings.clopperPearson ? .clopperPearson : .wilson
        return VerificationSnapshot(model: model, cohort: cohort, threshold: threshold, counts: c,
                                    far: RateInterval(successes: c.fp, trials: c.fp + c.tn, method: method),
                                    frr: RateInterval(successes: c.fn, trials: c.fn + c.tp, method: method),
                                    recall: RateInterval(successes: c.tp, trials: c.tp + c.fn, method: method),
                                    precision: RateInterval(successes: c.tp, trials: c.tp + c.fp, method: method), eer: eer)
    }

    /// Every cohort's threshold in force.
    var thresholdsInForce: [WindowID: Double] { windows.mapValues(\.threshold) }
}

extension VerificationSnapshot {
    /// The `far`, `frr`, `recall`, `precision` alert signals, with their intervals.
    var samples: [SignalSample] {
        let labels = ["model": model, "cohort": cohort]
        var out: [SignalSample] = []
        for (signal, value, interval) in [(AlertSignal.far, counts.far, far), (.frr, counts.frr, frr), (.recall, counts.recall, recall),
                                          (.precision, counts.precision, precision)] {
            guard let value, let interval else { continue }
            out.append(SignalSample(signal: signal, labels: labels, value: value, interval: interval.lower...interval.upper))
        }
        return out
    }
}

extension ThresholdChange {
    /// The store's record of this change (applied or proposed), with its evidence as JSON.
    func record(status: ThresholdRecord.Status) -> ThresholdRecord {
        ThresholdRecord(model: model, cohort: cohort, threshold: newThreshold, previous: oldThreshold, version: version, status: status,
                        method: mode == .simple ? "simple" : calibrator.name,
                        reason: limitedBy.isEmpty ? nil : "limited by " + limitedBy.map(\.rawValue).joined(separator: ", "),
                        evidence: evidenceJSON)
    }

    /// Counts and rates at the old threshold and predicted at the new one, with intervals.
    var evidenceJSON: String {
        func rates(_ c: ConfusionCounts, _ far: RateInterval?, _ frr: RateInterval?) -> [String: Any] {
            var out: [String: Any] = ["tp": c.tp, "fn": c.fn, "fp": c.fp, "tn": c.tn]
            if let v = c.far { out["far"] = v }
            if let v = c.frr { out["frr"] = v }
            if let far { out["far_ci"] = [far.lower, far.upper] }
            if let frr { out["frr_ci"] = [frr.lower, frr.upper] }
            return out
        }
        var object: [String: Any] = [
            "window_rows": evidence.windowRows, "confirmations": evidence.confirmations,
            "at_old_threshold": rates(evidence.current, evidence.currentFAR, evidence.currentFRR),
            "predicted_at_new_threshold": rates(evidence.predicted, evidence.predictedFAR, evidence.predictedFRR),
        ]
        if let calibrated = evidence.calibrated { object["calibrated_threshold"] = calibrated.threshold.isFinite ? calibrated.threshold : nil }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
