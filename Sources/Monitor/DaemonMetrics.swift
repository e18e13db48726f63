import Alerting
import DriftEstimators
import EventCodec
import KafkaIO
import Prometheus
import StateStore
import Synchronization
import TwinwatchCore
import Verification

/// The daemon's Prometheus metrics (DESIGN §8 names, with help text). One registry per daemon,
/// passed in, so tests and several in-process daemons never share global state.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Events accepted and refused since the last `takeIngestTally`, and the latest total lag: the
    /// process-wide alert signals (Prometheus counters cannot be read back).
    private let tally = Mutex<IngestTally>(IngestTally())
    /// Checkpoint successes and failures as readiness needs them (a gauge cannot be read back).
    private let checkpoints = Mutex<CheckpointHealth>(CheckpointHealth())
    /// Broker reachability at the latest librdkafka statistics, for readiness.
    private let brokers = Mutex<BrokerHealth>(BrokerHealth())

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Every reason is exported from the start, so a rate() over a fresh counter works.
        for reason in EventRejection.Reason.allCases { _ = rejected(reason) }
        // Failure counters too: a dashboard's increase() over them must find a series at zero.
        _ = deadLetterFailures
        _ = checkpointFailures
        for kind in EstimatorWork.Kind.allCases {
            _ = estimatorOverruns(kind)
            estimatorOverrunning(kind).set(0.0)
        }
        for reason in UnmatchedReason.allCases.map(\.rawValue) + ["score_out_of_range", "retrieval_orphan"] {
            _ = registry.makeCounter(descriptor: Self.unmatchedName, labels: [("reason", reason)])
        }
    }

    // Built on use: MetricNameDescriptor is not Sendable, so it cannot be a stored static.
    private static func metric(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "twinwatch", metricName: name, unitName: unit, helpText: help)
    }

    private static var consumedName: MetricNameDescriptor { metric("events_consumed", unit: "total", "Events decoded, validated and taken into the windows.") }
    private static var rejectedName: MetricNameDescriptor { metric("events_rejected", unit: "total", "Events and feedback refused (and sent to the dead-letter topic), by reason.") }
    private static var feedbackName: MetricNameDescriptor { metric("feedback_consumed", unit: "total", "Feedback messages taken in, by kind (label, scored, retrieval).") }
    private static var deadLetterFailuresName: MetricNameDescriptor { metric("dead_letter_failures", unit: "total", "Refused messages that could not be produced to the dead-letter topic.") }
    private static var windowRowsName: MetricNameDescriptor { metric("window_rows", "Rows in the live window.") }
    private static var driftScoreName: MetricNameDescriptor { metric("drift_score", "Latest raw drift score of the window against the baseline.") }
    private static var lagName: MetricNameDescriptor { metric("consumer_lag", "Messages between the consumer position and the high watermark (librdkafka statistics).") }
    private static var brokersUpName: MetricNameDescriptor { metric("kafka_brokers_up", "Brokers the consumer is connected to (it connects to every broker, so fewer than twinwatch_kafka_brokers means some are unreachable).") }
    private static var brokersName: MetricNameDescriptor { metric("kafka_brokers", "Brokers librdkafka knows of.") }
    private static var assignedName: MetricNameDescriptor { metric("assigned_partitions", "Partitions assigned to this instance.") }
    private static var pValueName: MetricNameDescriptor { metric("drift_p_value", "Null-calibrated p-value of the window's drift score (estimator=combined: max-z over the estimators, calibrated on the same replicates).") }
    private static var w1DimensionName: MetricNameDescriptor { metric("w1_dimension", "W1 of one embedding dimension between the model's window (all cohorts) and the active baseline, in baseline standard deviations (the debug dashboard's heatmap; the model aggregate only, so d series per model).") }
    private static var zName: MetricNameDescriptor { metric("drift_z", "Drift score in standard deviations of its null distribution.") }
    private static var healthName: MetricNameDescriptor { metric("embedding_health", "Collapse / health signal of the window (total_variance, mean_pairwise_cosine, effective_rank, nan_rate, inf_rate, zero_vector_rate).") }
    private static var scoreShiftName: MetricNameDescriptor { metric("score_shift_ratio", "Relative change of the mean similarity score against the baseline.") }
    private static var baselineName: MetricNameDescriptor { metric("baseline_active_id", "Id of the model's active baseline (0: none).") }
    private static var evaluatedRowsName: MetricNameDescriptor { metric("drift_window_evaluated_rows", "Rows of the window scored for drift: window.size, or fewer where the baseline holds too few rows of the cohort for a calibrated null at that size; 0 where it holds too few for any (the cohort is not scored for drift).") }
    private static var calibratingName: MetricNameDescriptor { metric("null_calibration_pending", "Windows waiting for their baseline's null calibration at their size.") }
    private static var overrunsName: MetricNameDescriptor { metric("estimator_overruns", unit: "total", "Null calibrations and window evaluations that ran past their budget (evaluation.budget_factor / budget_minimum), by work.") }
    private static var overrunningName: MetricNameDescriptor { metric("estimator_overrunning", "Null calibrations and window evaluations past their budget and still running, by work (/readyz lists them).") }
    private static var ownedKeysName: MetricNameDescriptor { metric("owned_keys", "Model/cohort keys whose windows this instance owns (fed by its assigned partitions).") }
    private static var aggregateNotScoredName: MetricNameDescriptor { metric("aggregate_not_scored", "1 while the model-wide window (cohort all) is not scored on this instance: it owns only some of the events topic's partitions, or the events carry no event times to compose the cohorts by (/readyz and the log say which); 0 when it is scored.") }
    private static var checkpointFailuresName: MetricNameDescriptor { metric("checkpoint_failures", unit: "total", "Checkpoints that could not be written (retried at the next interval).") }
    private static var checkpointRowsName: MetricNameDescriptor { metric("checkpoint_rows", unit: "total", "Window rows written to the store by checkpoints.") }
    private static var checkpointSecondsName: MetricNameDescriptor { metric("checkpoint_duration", unit: "seconds", "Time to take and write one checkpoint.") }
    private static var lastCheckpointName: MetricNameDescriptor { metric("last_checkpoint_timestamp", unit: "seconds", "Unix time of the last checkpoint written.") }
    private static var alertsFiringName: MetricNameDescriptor { metric("alerts_firing", "Alerts firing, by rule and severity (pending and resolved ones: GET /api/v1/alerts).") }
    private static var notificationsName: MetricNameDescriptor { metric("notifications", unit: "total", "Delivery attempts by receiver and outcome (delivered, retry, dead).") }
    private static var outboxPendingName: MetricNameDescriptor { metric("outbox_pending", "Notifications queued in the outbox and not yet delivered or given up, by receiver.") }
    private static var outboxDeadName: MetricNameDescriptor { metric("outbox_dead", "Notifications given up (after max_age or refused) still in the outbox, by receiver.") }
    private static var baselineAgeName: MetricNameDescriptor { metric("baseline_age", unit: "seconds", "Age of the model's active baseline.") }
    private static var servingQPSName: MetricNameDescriptor { metric("serving_qps", "Events per second over the last evaluation interval (model, cohort; cohort all: the model).") }
    private static var servingErrorName: MetricNameDescriptor { metric("serving_error_ratio", "Share of the events with a status that reported error, over the last evaluation interval.") }
    private static var servingReviewName: MetricNameDescriptor { metric("serving_review_ratio", "Share of the events with a decision that went to manual review, over the last evaluation interval.") }
    private static var servingLatencyName: MetricNameDescriptor { metric("serving_latency", unit: "seconds", "Serving latency percentiles (50, 99) over the last evaluation interval (HdrHistogram, 1 % resolution). A gauge per percentile, not a summary: the label is percentile, not quantile.") }
    private static var rateName: [String: MetricNameDescriptor] {
        Dictionary(uniqueKeysWithValues: ["far", "frr", "recall", "precision"].map { name in
            (name, metric(name, "\(name.uppercased()) of the labelled events in the cohort's window at the threshold in force (cohort all: the model, each cohort at its own)."))
        })
    }
    private static var rateCIName: MetricNameDescriptor { metric("rate_ci", "95 % interval bounds (Wilson, or Clopper–Pearson when configured) of far, frr, recall and precision.") }
    private static var labelledName: MetricNameDescriptor { metric("labelled_events", unit: "total", "Labelled events counted (joined, inline or self-contained), by model, cohort and label.") }
    private static var eerName: MetricNameDescriptor { metric("eer", "Equal error rate (interpolated) of the cohort's window of labelled events.") }
    private static var eerThresholdName: MetricNameDescriptor { metric("eer_threshold", "Threshold at the cohort window's equal error rate.") }
    private static var recallAtKName: MetricNameDescriptor { metric("recall_at_k", "Recall@k from retrieval feedback (relevant_rank) over the cohort's newest queries.") }
    private static var thresholdName: MetricNameDescriptor { metric("threshold", "Decision threshold in force (accept ⇔ score ≥ threshold).") }
    private static var thresholdUpdatesName: MetricNameDescriptor { metric("threshold_updates", unit: "total", "Threshold changes, applied or proposed (dry run).") }
    private static var unmatchedName: MetricNameDescriptor { metric("feedback_unmatched", unit: "total", "Feedback that did not become a labelled event, by reason.") }
    private static var evaluationSecondsName: MetricNameDescriptor { metric("evaluation_duration", unit: "seconds", "Time to evaluate one window against its baseline.") }

    public func consumed(model: String) -> Counter {
        registry.makeCounter(descriptor: Self.consumedName, labels: [("model", model)])
    }

    public func rejected(_ reason: EventRejection.Reason) -> Counter {
        registry.makeCounter(descriptor: Self.rejectedName, labels: [("reason", reason.rawValue)])
    }

    public func feedbackConsumed(_ kind: String) -> Counter {
        registry.makeCounter(descriptor: Self.feedbackName, labels: [("kind", kind)])
    }

    public var deadLetterFailures: Counter { registry.makeCounter(descriptor: Self.deadLetterFailuresName) }

    public func windowRows(model: String, cohort: String) -> Gauge {
        registry.makeGauge(descriptor: Self.windowRowsName, labels: [("model", model), ("cohort", cohort)])
    }

    public func driftScore(model: String, cohort: String, estimator: String) -> Gauge {
        registry.makeGauge(descriptor: Self.driftScoreName, labels: [("model", model), ("cohort", cohort), ("estimator", estimator)])
    }

    public func pValue(model: String, cohort: String, estimator: String) -> Gauge {
        registry.makeGauge(descriptor: Self.pValueName, labels: [("model", model), ("cohort", cohort), ("estimator", estimator)])
    }

    public func w1Dimension(model: String, dimension: Int) -> Gauge {
        registry.makeGauge(descriptor: Self.w1DimensionName, labels: [("model", model), ("dim", "\(dimension)")])
    }

    public func z(model: String, cohort: String, estimator: String) -> Gauge {
        registry.makeGauge(descriptor: Self.zName, labels: [("model", model), ("cohort", cohort), ("estimator", estimator)])
    }

    public func health(model: String, cohort: String, signal: String) -> Gauge {
        registry.makeGauge(descriptor: Self.healthName, labels: [("model", model), ("cohort", cohort), ("signal", signal)])
    }

    public func scoreShift(model: String, cohort: String) -> Gauge {
        registry.makeGauge(descriptor: Self.scoreShiftName, labels: [("model", model), ("cohort", cohort)])
    }

    public func activeBaseline(model: String) -> Gauge {
        registry.makeGauge(descriptor: Self.baselineName, labels: [("model", model)])
    }

    public func evaluatedRows(model: String, cohort: String) -> Gauge {
        registry.makeGauge(descriptor: Self.evaluatedRowsName, labels: [("model", model), ("cohort", cohort)])
    }

    public var nullCalibrationPending: Gauge { registry.makeGauge(descriptor: Self.calibratingName) }
    public var ownedKeys: Gauge { registry.makeGauge(descriptor: Self.ownedKeysName) }

    public func aggregateNotScored(model: String) -> Gauge {
        registry.makeGauge(descriptor: Self.aggregateNotScoredName, labels: [("model", model)])
    }

    public func estimatorOverruns(_ kind: EstimatorWork.Kind) -> Counter {
        registry.makeCounter(descriptor: Self.overrunsName, labels: [("work", kind.rawValue)])
    }

    public func estimatorOverrunning(_ kind: EstimatorWork.Kind) -> Gauge {
        registry.makeGauge(descriptor: Self.overrunningName, labels: [("work", kind.rawValue)])
    }

    /// Failed checkpoints; incrementing also marks checkpoints as failing for readiness.
    public var checkpointFailures: CheckpointFailureCounter {
        CheckpointFailureCounter(counter: registry.makeCounter(descriptor: Self.checkpointFailuresName), metrics: self)
    }
    public var checkpointRows: Counter { registry.makeCounter(descriptor: Self.checkpointRowsName) }
    /// Time of the last checkpoint written; setting it also marks checkpoints as healthy for readiness.
    public var lastCheckpoint: LastCheckpointGauge {
        LastCheckpointGauge(gauge: registry.makeGauge(descriptor: Self.lastCheckpointName), metrics: self)
    }

    /// Checkpoint health now (what `/readyz` reports).
    public var checkpointHealth: CheckpointHealth { checkpoints.withLock { $0 } }

    fileprivate func checkpoint(succeeded: Bool) {
        let now = ContinuousClock.now
        checkpoints.withLock { succeeded ? $0.succeeded(at: now) : $0.failed(at: now) }
    }

    public var checkpointSeconds: DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.checkpointSecondsName, buckets: Self.durationBuckets)
    }

    public var evaluationSeconds: DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.evaluationSecondsName, buckets: Self.durationBuckets)
    }

    private static let durationBuckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
                                                      .seconds(1), .seconds(2.5), .seconds(10), .seconds(30)]

    /// Removes the per-key series of keys that moved to another instance: their new owner exports
    /// them, and a stale copy here would put two answers under one label set in Prometheus.
    public func forget(_ keys: [WindowID]) {
        for key in keys {
            let labels = [("model", key.model), ("cohort", key.cohort)]
            var gauges = [windowRows(model: key.model, cohort: key.cohort), evaluatedRows(model: key.model, cohort: key.cohort),
                          scoreShift(model: key.model, cohort: key.cohort)]
            for estimator in DriftEstimatorKind.allCases.map(\.rawValue) + ["combined"] {
                gauges += [driftScore(model: key.model, cohort: key.cohort, estimator: estimator),
                           pValue(model: key.model, cohort: key.cohort, estimator: estimator),
                           z(model: key.model, cohort: key.cohort, estimator: estimator)]
            }
            for signal in HealthSignals.seriesNames {
                gauges.append(health(model: key.model, cohort: key.cohort, signal: signal))
            }
            for (name, descriptor) in Self.rateName {
                gauges.append(registry.makeGauge(descriptor: descriptor, labels: labels))
                for bound in ["lower", "upper"] { gauges.append(registry.makeGauge(descriptor: Self.rateCIName, labels: labels + [("rate", name), ("bound", bound)])) }
            }
            for descriptor in [Self.thresholdName, Self.eerName, Self.eerThresholdName] { gauges.append(registry.makeGauge(descriptor: descriptor, labels: labels)) }
            gauges.forEach(registry.unregisterGauge)
        }
    }

    /// Exports one verification round.
    public func record(_ round: VerificationRound) {
        for snapshot in round.snapshots {
            let labels = [("model", snapshot.model), ("cohort", snapshot.cohort)]
            let c = snapshot.counts
            for (name, value, interval) in [("far", c.far, snapshot.far), ("frr", c.frr, snapshot.frr), ("recall", c.recall, snapshot.recall),
                                             ("precision", c.precision, snapshot.precision)] {
                guard let value, let descriptor = Self.rateName[name] else { continue }
                registry.makeGauge(descriptor: descriptor, labels: labels).set(value)
                if let interval {
                    registry.makeGauge(descriptor: Self.rateCIName, labels: labels + [("rate", name), ("bound", "lower")]).set(interval.lower)
                    registry.makeGauge(descriptor: Self.rateCIName, labels: labels + [("rate", name), ("bound", "upper")]).set(interval.upper)
                }
            }
            if let t = snapshot.threshold { registry.makeGauge(descriptor: Self.thresholdName, labels: labels).set(t) }
            if let eer = snapshot.eer {
                registry.makeGauge(descriptor: Self.eerName, labels: labels).set(eer.rate)
                registry.makeGauge(descriptor: Self.eerThresholdName, labels: labels).set(eer.threshold)
            }
        }
        for (key, n) in round.labelled {
            registry.makeCounter(descriptor: Self.labelledName, labels: [("model", key.model), ("cohort", key.cohort), ("label", key.genuine ? "1" : "0")])
                .increment(by: Int64(n))
        }
        for (reason, n) in round.unmatched {
            registry.makeCounter(descriptor: Self.unmatchedName, labels: [("reason", reason.rawValue)]).increment(by: Int64(n))
        }
        for r in round.retrieval {
            for point in r.recall {
                registry.makeGauge(descriptor: Self.recallAtKName, labels: [("model", r.model), ("cohort", r.cohort), ("k", "\(point.k)")]).set(point.value)
            }
        }
        if round.retrievalOrphans > 0 {
            registry.makeCounter(descriptor: Self.unmatchedName, labels: [("reason", "retrieval_orphan")]).increment(by: Int64(round.retrievalOrphans))
        }
        if round.refusedScores > 0 {
            registry.makeCounter(descriptor: Self.unmatchedName, labels: [("reason", "score_out_of_range")]).increment(by: Int64(round.refusedScores))
        }
    }

    public func thresholdUpdate(model: String, cohort: String, status: String) {
        registry.makeCounter(descriptor: Self.thresholdUpdatesName, labels: [("model", model), ("cohort", cohort), ("status", status)]).increment()
    }

    public func baselineAge(model: String) -> Gauge { registry.makeGauge(descriptor: Self.baselineAgeName, labels: [("model", model)]) }

    /// Exports one key's serving SLIs (absent fields leave their gauges as they were).
    public func record(_ sli: ServingSLIs) {
        let labels = [("model", sli.model), ("cohort", sli.cohort)]
        registry.makeGauge(descriptor: Self.servingQPSName, labels: labels).set(sli.qps)
        if let v = sli.errorRate { registry.makeGauge(descriptor: Self.servingErrorName, labels: labels).set(v) }
        if let v = sli.reviewRate { registry.makeGauge(descriptor: Self.servingReviewName, labels: labels).set(v) }
        for (percentile, value) in [("50", sli.latencyP50Ms), ("99", sli.latencyP99Ms)] {
            guard let value else { continue }
            registry.makeGauge(descriptor: Self.servingLatencyName, labels: labels + [("percentile", percentile)]).set(value / 1000)
        }
    }

    /// Counts events taken in (for the rejected-rate signal; the counters are separate).
    public func tallyAccepted(_ count: Int) { tally.withLock { $0.accepted += count } }

    public func tallyRejected() { tally.withLock { $0.rejected += 1 } }

    /// The counts since the last call (then reset) and the latest lag.
    public func takeIngestTally() -> IngestTally {
        tally.withLock { t in
            defer { (t.accepted, t.rejected) = (0, 0) }
            return t
        }
    }

    /// Hooks that export alert states, delivery outcomes and the outbox backlog.
    public func alertingObserver(receivers: [String], store: TwinwatchStore) -> AlertingObserver {
        for receiver in receivers {
            for outcome in ["delivered", "retry", "dead"] { _ = notifications(receiver: receiver, outcome: outcome) }
        }
        return AlertingObserver(
            alerts: { [self] alerts in
                var firing: [String: Int] = [:]
                for a in alerts where a.isFiring { firing["\(a.rule)/\(a.severity.rawValue)", default: 0] += 1 }
                let seen = tally.withLock { t in
                    defer { t.alertSeries.formUnion(firing.keys) }
                    return t.alertSeries.union(firing.keys)
                }
                // A series whose alerts all stopped firing goes to 0, not left at its last count.
                for series in seen {
                    let parts = series.split(separator: "/").map(String.init)
                    alertsFiring(rule: parts[0], severity: parts[1]).set(Double(firing[series] ?? 0))
                }
            },
            delivery: { [self] receiver, outcome in
                notifications(receiver: receiver, outcome: outcome.name).increment()
                Task { await refreshOutbox(store) }
            },
            outboxChanged: { [self] in Task { await refreshOutbox(store) } })
    }

    private func alertsFiring(rule: String, severity: String) -> Gauge {
        registry.makeGauge(descriptor: Self.alertsFiringName, labels: [("rule", rule), ("severity", severity)])
    }

    private func notifications(receiver: String, outcome: String) -> Counter {
        registry.makeCounter(descriptor: Self.notificationsName, labels: [("receiver", receiver), ("outcome", outcome)])
    }

    /// Sets the outbox gauges from the store.
    public func refreshOutbox(_ store: TwinwatchStore) async {
        guard let counts = try? await store.outboxCounts() else { return }
        for (receiver, byStatus) in counts {
            registry.makeGauge(descriptor: Self.outboxPendingName, labels: [("receiver", receiver)]).set(Double(byStatus[.pending] ?? 0))
            registry.makeGauge(descriptor: Self.outboxDeadName, labels: [("receiver", receiver)]).set(Double(byStatus[.dead] ?? 0))
        }
    }

    /// Applies librdkafka statistics: lag per partition and broker availability.
    public func record(_ stats: ConsumerStatistics) {
        if !stats.lag.isEmpty { tally.withLock { $0.lag = stats.lag.values.reduce(0, +) } }
        for (tp, lag) in stats.lag {
            registry.makeGauge(descriptor: Self.lagName, labels: [("topic", tp.topic), ("partition", "\(tp.partition)")]).set(Double(lag))
        }
        registry.makeGauge(descriptor: Self.brokersUpName).set(Double(stats.brokersUp))
        registry.makeGauge(descriptor: Self.brokersName).set(Double(stats.brokersTotal))
        let now = ContinuousClock.now
        brokers.withLock { $0.observed(brokersUp: stats.brokersUp, of: stats.brokersTotal, at: now) }
    }

    /// Broker reachability now (what `/readyz` reports).
    public var brokerHealth: BrokerHealth { brokers.withLock { $0 } }

    public var assignedPartitions: Gauge { registry.makeGauge(descriptor: Self.assignedName) }

    /// Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}

