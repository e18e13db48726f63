import EventCodec

/// Sends refused messages, unchanged, to the dead-letter topic with the reason and their source.
public struct DeadLetterQueue: Sendable {
    public static let errorHeader = "x-twinwatch-error"
    public static let sourceHeader = "x-twinwatch-source"

    public let topic: String
    private let producer: KafkaProducer

    public init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.producer = producer
    }

    /// Enqueues `message` with `x-twinwatch-error: <reason>: <detail>` and `x-twinwatch-source: topic/partition/offset`.
    public func send(_ message: KafkaMessage, _ rejection: EventRejection) throws(KafkaError) {
        let source = "\(message.topic)/\(message.partition)/\(message.offset)"
        try producer.produce(topic: topic, key: message.key, value: message.value, headers: [
            (Self.errorHeader, Array("\(rejection.reason.rawValue): \(rejection.detail)".utf8)),
            (Self.sourceHeader, Array(source.utf8)),
        ])
    }

    /// The producer's `message.max.bytes` that admits the dead letter of any event the decoder takes
    /// in: `maxEventBytes` plus 64 KiB for the key, the two headers and the record framing.
    /// librdkafka's default (1 000 000) is below the default `max_event_bytes` (1 MiB): an event just
    /// under it was refused, and then its dead letter could not be produced either.
    public static func producerMessageMaxBytes(maxEventBytes: Int) -> Int { max(1_000_000, maxEventBytes + 65_536) }

    /// Waits until everything sent is acknowledged by the brokers.
    public func flush(timeoutMs: Int32 = 10_000) async throws(KafkaError) { try await producer.flush(timeoutMs: timeoutMs) }
}
