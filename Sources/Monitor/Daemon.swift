import Alerting
import Foundation
import StateStore
import EventCodec
import KafkaIO
import Logging
import ServiceLifecycle
import Systemd
import TwinwatchCore
import Verification

/// Wires the daemon's services from a validated configuration.
public struct Daemon: Sendable {
    public let state: MonitorState
    public let store: TwinwatchStore
    public let metrics: DaemonMetrics
    /// Decides and remembers alerts (also read by the HTTP API).
    public let alerts: AlertCoordinator
    /// Reloads the configuration file (nil when the daemon was not started from one).
    public let reloader: ConfigReloader?
    public let publisher: ThresholdPublisher
    /// Window evaluations and null calibrations running now (those past their budget: `/readyz`).
    public let work: EstimatorWork
    public let startedAt = Date()
    /// Started in this order; ServiceGroup stops them in reverse: ingest first, then the final
    /// checkpoint (which commits and closes the consumer), the evaluator, alerting last. The
    /// systemd service is the last in the list: the first to stop (it says STOPPING=1).
    public let services: [any Service]

    /// `configPath`: the file `config` was read from, read again on SIGHUP; `overrides` are the
    /// command-line settings re-applied over it. `environment`: where `NOTIFY_SOCKET` and
    /// `WATCHDOG_USEC` come from.
    public init(config: TwinwatchConfig, logger: Logger, metrics: DaemonMetrics = DaemonMetrics(),
                configPath: String? = nil, overrides: @escaping @Sendable (inout TwinwatchConfig) -> Void = { _ in },
                environment: [String: String] = ProcessInfo.processInfo.environment,
                onEvaluation: @escaping @Sendable (DriftEvaluation) -> Void = { _ in },
                onVerification: @escaping @Sendable (VerificationRound) -> Void = { _ in },
                alertObserver: AlertingObserver = AlertingObserver()) async throws {
        let store = try TwinwatchStore(path: config.store.path)
        let observer = metrics.alertingObserver(receivers: config.alerting.receivers.map(\.name), store: store).combined(with: alertObserver)
        let alerts = try await AlertCoordinator(settings: config.alerting, defaultConsecutiveWindows: config.drift.consecutiveWindows,
                                                store: store, logger: logger, observer: observer)
        await metrics.refreshOutbox(store)
        let groupID = config.kafka.groupID
        let consumer = try KafkaConsumer(
            brokers: config.kafka.brokers, groupID: groupID, overrides: config.kafka.librdkafka, logger: logger,
            checkpointedOffsets: { partitions, committed in Self.checkpointedOffsets(store, groupID: groupID, partitions, committed: committed, logger) },
            onStatistics: { metrics.record($0) })
        var producerProperties = RDKafkaConfig.producerProperties(config.kafka.librdkafka)
        // Dead letters carry refused events of up to max_event_bytes; a smaller limit set by the
        // user is raised, since it would make exactly those events' dead letters fail.
        let messageMaxBytes = DeadLetterQueue.producerMessageMaxBytes(maxEventBytes: config.kafka.maxEventBytes)
        if Int(producerProperties["message.max.bytes"] ?? "") ?? 0 < messageMaxBytes { producerProperties["message.max.bytes"] = "\(messageMaxBytes)" }
        let producer = try KafkaProducer(brokers: config.kafka.brokers, overrides: producerProperties, logger: logger)
        try consumer.subscribe([config.kafka.eventsTopic] + (config.kafka.feedbackTopic.map { [$0] } ?? []))
        let known = config.models.isEmpty ? nil : Set(config.models.map(\.name))
        let decoder = EventDecoder(dimensions: config.modelDimensions, knownModels: known, maxBytes: config.kafka.maxEventBytes)
        let state = MonitorState(config: config, store: store, logger: logger)
        // A restart keeps the thresholds in force (and their cool-downs).
        var restored: [WindowID: ThresholdState] = [:]
        for record in try await store.thresholdsInForce() {
            restored[WindowID(model: record.model, cohort: record.cohort)] =
                ThresholdState(threshold: record.threshold, version: record.version, lastChangeMs: RFC3339.millis(record.createdAt))
        }
        if !restored.isEmpty {
            await state.restoreThresholds(restored)
            logger.info("thresholds in force restored", metadata: ["cohorts": "\(restored.count)"])
        }
        let adaptive = config.verification.adaptive
        let publisher = ThresholdPublisher(producer: producer, topic: adaptive.publishTopic, file: adaptive.publishFile, logger: logger)
        let deadLetters = DeadLetterQueue(topic: config.kafka.deadLetterTopic, producer: producer)
        let progress = PipelineProgress()
        if let abandoned = try? await store.abandonRunningOverruns(), abandoned > 0 {
            logger.warning("estimator work past its budget was still running when the daemon last stopped", metadata: ["overruns": "\(abandoned)"])
        }
        let reporter = OverrunReporter(store: store, metrics: metrics, logger: logger)
        let work = EstimatorWork(onReport: { reporter.report($0) })
        self.work = work
        let notifier = SystemdNotifier(environment: environment)
        let reloader = configPath.map {
            ConfigReloader(path: $0, running: config, overrides: overrides, state: state, alerts: alerts, notifier: notifier, logger: logger)
        }
        self.reloader = reloader
        self.publisher = publisher
        self.state = state
        self.store = store
        self.metrics = metrics
        self.alerts = alerts
        services = [
            AlertingService(coordinator: alerts, settings: config.alerting, store: store, logger: logger, observer: observer),
            EvaluatorService(state: state, store: store, config: config, alerts: alerts, thresholds: publisher, metrics: metrics,
                             progress: progress, work: work, logger: logger, onEvaluation: onEvaluation, onVerification: onVerification),
            CheckpointService(state: state, store: store, consumer: consumer, deadLetters: deadLetters, groupID: groupID,
                              interval: config.checkpoint.interval, metrics: metrics, logger: logger),
            IngestService(consumer: consumer, decoder: decoder,
                          feedback: config.kafka.feedbackTopic.map { FeedbackRoute(topic: $0, decoder: FeedbackDecoder(knownModels: known)) },
                          deadLetters: deadLetters, state: state, metrics: metrics, progress: progress, logger: logger),
            SystemdService(notifier: notifier, watchdog: WatchdogSchedule(environment: environment), progress: progress, state: state,
                           alerts: alerts, reloader: reloader, logger: logger),
        ]
    }

