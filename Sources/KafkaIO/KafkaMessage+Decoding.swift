import EventCodec
import TwinwatchCore

extension KafkaMessage {
    /// The `content-type` header, when present.
    public var contentType: String? { header("content-type").map { String(decoding: $0, as: UTF8.self) } }
}

extension EventDecoder {
    /// The event carried by `message`: JSON, or the binary EVT1 record when its `content-type`
    /// header says so (model and cohort then come from the key).
    public func decode(_ message: KafkaMessage) -> Result<InferenceEvent, EventRejection> {
        decode(value: message.value, key: message.key, contentType: message.contentType, fallbackTimestampMs: message.timestampMs)
    }
}
