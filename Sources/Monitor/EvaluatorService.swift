import Alerting
import DriftEstimators
import Foundation
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Every `evaluation.interval`, scores each ready window against its baseline, advances the
/// alert rule and queues notifications. Finishes the notification stream when it stops, so the
/// notifier can drain it.
public struct EvaluatorService: Service {
    public static let ruleName = "EmbeddingDrift"

    private let state: MonitorState
    private let settings: DriftSettings
    private let interval: Duration
    private let notifications: AsyncStream<AlertNotification>.Continuation
    private let onEvaluation: @Sendable (DriftEvaluation) -> Void
    private let alerts = AlertBook()
    private let metrics: DaemonMetrics
    private let logger: Logger

    public init(state: MonitorState, config: TwinwatchConfig, notifications: AsyncStream<AlertNotification>.Continuation,
                metrics: DaemonMetrics, logger: Logger, onEvaluation: @escaping @Sendable (DriftEvaluation) -> Void = { _ in }) {
        self.state = state
        self.metrics = metrics
        self.settings = config.drift
        self.interval = config.evaluation.interval
        self.notifications = notifications
        self.logger = logger
        self.onEvaluation = onEvaluation
    }

    public func run() async throws {
        defer { notifications.finish() }
        // The evaluation in flight completes; the next sleep is where shutdown ends the loop.
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                await evaluateOnce()
            }
        }
        logger.info("evaluator stopped")
    }

    /// Evaluates every ready model once.
    public func evaluateOnce() async {
        for input in await state.evaluationInputs() {
            do {
                let w1 = try Wasserstein.perDimensionW1(baseline: input.baseline, current: input.window)
                await record(input, value: w1.mean)
            } catch {
                logger.error("evaluation failed", metadata: ["model": "\(input.model)", "error": "\(error)"])
            }
        }
    }

    private func record(_ input: EvaluationInput, value: Double) async {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let action = await alerts.observe(model: input.model, value: value, threshold: settings.threshold, atMs: now)
        let evaluation = DriftEvaluation(model: input.model, cohort: "all", estimator: settings.estimator.rawValue, value: value,
                                         threshold: settings.threshold, windowRows: input.window.rows, atMs: now, action: action)
        metrics.driftScore(model: evaluation.model, cohort: evaluation.cohort, estimator: evaluation.estimator).set(value)
        metrics.windowRows(model: evaluation.model, cohort: evaluation.cohort).set(Double(evaluation.windowRows))
        onEvaluation(evaluation)
        switch action {
        case .none: break
        case .fire(let since): notifications.yield(notification(evaluation, status: .firing, since: since))
        case .resolve(let since): notifications.yield(notification(evaluation, status: .resolved, since: since))
        }
    }

    private func notification(_ e: DriftEvaluation, status: AlertNotification.Status, since: Int64) -> AlertNotification {
        let labels = ["cohort": e.cohort, "estimator": e.estimator, "model": e.model]
        let summary = status == .firing
            ? "Embedding drift on \(e.model): \(e.estimator) = \(String(format: "%.4f", e.value)) > \(e.threshold)"
            : "Embedding drift on \(e.model) resolved: \(e.estimator) = \(String(format: "%.4f", e.value))"
        logger.info("alert \(status.rawValue)", metadata: ["model": "\(e.model)", "value": "\(e.value)", "threshold": "\(e.threshold)"])
        return AlertNotification(
            status: status, rule: Self.ruleName, severity: "page", model: e.model, cohort: e.cohort, estimator: e.estimator,
            value: e.value, threshold: e.threshold, windowRows: e.windowRows, startsAt: RFC3339.string(millis: since),
            sentAt: RFC3339.string(millis: e.atMs), fingerprint: Fingerprint.of(rule: Self.ruleName, labels: labels), summary: summary)
    }
}

/// Alert state per model for the drift rule.
actor AlertBook {
    private var states: [String: ThresholdAlertState] = [:]

    func observe(model: String, value: Double, threshold: Double, atMs: Int64) -> ThresholdAlertState.Action {
        states[model, default: ThresholdAlertState()].observe(value: value, threshold: threshold, atMs: atMs)
    }
}
