import CRdKafka
import TwinwatchCore

extension TopicPartition {
    /// The entries of a librdkafka partition list.
    static func list(_ raw: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        guard let raw, let elems = raw.pointee.elems else { return [] }
        return (0..<Int(raw.pointee.cnt)).map { i in
            TopicPartition(topic: String(cString: elems[i].topic), partition: elems[i].partition)
        }
    }
}

/// What the consumer delivers, in order: messages, and partition ownership changes.
public enum ConsumerEvent: Sendable {
    case messages([KafkaMessage])
    /// These partitions now belong to this instance (restore their state).
    case assigned([TopicPartition])
    /// These partitions were taken away (stored offsets were committed first).
    case revoked([TopicPartition])
}
