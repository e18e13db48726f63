import StateStore
import Foundation
import KafkaIO
import Logging
import ServiceLifecycle

/// Every `checkpoint.interval`: takes the windows' new rows and the offsets they reflect (between
/// two batches), makes sure the batch's dead letters are delivered, writes both to the store in one
/// transaction, and only then commits the offsets to Kafka. After kill -9 the restored windows
/// and the resume offsets come from the same transaction, so nothing is lost and at most one
/// interval of the stream is read again. On shutdown it checkpoints a last time and closes the
/// consumer (ingest has stopped by then: it is started after this service, so it stops before).
/// Shutdown is bounded whatever the brokers do: the final checkpoint is written to the store
/// first (local), and the dead-letter flush, the offset commit and leaving the group wait at most
/// `shutdownKafkaTimeout` each.
public struct CheckpointService: Service {
    private let state: MonitorState
    private let store: TwinwatchStore
    private let consumer: KafkaConsumer
    private let deadLetters: DeadLetterQueue?
    private let groupID: String
    private let interval: Duration
    private let metrics: DaemonMetrics
    private let logger: Logger

    public init(state: MonitorState, store: TwinwatchStore, consumer: KafkaConsumer, deadLetters: DeadLetterQueue?,
                groupID: String, interval: Duration, metrics: DaemonMetrics, logger: Logger) {
        self.state = state
        self.store = store
        self.consumer = consumer
        self.deadLetters = deadLetters
        self.groupID = groupID
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    /// How long each Kafka step of the shutdown may wait for brokers (three steps; the unit's
    /// stop timeout leaves room for them).
    public static let shutdownKafkaTimeout: Duration = .seconds(5)

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                await checkpointOnce()
            }
        }
        await checkpointOnce(kafkaTimeout: Self.shutdownKafkaTimeout)
        if await consumer.close(timeout: Self.shutdownKafkaTimeout) {
            logger.info("final checkpoint written, consumer closed")
        } else {
            logger.warning("final checkpoint written; the brokers did not answer the group leave within \(Self.shutdownKafkaTimeout), exiting without it")
        }
    }

    /// Writes one checkpoint; a failure is logged and the same rows are retried next time. Kafka
    /// calls (dead-letter flush, commit) wait at most `kafkaTimeout`.
    public func checkpointOnce(kafkaTimeout: Duration = .seconds(30)) async {
        let started = ContinuousClock.now
        let checkpoint = await state.checkpoint(groupID: groupID)
        guard !checkpoint.windows.isEmpty || !checkpoint.offsets.isEmpty else { return }
        if let deadLetters {
            do {
                try await deadLetters.flush(timeoutMs: Int32(kafkaTimeout.components.seconds * 1000))
            } catch {
                metrics.deadLetterFailures.increment()
                logger.error("dead-letter delivery failed before checkpoint", metadata: ["error": "\(error)"])
            }
        }
        do {
            try await store.write(checkpoint)
        } catch {
            metrics.checkpointFailures.increment()
            logger.error("checkpoint write failed; offsets stay uncommitted", metadata: ["error": "\(error)"])
            return
        }
        await state.checkpointWritten(checkpoint)
        let rows = checkpoint.windows.reduce(0) { $0 + $1.newRows.count }
        metrics.checkpointRows.increment(by: Int64(rows))
        metrics.checkpointSeconds.record(started.duration(to: .now))
        metrics.lastCheckpoint.set(Date().timeIntervalSince1970)
        do {
            try await consumer.commit(Dictionary(checkpoint.offsets.map { ($0.source, $0.nextOffset) }, uniquingKeysWith: max), timeout: kafkaTimeout)
        } catch {
            // The store is the source of truth for this instance; the group offset catches up next time.
            logger.warning("offset commit after checkpoint failed", metadata: ["error": "\(error)"])
        }
        logger.debug("checkpoint written", metadata: ["windows": "\(checkpoint.windows.count)", "rows": "\(rows)"])
    }
}
