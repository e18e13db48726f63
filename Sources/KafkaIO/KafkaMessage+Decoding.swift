import EventCodec
import TwinwatchCore

extension EventDecoder {
    /// The event carried by `message`: JSON unless its `content-type` header names the binary record.
    public func decode(_ message: KafkaMessage) -> Result<InferenceEvent, EventRejection> {
        decodeJSON(message.value, fallbackTimestampMs: message.timestampMs)
    }
}
