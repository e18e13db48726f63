import EventCodec
import KafkaIO
import Prometheus

/// The daemon's Prometheus metrics (DESIGN §8 names). One registry per daemon, passed in, so
/// tests and several in-process daemons never share global state.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Every reason is exported from the start, so a rate() over a fresh counter works.
        for reason in EventRejection.Reason.allCases { _ = rejected(reason) }
    }

    public func consumed(model: String) -> Counter {
        registry.makeCounter(name: "twinwatch_events_consumed_total", labels: [("model", model)])
    }

    public func rejected(_ reason: EventRejection.Reason) -> Counter {
        registry.makeCounter(name: "twinwatch_events_rejected_total", labels: [("reason", reason.rawValue)])
    }

    public func feedbackConsumed(_ kind: String) -> Counter {
        registry.makeCounter(name: "twinwatch_feedback_consumed_total", labels: [("kind", kind)])
    }

    public var deadLetterFailures: Counter {
        registry.makeCounter(name: "twinwatch_dead_letter_failures_total")
    }

    public func windowRows(model: String, cohort: String) -> Gauge {
        registry.makeGauge(name: "twinwatch_window_rows", labels: [("model", model), ("cohort", cohort)])
    }

    public func driftScore(model: String, cohort: String, estimator: String) -> Gauge {
        registry.makeGauge(name: "twinwatch_drift_score", labels: [("model", model), ("cohort", cohort), ("estimator", estimator)])
    }

    /// Applies librdkafka statistics: lag per partition and broker availability.
    public func record(_ stats: ConsumerStatistics) {
        for (tp, lag) in stats.lag {
            registry.makeGauge(name: "twinwatch_consumer_lag", labels: [("topic", tp.topic), ("partition", "\(tp.partition)")]).set(Double(lag))
        }
        registry.makeGauge(name: "twinwatch_kafka_brokers_up").set(Double(stats.brokersUp))
        registry.makeGauge(name: "twinwatch_kafka_brokers").set(Double(stats.brokersTotal))
    }

    public var assignedPartitions: Gauge { registry.makeGauge(name: "twinwatch_assigned_partitions") }

    /// Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
