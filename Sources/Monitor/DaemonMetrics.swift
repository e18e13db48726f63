import EventCodec
import KafkaIO
import Prometheus

/// The daemon's Prometheus metrics (DESIGN §8 names, with help text). One registry per daemon,
/// passed in, so tests and several in-process daemons never share global state.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Every reason is exported from the start, so a rate() over a fresh counter works.
        for reason in EventRejection.Reason.allCases { _ = rejected(reason) }
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
    private static var brokersUpName: MetricNameDescriptor { metric("kafka_brokers_up", "Brokers librdkafka is connected to.") }
    private static var brokersName: MetricNameDescriptor { metric("kafka_brokers", "Brokers librdkafka knows of.") }
    private static var assignedName: MetricNameDescriptor { metric("assigned_partitions", "Partitions assigned to this instance.") }

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

    /// Applies librdkafka statistics: lag per partition and broker availability.
    public func record(_ stats: ConsumerStatistics) {
        for (tp, lag) in stats.lag {
            registry.makeGauge(descriptor: Self.lagName, labels: [("topic", tp.topic), ("partition", "\(tp.partition)")]).set(Double(lag))
        }
        registry.makeGauge(descriptor: Self.brokersUpName).set(Double(stats.brokersUp))
        registry.makeGauge(descriptor: Self.brokersName).set(Double(stats.brokersTotal))
    }

    public var assignedPartitions: Gauge { registry.makeGauge(descriptor: Self.assignedName) }

    /// Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
