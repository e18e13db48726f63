import EventCodec
import KafkaIO
import Logging
import ServiceLifecycle
import TwinwatchCore

/// Consumes the events topic into `MonitorState`. Offsets are stored only after a batch is in
/// state; on graceful shutdown the stored offsets are committed before the consumer leaves.
public struct IngestService: Service {
    private let consumer: KafkaConsumer
    private let decoder: EventDecoder
    private let state: MonitorState
    private let logger: Logger

    public init(consumer: KafkaConsumer, decoder: EventDecoder, state: MonitorState, logger: Logger) {
        self.consumer = consumer
        self.decoder = decoder
        self.state = state
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch = await consumer.poll(maxMessages: 1000, timeoutMs: 100)
            guard !batch.isEmpty else { continue }
            var events: [InferenceEvent] = []
            var rejections: [EventRejection] = []
            events.reserveCapacity(batch.count)
            for message in batch {
                switch decoder.decode(message) {
                case .success(let event): events.append(event)
                case .failure(let rejection): rejections.append(rejection)
                }
            }
            await state.ingest(events, rejections: rejections)
            consumer.store(batch)
        }
        do {
            try await consumer.commit()
        } catch {
            logger.error("final offset commit failed; the next start replays from the last commit", metadata: ["error": "\(error)"])
        }
        await consumer.close()
        logger.info("ingest stopped, offsets committed")
    }
}
