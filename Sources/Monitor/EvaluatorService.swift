import Alerting
import StateStore
import DriftEstimators
import Foundation
import Logging
import ServiceLifecycle
import TwinwatchCore
import Verification

/// Every `evaluation.interval`: picks up baseline promotions, stores baselines captured from the
/// stream, and scores every ready window against its model's active baseline — the configured
/// estimators, null-calibrated p-values and z, health signals and the similarity-score shift —
/// then hands every round's signals to alerting (`AlertCoordinator`), which decides. Up to
/// `evaluation.concurrency` windows are scored at once, on Dispatch threads, so ingest never waits.
public struct EvaluatorService: Service {
    private let state: MonitorState
    private let store: TwinwatchStore
    private let registry: BaselineRegistry
    private let settings: DriftSettings
    private let interval: Duration
    private let concurrency: Int
    private let alerts: AlertCoordinator?
    private let thresholds: ThresholdPublisher?
    private let clock: @Sendable () -> Int64
    private let onEvaluation: @Sendable (DriftEvaluation) -> Void
    private let onVerification: @Sendable (VerificationRound) -> Void
    private let metrics: DaemonMetrics
    private let progress: PipelineProgress
    /// Evaluations and calibrations running now; one past its budget is reported and not waited for.
    private let work: EstimatorWork
    private let budget: WorkBudget
    /// Nil: no history is kept (`store.history_retention: 0s`).
    private let historyRetention: Duration?
    /// When a window's drift profile or a cohort's ROC curve joins the history.
    private let profiles: ProfileSchedule
    /// The combined drift rule's level (read at start): a window at or below it is profiled sooner.
    private let level: Double?
    private let logger: Logger

    /// `alerts` nil: scores and exports metrics only. `clock`: ms since 1970 (a simulated one in `eval`).
    public init(state: MonitorState, store: TwinwatchStore, config: TwinwatchConfig, alerts: AlertCoordinator?,
                thresholds: ThresholdPublisher? = nil,
                metrics: DaemonMetrics, progress: PipelineProgress = PipelineProgress(), work: EstimatorWork = EstimatorWork(), logger: Logger,
                clock: @escaping @Sendable () -> Int64 = WallClock.nowMs,
                onEvaluation: @escaping @Sendable (DriftEvaluation) -> Void = { _ in },
                onVerification: @escaping @Sendable (VerificationRound) -> Void = { _ in }) {
        self.state = state
        self.store = store
        registry = BaselineRegistry(store: store, settings: config.drift, resamples: config.baseline.nullResamples,
                                    threads: config.evaluation.concurrency, work: work, budget: config.evaluation.budget, logger: logger)
        self.metrics = metrics
        self.progress = progress
        self.work = work
        budget = config.evaluation.budget
        historyRetention = config.store.historyRetention > .zero ? config.store.historyRetention : nil
        profiles = ProfileSchedule(interval: historyRetention == nil ? .zero : config.store.profileInterval)
        level = config.combinedDriftLevel
        settings = config.drift
        self.alerts = alerts
        self.thresholds = thresholds
        self.clock = clock
        interval = config.evaluation.interval
        concurrency = config.evaluation.concurrency
        self.logger = logger
        self.onEvaluation = onEvaluation
        self.onVerification = onVerification
    }

