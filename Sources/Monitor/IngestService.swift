import EventCodec
import KafkaIO
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Consumes the events topic into `MonitorState`. Refused messages go to the dead-letter topic;
/// offsets of a batch are stored only once the batch is in state and its dead letters are
/// acknowledged. On graceful shutdown the batch in hand completes, unprocessed buffered messages
/// are left uncommitted (the next owner reads them), and the consumer commits and leaves.
public struct IngestService: Service {
    private let consumer: KafkaConsumer
    private let decoder: EventDecoder
    private let feedback: FeedbackRoute?
    private let deadLetters: DeadLetterQueue?
    private let state: MonitorState
    private let metrics: DaemonMetrics
    private let logger: Logger

    public init(consumer: KafkaConsumer, decoder: EventDecoder, feedback: FeedbackRoute? = nil, deadLetters: DeadLetterQueue?,
                state: MonitorState, metrics: DaemonMetrics, logger: Logger) {
        self.consumer = consumer
        self.decoder = decoder
        self.feedback = feedback
        self.deadLetters = deadLetters
        self.state = state
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        for await event in consumer.events.cancelOnGracefulShutdown() {
            switch event {
            case .messages(let batch):
                await process(batch)
            case .assigned(let partitions):
                await state.partitionsAssigned(partitions)
                metrics.assignedPartitions.set(Double(await state.assignedPartitionCount))
            case .revoked(let partitions):
                await state.partitionsRevoked(partitions)
                metrics.assignedPartitions.set(Double(await state.assignedPartitionCount))
            }
        }
        await consumer.close()
        logger.info("ingest stopped, offsets committed")
    }

    private func process(_ batch: [KafkaMessage]) async {
        var events: [InferenceEvent] = []
        events.reserveCapacity(batch.count)
        var rejections: [EventRejection] = []
        var labels: [Feedback] = []
        for message in batch {
            if let feedback, message.topic == feedback.topic {
                switch feedback.decoder.decode(message.value, fallbackTimestampMs: message.timestampMs) {
                case .success(let item): labels.append(item)
                case .failure(let rejection):
                    rejections.append(rejection)
                    metrics.rejected(rejection.reason).increment()
                    sendToDeadLetters(message, rejection)
                }
                continue
            }
            switch decoder.decode(message) {
            case .success(let event):
                events.append(event)
            case .failure(let rejection):
                rejections.append(rejection)
                metrics.rejected(rejection.reason).increment()
                sendToDeadLetters(message, rejection)
            }
        }
        await state.ingest(events, rejections: rejections)
        if !labels.isEmpty {
            await state.ingest(feedback: labels)
            for item in labels { metrics.feedbackConsumed(item.kind).increment() }
        }
        // One registry lookup per model and batch, not per event.
        var perModel: [String: Int] = [:]
        for event in events { perModel[event.model, default: 0] += 1 }
        for (model, count) in perModel { metrics.consumed(model: model).increment(by: Int64(count)) }
        if !rejections.isEmpty, let deadLetters {
            do {
                try await deadLetters.flush()
            } catch {
                metrics.deadLetterFailures.increment()
                logger.error("dead-letter delivery failed; the refused messages are only in the log", metadata: ["error": "\(error)"])
            }
        }
        consumer.store(batch)
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
