import CRdKafka
import TwinwatchCore

/// A consumed Kafka record, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Message timestamp (create or log-append time), milliseconds since the epoch.
    public var timestampMs: Int64?
    public var headers: [(name: String, value: [UInt8])]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]? = nil, value: [UInt8],
                timestampMs: Int64? = nil, headers: [(name: String, value: [UInt8])] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
        self.headers = headers
    }

    /// The value of the first header called `name`.
    public func header(_ name: String) -> [UInt8]? { headers.first { $0.name == name }?.value }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// Per partition, the offset after the last of `messages`: what "processed up to here" commits.
    public static func nextOffsets(_ messages: [KafkaMessage]) -> [TopicPartition: Int64] {
        var next: [TopicPartition: Int64] = [:]
        for m in messages { next[m.topicPartition] = max(next[m.topicPartition] ?? 0, m.offset + 1) }
        return next
    }
}

extension KafkaMessage {
    /// Copies a consumed librdkafka message (payload, key, timestamp, headers).
    init(copying raw: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = raw.pointee
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        var headers: [(name: String, value: [UInt8])] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(raw, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var data: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = data.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append((name.map { String(cString: $0) } ?? "", bytes))
                index += 1
            }
        }
        self.init(topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset, key: key,
                  value: value, timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp, headers: headers)
    }
}