    /// Where assigned partitions resume: the offsets of the last checkpoint, which match the
    /// windows restored for them — unless the group's commit is past them. Then another instance
    /// owned the partition since this store's checkpoint: its rows and offset here are an old
    /// tenure's, and restoring them would rewind the partition and replay (and re-dead-letter)
    /// the other instance's whole tenure, then move the group's commit backwards. Such a
    /// partition's stored windows and offset are forgotten and it starts at the group's commit.
    /// Partitions this store never saw start at the group's commit too.
    static func checkpointedOffsets(_ store: TwinwatchStore, groupID: String, _ partitions: [TopicPartition],
                                    committed: [TopicPartition: Int64]?, _ logger: Logger) -> [TopicPartition: Int64] {
        do {
            let stored = try store.offsets(group: groupID).filter { partitions.contains($0.key) }
            let stale = Set(stored.filter { p, offset in committed?[p].map { $0 > offset } ?? false }.keys)
            guard !stale.isEmpty else { return stored }
            let windows = try store.forget(sources: stale, group: groupID)
            logger.info("checkpoint older than the group's commit (another instance owned the partitions since): starting at the group's commit",
                        metadata: ["partitions": "\(stale.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) })", "windows_forgotten": "\(windows)"])
            return stored.filter { !stale.contains($0.key) }
        } catch {
            logger.error("cannot read checkpointed offsets; resuming from the group's committed offsets", metadata: ["error": "\(error)"])
            return [:]
        }
    }
}
