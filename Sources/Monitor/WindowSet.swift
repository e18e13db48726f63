import StateStore
import TwinwatchCore

/// One key's window and its bookkeeping: which rows are checkpointed, which were evaluated.
struct TrackedWindow: Sendable {
    var window: RollingWindow
    /// The partition a cohort key's events arrive on; nil for the model-wide aggregate.
    var source: TopicPartition?
    /// Rows before this sequence number are in the store.
    var checkpointedSeq: Int64
    /// `appended` at the last evaluation (the step counts from here).
    var evaluatedSeq: Int64 = 0
}

/// Every window of this instance: one per (model, cohort) plus each model's aggregate (cohort
/// `all`). Cohorts beyond `maxCohorts` per model share the `other` window, so memory stays bounded
/// whatever cardinality the serving side sends.
struct WindowSet: Sendable {
    let settings: WindowSettings
    private(set) var windows: [WindowID: TrackedWindow] = [:]
    private var cohorts: [String: Set<String>] = [:]

    init(settings: WindowSettings) { self.settings = settings }

    /// The window a cohort's events go to, after the cohort cap.
    func cohortKey(model: String, cohort: String) -> WindowID {
        let known = cohorts[model] ?? []
        if known.contains(cohort) || known.count < settings.maxCohorts { return WindowID(model: model, cohort: cohort) }
        return WindowID(model: model, cohort: WindowSettings.overflowCohort)
    }

    /// Appends one event's row to its cohort window and to the model's aggregate.
    mutating func append(model: String, cohort: String, row: UnsafeBufferPointer<Float>, timestampMs: Int64, score: Float,
                         source: TopicPartition?) {
        if cohort != WindowSettings.aggregateCohort {
            let key = cohortKey(model: model, cohort: cohort)
            if key.cohort == cohort { cohorts[model, default: []].insert(cohort) }
            append(key, row: row, timestampMs: timestampMs, score: score, source: source)
        }
        append(WindowID(model: model, cohort: WindowSettings.aggregateCohort), row: row, timestampMs: timestampMs, score: score, source: nil)
    }

    private mutating func append(_ key: WindowID, row: UnsafeBufferPointer<Float>, timestampMs: Int64, score: Float, source: TopicPartition?) {
        if windows[key] == nil {
            windows[key] = TrackedWindow(window: RollingWindow(capacity: settings.size, dimension: row.count), source: source, checkpointedSeq: 0)
        }
        windows[key]!.window.append(row, timestampMs: timestampMs, score: score)
        if let source { windows[key]!.source = source }
    }

    /// Takes a checkpointed window in, unless this instance already holds that key.
    mutating func restore(_ restored: RestoredWindow) -> Bool {
        guard windows[restored.id] == nil else { return false }
        let window = RollingWindow(capacity: settings.size, dimension: restored.dimension, restoring: restored.rows, appended: restored.appended)
        windows[restored.id] = TrackedWindow(window: window, source: restored.source, checkpointedSeq: restored.appended,
                                             evaluatedSeq: restored.appended)
        if restored.id.cohort != WindowSettings.aggregateCohort { cohorts[restored.id.model, default: []].insert(restored.id.cohort) }
        return true
    }

    /// Drops the cohort windows fed by `sources` (their partitions moved to another instance).
    mutating func drop(sources: Set<TopicPartition>) -> [WindowID] {
        let gone = windows.filter { $0.value.source.map(sources.contains) ?? false }.map(\.key)
        for key in gone {
            windows[key] = nil
            cohorts[key.model]?.remove(key.cohort)
        }
        return gone
    }

    /// What a checkpoint writes for every window with rows not yet in the store, of the model
    /// aggregates and of the cohort windows fed by `owned` partitions (all when nil): a window of
    /// a partition that moved away is never written over its new owner's history.
    func deltas(owned: Set<TopicPartition>? = nil) -> [WindowDelta] {
        windows.sorted { $0.key < $1.key }.compactMap { key, tracked in
            if let owned, let source = tracked.source, !owned.contains(source) { return nil }
            let w = tracked.window
            guard w.appended > tracked.checkpointedSeq else { return nil }
            return WindowDelta(model: key.model, cohort: key.cohort, dimension: w.dimension, appended: w.appended, source: tracked.source,
                               newRows: w.rows(from: tracked.checkpointedSeq), keepFromSeq: w.oldestSeq)
        }
    }

    mutating func markCheckpointed(_ deltas: [WindowDelta]) {
        for delta in deltas {
            let key = WindowID(model: delta.model, cohort: delta.cohort)
            if windows[key] != nil { windows[key]!.checkpointedSeq = Swift.max(windows[key]!.checkpointedSeq, delta.appended) }
        }
    }

    /// Rows of `key` that an evaluation may use now (after the time bound), or nil if not ready.
    func evaluableRows(_ tracked: TrackedWindow) -> Int? {
        let w = tracked.window
        guard w.appended - tracked.evaluatedSeq >= Int64(settings.step) else { return nil }
        var available = w.count
        if let duration = settings.duration {
            available = w.rowsWithin(milliseconds: duration.milliseconds)
        }
        return EvaluationSizes.size(available: available, capacity: settings.size, minRows: settings.minRows)
    }

    mutating func resetEvaluation(model: String) {
        for key in windows.keys where key.model == model { windows[key]!.evaluatedSeq = windows[key]!.window.appended - Int64(settings.step) }
    }

    mutating func markEvaluated(_ key: WindowID, through appended: Int64) {
        if windows[key] != nil { windows[key]!.evaluatedSeq = Swift.max(windows[key]!.evaluatedSeq, appended) }
    }
}

/// Window sizes an evaluation uses. A null calibration is computed per (baseline, window size), so
/// windows that are not full (time-based, or still filling) are evaluated on their newest m rows
/// with m from a short ladder — capacity, capacity/2, capacity/4, … down to `minRows` — instead of
/// on every possible row count.
enum EvaluationSizes {
    static func size(available: Int, capacity: Int, minRows: Int) -> Int? {
        guard available >= minRows else { return nil }
        var m = capacity
        while m > available, m / 2 >= minRows { m /= 2 }
        return m <= available ? m : minRows
    }
}
