import Alerting
import StateStore
import DriftEstimators
import Foundation
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Every `evaluation.interval`: picks up baseline promotions, stores baselines captured from the
/// stream, and scores every ready window against its model's active baseline — the configured
/// estimators, null-calibrated p-values and z, health signals and the similarity-score shift —
/// then advances the drift rule and queues notifications. Up to `evaluation.concurrency` windows
/// are scored at once, on Dispatch threads, so ingest never waits. Finishes the notification
/// stream when it stops, so the notifier can drain it.
public struct EvaluatorService: Service {
    public static let ruleName = "EmbeddingDrift"

    private let state: MonitorState
    private let store: TwinwatchStore
    private let registry: BaselineRegistry
    private let settings: DriftSettings
    private let interval: Duration
    private let concurrency: Int
    private let notifications: AsyncStream<AlertNotification>.Continuation
    private let onEvaluation: @Sendable (DriftEvaluation) -> Void
    private let alerts: AlertBook
    private let metrics: DaemonMetrics
    private let logger: Logger

    public init(state: MonitorState, store: TwinwatchStore, config: TwinwatchConfig, notifications: AsyncStream<AlertNotification>.Continuation,
                metrics: DaemonMetrics, logger: Logger, onEvaluation: @escaping @Sendable (DriftEvaluation) -> Void = { _ in }) {
        self.state = state
        self.store = store
        registry = BaselineRegistry(store: store, settings: config.drift, resamples: config.baseline.nullResamples,
                                    threads: config.evaluation.concurrency, logger: logger)
        self.metrics = metrics
        settings = config.drift
        alerts = AlertBook(consecutiveWindows: config.drift.consecutiveWindows)
        interval = config.evaluation.interval
        concurrency = config.evaluation.concurrency
        self.notifications = notifications
        self.logger = logger
        self.onEvaluation = onEvaluation
    }

