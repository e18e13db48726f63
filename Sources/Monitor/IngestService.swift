import StateStore
import EventCodec
import KafkaIO
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Consumes the events topic into `MonitorState`. Refused messages go to the dead-letter topic;
/// a batch's offsets are recorded in state once the batch is in the windows and its dead letters
/// are sent, and reach Kafka only with the next checkpoint (`CheckpointService`). On graceful
/// shutdown the batch in hand completes; unprocessed buffered messages are left uncommitted (the
/// next owner reads them); the checkpoint service then writes, commits and closes the consumer.
public struct IngestService: Service {
    private let consumer: KafkaConsumer
    private let decoder: EventDecoder
    private let feedback: FeedbackRoute?
    private let deadLetters: DeadLetterQueue?
    private let state: MonitorState
    private let metrics: DaemonMetrics
    private let progress: PipelineProgress
    private let logger: Logger

    public init(consumer: KafkaConsumer, decoder: EventDecoder, feedback: FeedbackRoute? = nil, deadLetters: DeadLetterQueue?,
                state: MonitorState, metrics: DaemonMetrics, progress: PipelineProgress = PipelineProgress(), logger: Logger) {
        self.progress = progress
        self.consumer = consumer
        self.decoder = decoder
        self.feedback = feedback
        self.deadLetters = deadLetters
        self.state = state
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        var refusals = RefusalLog()
        for await event in consumer.events.cancelOnGracefulShutdown() {
            switch event {
            case .messages(let batch):
                progress.begin(.ingest)
                await process(batch, &refusals)
                progress.end(.ingest)
            case .assigned(let partitions):
                await state.partitionsAssigned(partitions)
                metrics.assignedPartitions.set(Double(await state.assignedPartitionCount))
                await learnPartitionCount()
            case .revoked(let partitions):
                let dropped = await state.partitionsRevoked(partitions)
                metrics.forget(dropped)
                metrics.assignedPartitions.set(Double(await state.assignedPartitionCount))
            }
        }
        logger.info("ingest stopped")
    }

    /// The events topic's partition count, which tells whether this instance owns all of a
    /// model's traffic (the model aggregate is scored only then). Metadata is a blocking call.
    private func learnPartitionCount() async {
        let consumer = self.consumer, topic = state.eventsTopic
        if let count = (try? await offload({ consumer.partitionCount(of: topic) })) ?? nil {
            await state.eventsTopicHas(partitions: count)
        } else {
            logger.warning("cannot read the events topic's partition count from the brokers", metadata: ["topic": "\(topic)"])
        }
    }

    private func process(_ batch: [KafkaMessage], _ refusals: inout RefusalLog) async {
        // The ownership fence: librdkafka hands over a poll's messages after the revoke it ran
        // into, so a batch may hold messages of partitions no longer owned. Their new owner reads
        // them: not decoded, not dead-lettered, not counted here.
        let owned = await state.ownedPartitions
        let batch = batch.filter { owned.contains($0.topicPartition) }
        guard !batch.isEmpty else { return }
        var events: [InferenceEvent] = []
        var sources: [KafkaMessage] = []
        events.reserveCapacity(batch.count)
        var labels: [Feedback] = []
        let refusedBefore = refusals.total
        for message in batch {
            if let feedback, message.topic == feedback.topic {
                switch feedback.decoder.decode(message.value, fallbackTimestampMs: message.timestampMs) {
                case .success(let item): labels.append(item)
                case .failure(let rejection): refuse(message, rejection, &refusals)
                }
                continue
            }
            switch decoder.decode(message) {
            case .success(let event):
                events.append(event)
                sources.append(message)
            case .failure(let rejection):
                refuse(message, rejection, &refusals)
            }
        }
        // State refuses what only it can judge (a dimension learned from the stream).
        let refusedByState = await state.ingest(events, sources: sources.map { $0.topicPartition as TopicPartition? })
        for (index, rejection) in refusedByState { refuse(sources[index], rejection, &refusals) }
        if !labels.isEmpty {
            await state.ingest(feedback: labels)
            for item in labels { metrics.feedbackConsumed(item.kind).increment() }
        }
        // One registry lookup per model and batch, not per event.
        var perModel: [String: Int] = [:]
        for (index, event) in events.enumerated() where refusedByState[index] == nil { perModel[event.model, default: 0] += 1 }
        for (model, count) in perModel { metrics.consumed(model: model).increment(by: Int64(count)) }
        metrics.tallyAccepted(perModel.values.reduce(0, +))
        if refusals.total > refusedBefore, let deadLetters {
            do {
                try await deadLetters.flush()
            } catch {
                metrics.deadLetterFailures.increment()
                logger.error("dead-letter delivery failed; the refused messages are only in the log", metadata: ["error": "\(error)"])
            }
        }
        await state.completeBatch(offsets: KafkaMessage.nextOffsets(batch))
    }

    /// Every refusal: counted, dead-lettered, and logged (first of each reason, then one per thousand).
    private func refuse(_ message: KafkaMessage, _ rejection: EventRejection, _ refusals: inout RefusalLog) {
        metrics.rejected(rejection.reason).increment()
        metrics.tallyRejected()
        sendToDeadLetters(message, rejection)
        if refusals.record(rejection.reason) {
            logger.warning("event rejected", metadata: [
                "reason": "\(rejection.reason.rawValue)", "detail": "\(rejection.detail)",
                "source": "\(message.topic)/\(message.partition)/\(message.offset)", "count": "\(refusals.counts[rejection.reason] ?? 0)",
            ])
        }
    }

    private func sendToDeadLetters(_ message: KafkaMessage, _ rejection: EventRejection) {
        guard let deadLetters else { return }
        do {
            try deadLetters.send(message, rejection)
        } catch {
            metrics.deadLetterFailures.increment()
            logger.error("dead-letter produce failed", metadata: ["source": "\(message.topic)/\(message.partition)/\(message.offset)", "error": "\(error)"])
        }
    }
}

/// Where feedback arrives and how it is decoded.
public struct FeedbackRoute: Sendable {
    public let topic: String
    public let decoder: FeedbackDecoder

    public init(topic: String, decoder: FeedbackDecoder) {
        self.topic = topic
        self.decoder = decoder
    }
}

extension Feedback {
    /// Metric label: `label`, `scored` or `retrieval`.
    var kind: String {
        switch self {
        case .label: "label"
        case .scored: "scored"
        case .retrieval: "retrieval"
        }
    }
}

/// Per-reason refusal counts of this ingest loop, to sample the warning log.
struct RefusalLog {
    private(set) var counts: [EventRejection.Reason: Int] = [:]
    private(set) var total = 0

    /// Counts one refusal; true when it is one to log.
    mutating func record(_ reason: EventRejection.Reason) -> Bool {
        total += 1
        let count = counts[reason, default: 0] + 1
        counts[reason] = count
        return count == 1 || count % 1000 == 0
    }
}
