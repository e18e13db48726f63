import Alerting
import StateStore
import DriftEstimators
import EventCodec
import KafkaIO
import Logging
import TwinwatchCore
import Verification

/// A consistent copy of one key's newest rows, taken for evaluation outside the actor.
public struct EvaluationInput: Sendable {
    public let id: WindowID
    public let window: Matrix
    /// Similarity scores of the same rows (NaN where the event had none).
    public let scores: [Float]
    /// Rows the key holds (the window evaluated may be its newest part, see `EvaluationSizes`).
    public let heldRows: Int
    /// The key's `appended` count when the snapshot was taken.
    public let appended: Int64
}

/// Owns every window of this instance, the offsets they reflect and baseline captures in
/// progress. Ingest writes; the evaluator and the checkpointer take snapshots.
public actor MonitorState {
    private var windows: WindowSet
    private var dimensions: [String: Int]
    private var captures = BaselineCaptures()
    private var offsets: [TopicPartition: Int64] = [:]
    private var assigned: Set<TopicPartition> = []
    private var aggregatesRestored = false
    private var serving = ServingTelemetry()
    private var verification: VerificationBook
    private var servingSince = ContinuousClock.now
    /// Between `ingest` and `completeBatch` a batch's rows are in the windows but its offsets are
    /// not yet recorded; a checkpoint waits for the end of the batch so that rows and offsets agree.
    private var batchInFlight = false
    private var batchWaiters: [CheckedContinuation<Void, Never>] = []
    private let config: TwinwatchConfig
    private let store: TwinwatchStore?
    private let logger: Logger
    /// Events accepted into state since start.
    public private(set) var accepted = 0
    /// The evaluator has read the active baselines once (systemd READY waits for it).
    public private(set) var baselinesLoaded = false
    /// Per model, its aggregate window's calibration as last evaluated (absent: its window has
    /// not been evaluated yet).
    public private(set) var calibration: [String: CalibrationStatus] = [:]

    public init(config: TwinwatchConfig, store: TwinwatchStore? = nil, logger: Logger) {
        self.config = config
        self.store = store
        self.logger = logger
        windows = WindowSet(settings: config.window)
        dimensions = config.modelDimensions
        verification = VerificationBook(settings: config.verification, holdsForLabels: config.kafka.feedbackTopic != nil)
    }

    /// Applies decoded events (`sources[i]` is where `events[i]` was read); returns, by index,
    /// those refused because their embedding does not match the dimension the model's first event
    /// set (when the config names none). Call `completeBatch` once the batch's refusals are handled.
    ///
    /// The ownership fence: an event read from a partition this instance does not own (revoked
    /// while its batch was in flight) is skipped — its new owner reads it — and so is its offset
    /// in `completeBatch`. Events without a source (tests, `eval`) are always taken.
    public func ingest(_ events: [InferenceEvent], sources: [TopicPartition?]) -> [Int: EventRejection] {
        batchInFlight = true
        let now = WallClock.nowMs()
        var refused: [Int: EventRejection] = [:]
        for (index, event) in events.enumerated() {
            if let source = sources[index], !assigned.contains(source) {
                fenced += 1
                continue
            }
            guard let embedding = event.embedding else {
                accepted += 1
                serving.record(event, key: windows.cohortKey(model: event.model, cohort: event.cohort))
                verification.record(event, cohortKey: { windows.cohortKey(model: $0, cohort: $1) }, atMs: now)
                continue
            }
            let dimension = dimensions[event.model] ?? embedding.count
            if dimensions[event.model] == nil {
                dimensions[event.model] = dimension
                logger.info("tracking new model", metadata: ["model": "\(event.model)", "dimension": "\(dimension)"])
            }
            guard dimension == embedding.count else {
                refused[index] = EventRejection(.wrongDimension, "model \(event.model) has dimension \(dimension), got \(embedding.count)")
                continue
            }
            accepted += 1
            serving.record(event, key: windows.cohortKey(model: event.model, cohort: event.cohort))
            verification.record(event, cohortKey: { windows.cohortKey(model: $0, cohort: $1) }, atMs: now)
            let score = event.score.map(Float.init) ?? .nan
            embedding.withUnsafeBufferPointer { row in
                windows.append(model: event.model, cohort: event.cohort, row: row, timestampMs: event.timestampMs, score: score, source: sources[index])
            }
            if captures.append(event, embedding: embedding, score: score) == .completed {
                logger.info("baseline captured from the stream", metadata: ["model": "\(event.model)", "rows": "\(config.baseline.captureRows)"])
            }
        }
        return refused
    }

    /// Records that every message up to `offsets` (next offset per partition) is reflected in state.
    public func completeBatch(offsets next: [TopicPartition: Int64]) {
        for (source, offset) in next where assigned.contains(source) { offsets[source] = Swift.max(offsets[source] ?? 0, offset) }
        batchInFlight = false
        let waiters = batchWaiters
        batchWaiters = []
        waiters.forEach { $0.resume() }
    }

    /// The windows' rows not yet in the store and the offsets they reflect, taken between batches.
    public func checkpoint(groupID: String) async -> Checkpoint {
        while batchInFlight { await withCheckedContinuation { batchWaiters.append($0) } }
        return Checkpoint(groupID: groupID, windows: windows.deltas(owned: assigned),
                          offsets: offsets.filter { assigned.contains($0.key) }.map { PartitionOffset(topic: $0.key.topic, partition: $0.key.partition, nextOffset: $0.value) }
                            .sorted { ($0.source.topic, $0.source.partition) < ($1.source.topic, $1.source.partition) })
    }

    /// Marks a written checkpoint's rows as stored, so the next one writes only newer rows.
    public func checkpointWritten(_ checkpoint: Checkpoint) { windows.markCheckpointed(checkpoint.windows) }

    /// Partitions this instance now owns: their keys' windows (and, the first time, the model
    /// aggregates) are restored from the last checkpoint, matching the offsets consumption starts at.
    public func partitionsAssigned(_ partitions: [TopicPartition]) async {
        joined = true
        assigned.formUnion(partitions)
        guard let store else { return }
        let includeAggregates = !aggregatesRestored
        aggregatesRestored = true
        do {
            let restored = try await store.restoreWindows(sources: Set(partitions), includeAggregates: includeAggregates, capacity: config.window.size)
            var rows = 0, keys = 0
            for window in restored where windows.restore(window) {
                if dimensions[window.id.model] == nil { dimensions[window.id.model] = window.dimension }
                rows += window.rows.count
                keys += 1
            }
            if keys > 0 { logger.info("windows restored from checkpoint", metadata: ["windows": "\(keys)", "rows": "\(rows)"]) }
        } catch {
            logger.error("cannot restore windows; they refill from the stream", metadata: ["error": "\(error)"])
        }
    }

    /// Partitions taken away: their cohort windows, offsets and labelled windows leave with them
    /// (the new owner restores them from the checkpoint or re-reads from the committed offset);
    /// returns the keys dropped, whose per-key metrics the caller removes. From here on nothing
    /// read from these partitions reaches state (see `ingest`).
    @discardableResult
    public func partitionsRevoked(_ partitions: [TopicPartition]) -> [WindowID] {
        assigned.subtract(partitions)
        for partition in partitions { offsets[partition] = nil }
        let dropped = windows.drop(sources: Set(partitions))
        verification.drop(Set(dropped))
        if !dropped.isEmpty { logger.info("windows handed over", metadata: ["windows": "\(dropped.count)"]) }
        return dropped
    }

    /// Partitions this instance owns now.
    public var assignedPartitionCount: Int { assigned.count }

    /// The model/cohort keys whose windows this instance owns (fed by its partitions), sorted.
    public var ownedKeys: [WindowID] { windows.windows.filter { $0.value.source != nil }.keys.sorted() }

    /// The consumer has had an assignment from the group (possibly empty: a standby).
    public private(set) var joined = false

    /// Models this instance holds windows of or has evaluated; a configured model outside it has
    /// no key here (this instance is its standby) and does not hold up readiness.
    public var modelsHeld: Set<String> { Set(windows.windows.keys.map(\.model)).union(calibration.keys) }

    /// Partitions this instance owns now: a batch is filtered by them before it is decoded.
    public var ownedPartitions: Set<TopicPartition> { assigned }

    /// Events skipped by the ownership fence since start (read from a partition no longer owned).
    public private(set) var fenced = 0

    /// Models with an active baseline, as the evaluator last saw them.
    public private(set) var modelsWithBaseline = 0

    /// Snapshots of the windows ready for evaluation (enough rows, a full step since the last evaluation).
    ///
    /// A model aggregate is included only when it can be composed faithfully (`aggregateBlocker`):
    /// otherwise it is not scored — never from a partial or consumption-ordered mix of cohorts,
    /// which the estimators would call drift — and `aggregatesNotScored` says why.
    public func evaluationInputs() -> [EvaluationInput] {
        var inputs: [EvaluationInput] = []
        var blocked: [String: String] = [:], scored: Set<String> = []
        let partial = aggregateBlocker()
        for (key, tracked) in windows.windows.sorted(by: { $0.key < $1.key }) {
            guard let m = windows.evaluableRows(tracked) else { continue }
            guard key.cohort == WindowSettings.aggregateCohort else {
                let (matrix, scores) = tracked.window.newest(m)
                inputs.append(EvaluationInput(id: key, window: matrix, scores: scores, heldRows: tracked.window.count, appended: tracked.window.appended))
                continue
            }
            // The aggregate in event time across its cohorts (see `aggregateRows`).
            if let why = partial {
                blocked[key.model] = why
            } else if let (matrix, scores) = windows.aggregateRows(model: key.model, count: m) {
                inputs.append(EvaluationInput(id: key, window: matrix, scores: scores, heldRows: tracked.window.count, appended: tracked.window.appended))
                scored.insert(key.model)
            } else {
                blocked[key.model] = "the cohort windows do not give \(m) rows in event time: the events carry no distinct event times "
                    + "(no ts, and no broker message timestamps), or too few rows lie below the cohorts' common watermark yet"
            }
        }
        for (model, why) in blocked where aggregatesNotScored[model] != why {
            logger.warning("model aggregate not scored", metadata: ["model": "\(model)", "reason": "\(why)"])
            calibration[model] = .aggregateNotScored(why)
        }
        for model in aggregatesNotScored.keys where scored.contains(model) {
            logger.info("model aggregate scored again", metadata: ["model": "\(model)"])
            aggregatesNotScored[model] = nil
        }
        for (model, why) in blocked { aggregatesNotScored[model] = why }
        return inputs
    }

    /// Per model, why its aggregate window is not scored now (absent: it is, or is not due).
    public private(set) var aggregatesNotScored: [String: String] = [:]

    /// The topic events are consumed from.
    public nonisolated var eventsTopic: String { config.kafka.eventsTopic }

    /// Partitions of the events topic (from the brokers' metadata at the last assignment).
    private var eventsTopicPartitions: Int?

    /// Records the events topic's partition count (see `aggregateBlocker`).
    public func eventsTopicHas(partitions count: Int) { eventsTopicPartitions = count }

    /// Why no model aggregate can be composed on this instance: it owns only some of the events
    /// topic's partitions, so its cohorts are a part of the model's, a mix the baseline never had.
    /// (One model-wide answer across instances is issue 24's control-topic step; until then
    /// such an instance scores the cohorts it owns and no aggregate.)
    private func aggregateBlocker() -> String? {
        guard let total = eventsTopicPartitions else { return nil }
        let owned = assigned.filter { $0.topic == config.kafka.eventsTopic }.count
        guard owned < total else { return nil }
        return "this instance owns \(owned) of the \(total) partitions of \(config.kafka.eventsTopic): its cohorts are part of the model's"
    }

    /// A model's baseline changed: its windows are scored against the new one at the next evaluation,
    /// even without new rows.
    public func baselineReplaced(model: String) {
        windows.resetEvaluation(model: model)
        calibration[model] = nil
    }

    /// Windows ready for evaluation and not yet scored (0 once the evaluator has caught up).
    public func windowsAwaitingEvaluation() -> Int { windows.windows.values.filter { windows.evaluableRows($0) != nil }.count }

    /// Records that `input` was scored; the key's next evaluation waits for `window.step` new rows.
    /// (A window waiting for its baseline or null is not marked, so it is scored as soon as they are ready.)
    public func evaluated(_ input: EvaluationInput) { windows.markEvaluated(input.id, through: input.appended) }

    /// Rows held per window (for metrics and tests).
    public func windowRows() -> [WindowID: Int] { windows.windows.mapValues(\.window.count) }

    /// Copy of one window's rows, oldest first.
    public func rows(of key: WindowID) -> WindowRows? {
        windows.windows[key].map { $0.window.rows(from: $0.window.oldestSeq) }
    }

    /// Tells state which models have an active baseline; with auto-capture on, the others start
    /// capturing one from the stream.
    public func baselinesChanged(modelsWithBaseline: Set<String>) {
        self.modelsWithBaseline = modelsWithBaseline.count
        baselinesLoaded = true
        for model in calibration.keys where !modelsWithBaseline.contains(model) { calibration[model] = .noBaseline }
        guard config.baseline.autoCapture else { return }
        captures.update(modelsWithBaseline: modelsWithBaseline, rows: config.baseline.captureRows, source: "auto-capture:\(config.kafka.eventsTopic)")
    }

    /// The evaluator's finding for a model's aggregate window.
    public func noteCalibration(model: String, _ status: CalibrationStatus) { calibration[model] = status }

    /// A captured baseline could not be stored: capture the model again.
    public func captureFailed(model: String) { captures.failed(model) }

    /// Baselines captured from the stream since the last call.
    public func takeCapturedBaselines() -> [NewBaseline] { captures.takeCompleted() }

    /// The serving SLIs of the events taken in since the last call, per (model, cohort) and model.
    public func takeServingSLIs() -> [ServingSLIs] {
        let now = ContinuousClock.now
        defer { servingSince = now }
        return serving.take(overSeconds: (now - servingSince) / .seconds(1))
    }

    /// Feedback: labels joined to their events (bounded TTL map), self-contained scored labels
    /// counted at once, into each cohort's labelled window.
    public func ingest(feedback items: [Feedback]) {
        let now = WallClock.nowMs()
        for item in items { verification.record(item, cohortKey: { windows.cohortKey(model: $0, cohort: $1) }, atMs: now) }
    }

    /// FAR / FRR / recall / precision per cohort and model, and the adaptive thresholds' decisions.
    public func verificationRound(atMs now: Int64) -> VerificationRound { verification.evaluate(atMs: now) }

    /// Thresholds in force from the store, applied before any labelled event is counted.
    public func restoreThresholds(_ states: [WindowID: ThresholdState]) { verification.restore(states) }

    /// Labelled events (joined, inline or self-contained) counted since start.
    public var labelledEvents: Int { verification.labelledTotal }

    /// Every cohort's threshold in force (cohorts with labelled events).
    public var thresholdsInForce: [WindowID: Double] { verification.thresholdsInForce }

    /// A reload's verification settings (see `VerificationBook.reconfigure`).
    public func reconfigureVerification(_ settings: VerificationSettings) { verification.reconfigure(settings) }

    /// An operator's threshold for `model`/`cohort` (after the cohort cap), in force at once; the
    /// state to persist.
    public func setThreshold(_ value: Double, model: String, cohort: String, atMs: Int64) -> (key: WindowID, previous: ThresholdState, state: ThresholdState) {
        let key = windows.cohortKey(model: model, cohort: cohort)
        let previous = verification.thresholdState(for: key)
        return (key, previous, verification.setThreshold(value, for: key, atMs: atMs))
    }
}