    public func run() async throws {
        defer { notifications.finish() }
        await refreshBaselines()
        // The evaluation in flight completes; the next sleep is where shutdown ends the loop.
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                await evaluateOnce()
            }
        }
        logger.info("evaluator stopped")
    }

    /// One round: baselines first (promotions, captures), then every ready window.
    public func evaluateOnce() async {
        await storeCapturedBaselines()
        await refreshBaselines()
        let inputs = await state.evaluationInputs()
        var pending = 0
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            for input in inputs {
                if running == concurrency, let wasPending = await group.next() {
                    running -= 1
                    if wasPending { pending += 1 }
                }
                group.addTask { await evaluate(input) }
                running += 1
            }
            for await wasPending in group where wasPending { pending += 1 }
        }
        metrics.nullCalibrationPending.set(Double(pending))
    }

    /// Scores one window; true when it waits for its null calibration.
    private func evaluate(_ input: EvaluationInput) async -> Bool {
        let started = ContinuousClock.now
        let reference: DriftReference
        let (model, cohort) = (input.id.model, input.id.cohort)
        switch await registry.reference(model: model, cohort: cohort, windowSize: input.window.rows) {
        case .noBaseline: return false
        case .pending: return true
        case .uncalibrated:
            // Never compared with the model's mix: the aggregate window covers this cohort.
            metrics.evaluatedRows(model: model, cohort: cohort).set(0.0)
            await state.evaluated(input)
            return false
        case .ready(let r): reference = r
        }
        do {
            // A reference calibrated for fewer rows than the window scores the window's newest rows.
            let dropped = input.window.rows - reference.windowSize
            let window = dropped > 0 ? input.window.selectingRows(Array(dropped..<input.window.rows)) : input.window
            let (scores, health) = try await offload {
                (try reference.summary.evaluate(window), HealthSignals(window))
            }
            let scored = input.scores.suffix(window.rows).map(Double.init)
            let shift = reference.profile.scoreMean.flatMap { mean in try? ScoreShift(baselineMean: mean, current: scored) }
            metrics.evaluatedRows(model: model, cohort: cohort).set(Double(window.rows))
            await record(input, reference, scores, health, shift)
            await state.evaluated(input)
            metrics.evaluationSeconds.record(started.duration(to: .now))
        } catch {
            // Marked as evaluated anyway: a persistent fault (say, a baseline of another dimension)
            // is reported once per step of new rows, not at every interval.
            await state.evaluated(input)
            logger.error("evaluation failed", metadata: ["window": "\(input.id)", "baseline": "\(reference.baseline.id)", "error": "\(error)"])
        }
        return false
    }

    private func record(_ input: EvaluationInput, _ reference: DriftReference, _ scores: DriftScores, _ health: HealthSignals, _ shift: ScoreShift?) async {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let calibrated = reference.null.assess(scores)
        let (estimator, value, threshold) = ("combined_p", calibrated.combinedP, settings.level)
        let breached = calibrated.combinedP <= settings.level
        let action = await alerts.observe(input.id, breached: breached, windowEnd: input.appended, windowRows: scores.m, atMs: now)
        let evaluation = DriftEvaluation(model: input.id.model, cohort: input.id.cohort, baselineID: reference.baseline.id, estimator: estimator,
                                         value: value, threshold: threshold, windowRows: scores.m, atMs: now, scores: scores,
                                         calibrated: calibrated, health: health, scoreShift: shift, breached: breached, action: action)
        publish(evaluation, heldRows: input.heldRows)
        onEvaluation(evaluation)
        switch action {
        case .none: break
        case .fire(let since): notifications.yield(notification(evaluation, status: .firing, since: since))
        case .resolve(let since): notifications.yield(notification(evaluation, status: .resolved, since: since))
        }
    }

    private func publish(_ e: DriftEvaluation, heldRows: Int) {
        let (model, cohort) = (e.model, e.cohort)
        for kind in e.scores.estimatorsPresent {
            if let score = e.scores.primaryScore(kind) { metrics.driftScore(model: model, cohort: cohort, estimator: kind.rawValue).set(score) }
            if let p = e.calibrated.pValues[kind] { metrics.pValue(model: model, cohort: cohort, estimator: kind.rawValue).set(p) }
            if let z = e.calibrated.z[kind] { metrics.z(model: model, cohort: cohort, estimator: kind.rawValue).set(z) }
        }
        metrics.pValue(model: model, cohort: cohort, estimator: "combined").set(e.calibrated.combinedP)
        for (signal, value) in [("total_variance", e.health.totalVariance), ("mean_pairwise_cosine", e.health.meanPairwiseCosine),
                                ("effective_rank", e.health.effectiveRank), ("nan_rate", e.health.nanRate), ("inf_rate", e.health.infRate),
                                ("zero_vector_rate", e.health.zeroVectorRate)] {
            metrics.health(model: model, cohort: cohort, signal: signal).set(value)
        }
        if let shift = e.scoreShift { metrics.scoreShift(model: model, cohort: cohort).set(shift.relativeChange) }
        metrics.windowRows(model: model, cohort: cohort).set(Double(heldRows))
    }

    private func refreshBaselines() async {
        do {
            let changed = try await registry.refresh()
            for (model, id) in changed {
                await state.baselineReplaced(model: model)
                metrics.activeBaseline(model: model).set(Double(id ?? 0))
                logger.info("active baseline changed", metadata: ["model": "\(model)", "baseline": "\(id.map(String.init) ?? "none")"])
            }
            await state.baselinesChanged(modelsWithBaseline: await registry.modelsWithBaseline)
        } catch {
            logger.error("cannot read active baselines", metadata: ["error": "\(error)"])
        }
    }

    /// Stores baselines auto-captured from the stream as active, unless an owner promoted one meanwhile.
    private func storeCapturedBaselines() async {
        for captured in await state.takeCapturedBaselines() {
            do {
                let hasActive = try await store.activeBaselines()[captured.model] != nil
                let info = try await store.insert(captured, status: hasActive ? .candidate : .active)
                logger.info("baseline stored", metadata: ["model": "\(info.model)", "baseline": "\(info.id)", "status": "\(info.status.rawValue)",
                                                          "rows": "\(info.n)", "source": "\(info.source)"])
            } catch {
                await state.captureFailed(model: captured.model)
                logger.error("cannot store captured baseline; capturing again", metadata: ["model": "\(captured.model)", "error": "\(error)"])
            }
        }
    }

    private func notification(_ e: DriftEvaluation, status: AlertNotification.Status, since: Int64) -> AlertNotification {
        let labels = ["cohort": e.cohort, "model": e.model]
        let evidence = e.calibrated.z.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) z=\(String(format: "%.1f", $0.value))" }.joined(separator: ", ")
        let comparison = "p = \(String(format: "%.4g", e.value)) ≤ \(e.threshold)"
        let summary = status == .firing
            ? "Embedding drift on \(e.model)/\(e.cohort) vs baseline \(e.baselineID): \(comparison) (\(evidence))"
            : "Embedding drift on \(e.model)/\(e.cohort) resolved (\(evidence))"
        logger.info("alert \(status.rawValue)", metadata: ["model": "\(e.model)", "cohort": "\(e.cohort)", "value": "\(e.value)", "threshold": "\(e.threshold)"])
        return AlertNotification(
            status: status, rule: Self.ruleName, severity: "page", model: e.model, cohort: e.cohort, estimator: e.estimator,
            value: e.value, threshold: e.threshold, windowRows: e.windowRows, startsAt: RFC3339.string(millis: since),
            sentAt: RFC3339.string(millis: e.atMs), fingerprint: Fingerprint.of(rule: Self.ruleName, labels: labels), summary: summary)
    }
}

/// Drift rule state per window: the sustained-breach count, then inactive ↔ firing.
actor AlertBook {
    private let consecutiveWindows: Int
    private var streaks: [WindowID: SustainedBreach] = [:]
    private var states: [WindowID: ThresholdAlertState] = [:]

    init(consecutiveWindows: Int) { self.consecutiveWindows = consecutiveWindows }

    func observe(_ key: WindowID, breached: Bool, windowEnd: Int64, windowRows: Int, atMs: Int64) -> ThresholdAlertState.Action {
        let sustained = streaks[key, default: SustainedBreach(required: consecutiveWindows)]
            .observe(breached: breached, windowEnd: windowEnd, windowRows: windowRows)
        return states[key, default: ThresholdAlertState()].observe(breached: sustained, atMs: atMs)
    }
}

extension DriftScores {
    /// Estimators with a score in this result, in DESIGN §9 order.
    var estimatorsPresent: [DriftEstimatorKind] { DriftEstimatorKind.allCases.filter { primaryScore($0) != nil } }
}
