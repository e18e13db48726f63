import Alerting
import EventCodec
import KafkaIO
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Wires the daemon's services from a validated configuration.
public struct Daemon: Sendable {
    public let state: MonitorState
    public let metrics: DaemonMetrics
    /// In shutdown order reversed: ServiceGroup stops the last first (ingest, evaluator, notifier).
    public let services: [any Service]

    public init(config: TwinwatchConfig, logger: Logger, metrics: DaemonMetrics = DaemonMetrics(),
                onEvaluation: @escaping @Sendable (DriftEvaluation) -> Void = { _ in },
                onDelivered: @escaping @Sendable (AlertNotification, Int) -> Void = { _, _ in }) throws {
        let consumer = try KafkaConsumer(brokers: config.kafka.brokers, groupID: config.kafka.groupID,
                                         overrides: config.kafka.librdkafka, logger: logger,
                                         onStatistics: { metrics.record($0) })
        let producer = try KafkaProducer(brokers: config.kafka.brokers, overrides: RDKafkaConfig.producerProperties(config.kafka.librdkafka), logger: logger)
        try consumer.subscribe([config.kafka.eventsTopic] + (config.kafka.feedbackTopic.map { [$0] } ?? []))
        let known = config.models.isEmpty ? nil : Set(config.models.map(\.name))
        let dimensions = Dictionary(config.models.compactMap { m in m.dimension.map { (m.name, $0) } }, uniquingKeysWith: { a, _ in a })
        let decoder = EventDecoder(dimensions: dimensions, knownModels: known, maxBytes: config.kafka.maxEventBytes)
        let state = MonitorState(config: config, logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: AlertNotification.self, bufferingPolicy: .bufferingNewest(10_000))
        self.state = state
        self.metrics = metrics
        services = [
            NotifierService(notifications: stream, notifier: WebhookNotifier(webhooks: config.alerting.webhooks, logger: logger),
                            onDelivered: onDelivered),
            EvaluatorService(state: state, config: config, notifications: continuation, metrics: metrics, logger: logger,
                             onEvaluation: onEvaluation),
            IngestService(consumer: consumer, decoder: decoder,
                          feedback: config.kafka.feedbackTopic.map { FeedbackRoute(topic: $0, decoder: FeedbackDecoder(knownModels: known)) },
                          deadLetters: DeadLetterQueue(topic: config.kafka.deadLetterTopic, producer: producer),
                          state: state, metrics: metrics, logger: logger),
        ]
    }
}