/// The checkpoint failure counter. The checkpoint service reports through its metrics; this is
/// where readiness learns of the failures too, without a second channel to keep in step.
public struct CheckpointFailureCounter: Sendable {
    let counter: Counter
    let metrics: DaemonMetrics

    public func increment() {
        counter.increment()
        metrics.checkpoint(succeeded: false)
    }
}

/// The last-checkpoint gauge; setting it (after a checkpoint is written) tells readiness too.
public struct LastCheckpointGauge: Sendable {
    let gauge: Gauge
    let metrics: DaemonMetrics

    public func set(_ unixSeconds: Double) {
        gauge.set(unixSeconds)
        metrics.checkpoint(succeeded: true)
    }
}

/// Process-wide ingest counts for the alert signals.
public struct IngestTally: Sendable {
    public var accepted = 0
    public var rejected = 0
    /// Sum of the partitions' lag at the last statistics, nil before the first.
    public var lag: Int64?
    /// Alert gauge series exported so far ("rule/severity").
    var alertSeries: Set<String> = []
}

extension HealthSignals {
    /// The `signal` label of each `twinwatch_embedding_health` series, in `series` order.
    static let seriesNames = ["total_variance", "mean_pairwise_cosine", "effective_rank", "nan_rate", "inf_rate", "zero_vector_rate"]

    /// This window's value of each series, labelled.
    var series: [(String, Double)] {
        Array(zip(Self.seriesNames, [totalVariance, meanPairwiseCosine, effectiveRank, nanRate, infRate, zeroVectorRate]))
    }
}