    public func run() async throws {
        await refreshBaselines()
        // The evaluation in flight completes; the next sleep is where shutdown ends the loop.
        try? await cancelWhenGracefulShutdown {
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while true {
                try await Task.sleep(for: interval)
                await evaluateOnce()
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    lastPrune = .now
                    await pruneHistory()
                }
            }
        }
        logger.info("evaluator stopped")
    }

    /// One round: baselines first (promotions, captures), then every ready window, then the
    /// round's signals to alerting.
    public func evaluateOnce() async {
        progress.begin(.evaluator)
        defer { progress.end(.evaluator) }
        await storeCapturedBaselines()
        await refreshBaselines()
        let inputs = await state.evaluationInputs()
        metrics.ownedKeys.set(Double(await state.ownedKeys.count))
        let notScored = await state.aggregatesNotScored
        for model in Set(notScored.keys).union(inputs.filter { $0.id.cohort == WindowSettings.aggregateCohort }.map(\.id.model)) {
            metrics.aggregateNotScored(model: model).set(notScored[model] == nil ? 0.0 : 1.0)
        }
        var pending = 0
        var samples: [SignalSample] = []
        var history: [HistoryRecord] = []
        await withTaskGroup(of: WindowOutcome.self) { group in
            var running = 0
            for input in inputs {
                if running == concurrency, let outcome = await group.next() {
                    running -= 1
                    if case .pending = outcome { pending += 1 }
                    if case .scored(let s, let h) = outcome { samples += s; history += h }
                }
                group.addTask { await evaluate(input) }
                running += 1
            }
            for await outcome in group {
                if case .pending = outcome { pending += 1 }
                if case .scored(let s, let h) = outcome { samples += s; history += h }
            }
        }
        metrics.nullCalibrationPending.set(Double(pending))
        let verification = await verificationSamples()
        samples += verification.samples
        history += verification.history
        samples += await processSamples()
        await alerts?.observe(samples, atMs: clock())
        await record(history)
    }

    /// The round's evaluations and verification snapshots into the history reports plot (pruned
    /// past `store.history_retention` once an hour by `run`). A failure loses this round's rows only.
    private func record(_ history: [HistoryRecord]) async {
        guard historyRetention != nil else { return }
        do {
            try await store.appendHistory(history)
        } catch {
            logger.warning("cannot write the evaluation history", metadata: ["error": "\(error)"])
        }
    }

    private func pruneHistory() async {
        guard let retention = historyRetention else { return }
        do {
            try await store.pruneHistory(beforeMs: clock() - retention.milliseconds)
        } catch {
            logger.warning("cannot prune the evaluation history", metadata: ["error": "\(error)"])
        }
    }

    /// What one window's evaluation gave alerting.
    private enum WindowOutcome: Sendable {
        case skipped
        /// Waiting for its null calibration.
        case pending
        /// Its signals, and its history rows (the evaluation; its drift profile when due).
        case scored([SignalSample], [HistoryRecord])
    }

    /// Verification per cohort from the labelled events (metrics and the far / frr / recall /
    /// precision signals), and the adaptive thresholds' decisions: stored with their evidence and,
    /// when applied, published.
    private func verificationSamples() async -> (samples: [SignalSample], history: [HistoryRecord]) {
        let now = clock()
        let round = await state.verificationRound(atMs: now)
        metrics.record(round)
        onVerification(round)
        for decision in round.decisions {
            switch decision {
            case .apply(let change): await record(change, status: .applied)
            case .propose(let change): await record(change, status: .proposed)
            case .hold: break
            }
        }
        var history = round.snapshots.map { $0.historyRecord(atMs: now) }
        for snapshot in round.snapshots {
            guard let roc = StoredROC(snapshot), profiles.claim("\(snapshot.model)/\(snapshot.cohort)/roc", atMs: now),
                  let row = roc.record(model: snapshot.model, cohort: snapshot.cohort, atMs: now) else { continue }
            history.append(row)
        }
        return (round.snapshots.flatMap(\.samples), history)
    }

    private func record(_ change: ThresholdChange, status: ThresholdRecord.Status) async {
        let metadata: Logger.Metadata = ["model": "\(change.model)", "cohort": "\(change.cohort)", "from": "\(change.oldThreshold)",
                                         "to": "\(change.newThreshold)", "version": "\(change.version)", "evidence": "\(change.evidenceJSON)"]
        logger.info(status == .applied ? "threshold changed" : "threshold change proposed (dry run)", metadata: metadata)
        metrics.thresholdUpdate(model: change.model, cohort: change.cohort, status: status.rawValue)
        do {
            let stored = try await store.append(change.record(status: status))
            guard status == .applied, let thresholds else { return }
            await thresholds.publish(stored, inForce: try await store.thresholdsInForce())
        } catch {
            logger.error("cannot store a threshold change", metadata: metadata.merging(["error": "\(error)"]) { a, _ in a })
        }
    }

    /// Process-wide signals: the rejected share of the events consumed since the last round, the
    /// consumer lag, each active baseline's age.
    private func processSamples() async -> [SignalSample] {
        var samples: [SignalSample] = []
        let tally = metrics.takeIngestTally()
        if tally.accepted + tally.rejected > 0 {
            samples.append(SignalSample(signal: .rejectedRate, labels: [:], value: Double(tally.rejected) / Double(tally.accepted + tally.rejected)))
        }
        if let lag = tally.lag { samples.append(SignalSample(signal: .consumerLag, labels: [:], value: Double(lag))) }
        let now = clock()
        for (model, created) in await registry.activeBaselineCreation {
            guard let createdMs = RFC3339.millis(created) else { continue }
            metrics.baselineAge(model: model).set(Double(now - createdMs) / 1000)
            samples.append(SignalSample(signal: .baselineAgeDays, labels: ["model": model], value: Double(now - createdMs) / 86_400_000))
        }
        for sli in await state.takeServingSLIs() {
            metrics.record(sli)
            samples += sli.samples
        }
        return samples
    }

    /// Scores one window.
    private func evaluate(_ input: EvaluationInput) async -> WindowOutcome {
        let started = ContinuousClock.now
        let reference: DriftReference
        let (model, cohort) = (input.id.model, input.id.cohort)
        let lookup = await registry.reference(model: model, cohort: cohort, windowSize: input.window.rows)
        if cohort == WindowSettings.aggregateCohort { await state.noteCalibration(model: model, lookup.status) }
        switch lookup {
        case .noBaseline: return .skipped
        case .pending: return .pending
        case .uncalibrated:
            // Never compared with the model's mix: the aggregate window covers this cohort.
            metrics.evaluatedRows(model: model, cohort: cohort).set(0.0)
            await state.evaluated(input)
            return .skipped
        case .ready(let r): reference = r
        }
        // An evaluation of this window that overran its budget is still running: not another beside it.
        if work.isEvaluating(model: model, cohort: cohort) { return .skipped }
        do {
            // A reference calibrated for fewer rows than the window scores the window's newest rows.
            let dropped = input.window.rows - reference.windowSize
            let window = dropped > 0 ? input.window.selectingRows(Array(dropped..<input.window.rows)) : input.window
            let budget = budget.budget(predicted: WorkEstimate.evaluationSeconds(
                referenceRows: reference.summary.rows, windowRows: window.rows, dimensions: window.cols, configuration: reference.summary.configuration))
            let item = work.begin(.evaluation, model: model, cohort: cohort, baselineID: reference.baseline.id, windowSize: window.rows, budget: budget)
            let evaluated = try await offload(within: budget) { [work] in
                try work.run(item) { (try reference.summary.evaluate(window), HealthSignals(window)) }
            }
            // Past its budget (reported by `work`): the round goes on; the window stays due.
            guard let (scores, health) = evaluated else { return .skipped }
            let scored = input.scores.suffix(window.rows).map(Double.init)
            let shift = reference.profile.scoreMean.flatMap { mean in try? ScoreShift(baselineMean: mean, current: scored) }
            metrics.evaluatedRows(model: model, cohort: cohort).set(Double(window.rows))
            let evaluation = record(input, reference, scores, health, shift)
            await state.evaluated(input)
            metrics.evaluationSeconds.record(started.duration(to: .now))
            var history = [evaluation.historyRecord]
            let breach = level.map { evaluation.combinedP <= $0 } ?? false
            if profiles.claim("\(input.id)", atMs: evaluation.atMs, breach: breach),
               let profile = try await offload(within: budget, { reference.summary.profile(window, scores: scores) }) ?? nil,
               let row = StoredDriftProfile(baselineID: reference.baseline.id, windowRows: window.rows, profile: profile,
                                            baselineHealth: reference.health).record(model: model, cohort: cohort, atMs: evaluation.atMs) {
                history.append(row)
            }
            return .scored(evaluation.samples(window: WindowSpan(end: input.appended, rows: scores.m), reference: reference), history)
        } catch {
            // Marked as evaluated anyway: a persistent fault (say, a baseline of another dimension)
            // is reported once per step of new rows, not at every interval.
            await state.evaluated(input)
            logger.error("evaluation failed", metadata: ["window": "\(input.id)", "baseline": "\(reference.baseline.id)", "error": "\(error)"])
        }
        return .skipped
    }

    private func record(_ input: EvaluationInput, _ reference: DriftReference, _ scores: DriftScores, _ health: HealthSignals,
                        _ shift: ScoreShift?) -> DriftEvaluation {
        let calibrated = reference.null.assess(scores)
        let evaluation = DriftEvaluation(model: input.id.model, cohort: input.id.cohort, baselineID: reference.baseline.id,
                                         windowRows: scores.m, atMs: clock(), scores: scores, calibrated: calibrated, health: health,
                                         scoreShift: shift)
        publish(evaluation, heldRows: input.heldRows)
        onEvaluation(evaluation)
        return evaluation
    }

    private func publish(_ e: DriftEvaluation, heldRows: Int) {
        let (model, cohort) = (e.model, e.cohort)
        for kind in e.scores.estimatorsPresent {
            if let score = e.scores.primaryScore(kind) { metrics.driftScore(model: model, cohort: cohort, estimator: kind.rawValue).set(score) }
            if let p = e.calibrated.pValues[kind] { metrics.pValue(model: model, cohort: cohort, estimator: kind.rawValue).set(p) }
            if let z = e.calibrated.z[kind] { metrics.z(model: model, cohort: cohort, estimator: kind.rawValue).set(z) }
        }
        metrics.pValue(model: model, cohort: cohort, estimator: "combined").set(e.calibrated.combinedP)
        if cohort == WindowSettings.aggregateCohort, let w1 = e.scores.w1 {
            let perDimension = w1.normalized.isEmpty ? w1.vector : w1.normalized
            for (j, value) in perDimension.enumerated() { metrics.w1Dimension(model: model, dimension: j).set(value) }
        }
        for (signal, value) in e.health.series {
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
}

extension DriftScores {
    /// Estimators with a score in this result, in DESIGN §9 order.
    var estimatorsPresent: [DriftEstimatorKind] { DriftEstimatorKind.allCases.filter { primaryScore($0) != nil } }
}
